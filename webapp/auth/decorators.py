"""The one access check a view makes: the role may do the action (403 otherwise)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from webapp.auth.permissions import can


def require(action: str, refusal: int = 403) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse with 403 when the user's role may not do action anywhere.

    A URL that names another township's record refuses with 404 instead (refusal=404), so that
    it answers as if the record did not exist.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(current_user, action):
                abort(refusal)
            return view(*args, **kwargs)

        wrapped.required_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorate
