"""/county: pick a township among those the user may reach, with headline figures for each."""

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from tenants.context import reading_context
from webapp.auth.access import accessible_townships
from webapp.auth.decorators import require
from webapp.branches.models import Branch
from webapp.extensions import db
from webapp.members.models import Member

bp = Blueprint("county", __name__, url_prefix="/county")


def _counts(model: Any, ids: list[int]) -> dict[int, int]:
    stmt = select(model.tenant_id, func.count(model.id)).group_by(model.tenant_id)
    return {tenant: count for tenant, count in db.session.execute(stmt)} if ids else {}


@bp.route("/")
@require("county.view")
def townships() -> Any:
    """切换乡镇: only the assigned townships, never others."""
    towns = accessible_townships(db.session, current_user)
    ids = [t.id for t in towns]
    with reading_context(ids):
        branches = _counts(Branch, ids)
        members = _counts(Member, ids)
    rows = [(t, branches.get(t.id, 0), members.get(t.id, 0)) for t in towns]
    return render_template("county/townships.html", rows=rows)
