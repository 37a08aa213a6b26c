"""The one access check a view makes: the role may do the action (403 otherwise)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from webapp.auth.permissions import can


def require(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse with 403 when the user's role may not do action anywhere."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorate
