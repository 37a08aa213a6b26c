"""JSON API under /api/v1 (flask-smorest), with its OpenAPI document at /api/v1/openapi.json."""

from typing import Any

from flask import Flask, g, request
from flask_smorest import Api, Blueprint, abort

from webapp.api.base import SafeParser
from webapp.extensions import csrf, db

api = Api()

TOKEN_SCHEME = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: scope read answers GET only; write also POST/PUT/PATCH/DELETE",
    }
}


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiBlueprint(Blueprint):
    """A flask-smorest Blueprint whose arguments are read by SafeParser."""

    ARGUMENTS_PARSER = SafeParser()


def authenticate() -> None:
    """Every API request carries a valid Bearer token of an active user; writes need write scope."""
    from webapp.auth.models import TokenScope, User
    from webapp.auth.tokens import token_for_request

    header = request.headers.get("Authorization", "")
    scheme, _, clear = header.partition(" ")
    token = token_for_request(db.session, clear.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        abort(401, message="缺少、无效或已过期的API令牌（Authorization: Bearer <令牌>）")
    if request.method not in SAFE_METHODS and token.scope != TokenScope.WRITE:
        abort(403, message="此令牌只有只读权限，不能新增、修改或删除数据")
    g.api_user = db.session.get(User, token.user_id)


def api_blueprint(
    name: str, import_name: str, url_prefix: str, township: bool = False
) -> Blueprint:
    """An API blueprint; township=True mounts it under /api/v1/t/<slug> in that township's scope."""
    prefix = "/api/v1" + ("/t/<slug>" if township else "") + url_prefix
    bp = ApiBlueprint(name, import_name, url_prefix=prefix)
    bp.before_request(authenticate)
    if township:
        from webapp.tenancy import enter_township_for

        @bp.url_value_preprocessor
        def _pull(_endpoint: str | None, values: dict[str, Any] | None) -> None:
            g.slug = (values or {}).pop("slug", None)

        @bp.before_request
        def _enter() -> None:
            enter_township_for(g.api_user, g.slug)

    return bp


def init_api(app: Flask) -> None:
    """Bind the API and its blueprints; the API uses tokens, not cookies, so no CSRF."""
    from webapp.api import (
        branches,
        certificates,
        county,
        departures,
        duties,
        imports,
        letters,
        life,
        members,
        placements,
        reminders,
        risk,
        townships,
        transfers,
    )

    api.init_app(
        app,
        spec_kwargs={
            "components": {"securitySchemes": TOKEN_SCHEME},
            "security": [{"bearerAuth": []}],
        },
    )
    for module in (
        townships,
        branches,
        members,
        departures,
        placements,
        county,
        imports,
        certificates,
        duties,
        reminders,
        life,
        risk,
        transfers,
        letters,
    ):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
    csrf.exempt(letters.county_blp)
    api.register_blueprint(letters.county_blp)
