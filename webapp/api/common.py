"""Shared by the API resources: the permission check, paging, 422 from service errors."""

from typing import Any, NoReturn

from flask import g
from flask_smorest import abort
from sqlalchemy import Select

from webapp.auth.permissions import can
from webapp.extensions import db
from webapp.i18n import plain
from webapp.pagination import paginate


def require_api(action: str, branch_id: int | None = None) -> None:
    """403 unless the token's user may do action."""
    if not can(g.api_user, action, branch_id):
        abort(403, message="您没有执行此操作的权限")


def page_of(stmt: Select[Any], args: dict[str, Any], rows: bool = False) -> dict[str, Any]:
    """{"items": [...], "meta": {...}} for one page of stmt (whole rows with rows=True)."""
    page = paginate(db.session, stmt, args["page"], args["per_page"], rows=rows)
    return {
        "items": page.items,
        "meta": {"page": page.page, "per_page": page.per_page, "total": page.total},
    }


def unprocessable(errors: dict[str, str]) -> NoReturn:
    """422 with field messages, in the same shape as schema validation errors."""
    db.session.rollback()
    abort(
        422, message="提交的数据有误", errors={"json": {k: [plain(v)] for k, v in errors.items()}}
    )
    raise AssertionError("abort() always raises")
