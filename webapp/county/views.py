"""/county: the coordinator's townships — picker, the census summed over them with drill-down, and
their placements at inflow organisations."""

from datetime import date
from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from tenants.context import reading_context
from tenants.models import Township
from webapp.args import as_of_arg
from webapp.auth.access import accessible_townships
from webapp.auth.decorators import require
from webapp.branches.models import Branch
from webapp.departures.models import FLOW_LABELS
from webapp.departures.rollup import county_census
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.services import OVERDUE_DAYS, county_flows

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


@bp.route("/census/")
@require("county.view")
def census() -> Any:
    """县级汇总: the census summed over the assigned townships, one row per township."""
    towns = accessible_townships(db.session, current_user)
    with reading_context([t.id for t in towns]):
        result = county_census(db.session, towns, as_of_arg())
    slugs = {t.id: t.slug for t in towns}
    return render_template("county/census.html", c=result, labels=FLOW_LABELS, slugs=slugs)


@bp.route("/placements/")
@require("county.view")
def placements() -> Any:
    """流入地管理汇总: placements of the overseen townships and the organisations taking them in."""
    towns = accessible_townships(db.session, current_user)
    with reading_context([t.id for t in towns]):
        flows = county_flows(db.session, [t.id for t in towns], date.today())
    names = {t.id: t.name for t in towns} | {
        o.id: o.name
        for o in db.session.scalars(
            select(Township).where(
                Township.id.in_({org["owner"] for org in flows["organisations"]})
            )
        )
    }
    return render_template(
        "county/placements.html",
        towns=towns,
        flows=flows,
        names=names,
        overdue_days=OVERDUE_DAYS,
    )
