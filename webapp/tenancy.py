"""Request scoping: /t/<slug>/... resolves the township, checks reach, and sets the tenant scope."""

from typing import Any

from flask import Blueprint, Flask, abort, g, redirect, request, url_for
from flask_login import current_user

from tenants.access import township_by_slug
from tenants.context import TenantScope, reset_scope, set_scope
from webapp.auth.access import accessible_township_ids, can_write_township
from webapp.auth.permissions import can
from webapp.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def township_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint mounted under /t/<slug>, whose requests run in that township's scope."""
    bp = Blueprint(name, import_name, url_prefix="/t/<slug>" + url_prefix)
    bp.url_value_preprocessor(_pull_slug)
    bp.url_defaults(_push_slug)
    bp.before_request(_enter_township)
    return bp


def _pull_slug(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.slug = (values or {}).pop("slug", None)


def _push_slug(_endpoint: str, values: dict[str, Any]) -> None:
    if "slug" not in values and getattr(g, "township", None) is not None:
        values["slug"] = g.township.slug


def _enter_township() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    enter_township_for(current_user, g.slug)
    return None


def enter_township_for(user: Any, slug: str | None) -> None:
    """Resolve the township and set the request's scope, or 404 when the user can't reach it."""
    if not slug:
        abort(404)
    township = township_by_slug(db.session, slug)
    if township.id not in accessible_township_ids(db.session, user):
        abort(404)
    if not can(user, "township.view"):
        abort(404)
    writable = township.id if can_write_township(user, township.id) else None
    if writable is None and request.method not in SAFE_METHODS:
        # a county coordinator reads townships: any write answers 403 here, before the
        # database's row-level security would refuse it
        abort(403)
    g.township = township
    push_scope(TenantScope(readable=frozenset({township.id}), writable=writable))


def push_scope(scope: TenantScope) -> None:
    """Set the tenant scope until the end of the request."""
    g.setdefault("scope_tokens", []).append(set_scope(scope))


def init_app(app: Flask) -> None:
    """Reset scopes at the end of every request, even after an error."""

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        for token in reversed(g.pop("scope_tokens", [])):
            reset_scope(token)
