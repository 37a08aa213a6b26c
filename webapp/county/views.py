"""/county: the coordinator's townships — picker, the census summed over them with drill-down, and
their placements at inflow organisations; those pages and the county scorecards as workbooks."""

from datetime import date
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from tenants.context import reading_context
from tenants.models import Township
from webapp.auth.access import accessible_townships
from webapp.auth.decorators import require
from webapp.branches.models import Branch
from webapp.county import exports
from webapp.departures.forms import census_date
from webapp.departures.models import FLOW_LABELS
from webapp.departures.rollup import county_census
from webapp.duties.periods import PeriodInvalid
from webapp.extensions import db
from webapp.home.county import county_rows
from webapp.placements.services import OVERDUE_DAYS, county_flows
from webapp.risk.scorecards import span_of

bp = Blueprint("county", __name__, url_prefix="/county")


def _counts(model: Any, ids: list[int]) -> dict[int, int]:
    stmt = select(model.tenant_id, func.count(model.id)).group_by(model.tenant_id)
    return {tenant: count for tenant, count in db.session.execute(stmt)} if ids else {}


@bp.route("/")
@require("county.view")
def townships() -> Any:
    """切换乡镇: only the assigned townships, never others, each with its figures and what is
    overdue there (webapp/home/county.py)."""
    towns = accessible_townships(db.session, current_user)
    ids = [t.id for t in towns]
    with reading_context(ids):
        branches = _counts(Branch, ids)
    rows = county_rows(db.session, towns, date.today(), branches)
    return render_template("county/townships.html", rows=rows)


@bp.route("/census/")
@require("county.view")
def census() -> Any:
    """县级汇总: the census summed over the assigned townships, one row per township; a bad or
    future date is named on the date field (422), over today's figures."""
    towns = accessible_townships(db.session, current_user)
    today = date.today()
    as_of, date_problem = census_date(request.args.get("as_of"), today)
    with reading_context([t.id for t in towns]):
        result = county_census(db.session, towns, as_of)
    slugs = {t.id: t.slug for t in towns}
    page = render_template(
        "county/census.html",
        c=result,
        labels=FLOW_LABELS,
        slugs=slugs,
        today=today,
        date_problem=date_problem,
    )
    return page, 422 if date_problem else 200


def _placement_flows(towns: list[Township], today: date) -> tuple[dict[str, Any], dict[int, str]]:
    """county_flows over the townships, and the names of the townships keeping each organisation."""
    with reading_context([t.id for t in towns]):
        flows = county_flows(db.session, [t.id for t in towns], today)
    owners = {org["owner"] for org in flows["organisations"]}
    names = {t.id: t.name for t in towns} | {
        o.id: o.name for o in db.session.scalars(select(Township).where(Township.id.in_(owners)))
    }
    return flows, names


@bp.route("/placements/")
@require("county.view")
def placements() -> Any:
    """流入地管理汇总: placements of the overseen townships and the organisations taking them in."""
    towns = accessible_townships(db.session, current_user)
    flows, names = _placement_flows(towns, date.today())
    return render_template(
        "county/placements.html",
        towns=towns,
        flows=flows,
        names=names,
        overdue_days=OVERDUE_DAYS,
    )


def _title(towns: list[Township], page: str, detail: str, today: date) -> str:
    return _(
        "%(value)s %(page)s（%(detail)s，导出于 %(value2)s）",
        value=exports.county_label(towns),
        page=page,
        detail=detail,
        value2=today.isoformat(),
    )


@bp.route("/census/export")
@require("county.view")
def census_export() -> Any:
    """县级汇总 as a workbook, for the page's 统计日期 (a bad date: back to the page, which says why)."""
    towns = accessible_townships(db.session, current_user)
    today = date.today()
    as_of, date_problem = census_date(request.args.get("as_of"), today)
    if date_problem:
        return redirect(url_for(".census", as_of=request.args.get("as_of", "")[:20]))
    with reading_context([t.id for t in towns]):
        result = county_census(db.session, towns, as_of)
    title = _title(
        towns, _("流动党员县级汇总"), _("统计日期 %(value)s", value=as_of.isoformat()), today
    )
    return _download(
        towns,
        title,
        [exports.census_sheet(result)],
        "county.census_exported",
        {"as_of": as_of.isoformat()},
        f"county-census-{as_of:%Y%m%d}.xlsx",
    )


def _download(
    towns: list[Any], title: str, sheets: Any, action: str, details: dict[str, Any], name: str
) -> Any:
    """The workbook of sheets under title, audited as action in every township covered."""
    content = exports.workbook_bytes(title, sheets)
    exports.audit_export(db.session, current_user, action, towns, details, request.remote_addr)
    return exports.xlsx_response(content, name)


@bp.route("/placements/export")
@require("county.view")
def placements_export() -> Any:
    """流入地管理汇总 as a workbook: the townships, and every organisation taking members in."""
    towns = accessible_townships(db.session, current_user)
    today = date.today()
    flows, names = _placement_flows(towns, today)
    title = _title(towns, _("流入地管理汇总"), _("截至 %(value)s", value=today.isoformat()), today)
    return _download(
        towns,
        title,
        exports.placement_sheets(towns, flows, names),
        "county.placements_exported",
        {"as_of": today.isoformat()},
        f"county-placements-{today:%Y%m%d}.xlsx",
    )


@bp.route("/scorecards/export")
@require("county.view")
def scorecards_export() -> Any:
    """县级目标考核 as a workbook, for the page's 期间 (?period=, this quarter by default)."""
    towns = accessible_townships(db.session, current_user)
    today = date.today()
    try:
        span = span_of(request.args.get("period"), today)
    except PeriodInvalid as exc:
        abort(400, description=str(exc))
    rows = exports.scorecard_rows(db.session, towns, span, today)
    title = _title(towns, _("县级目标考核"), _("期间 %(label)s", label=span.label), today)
    return _download(
        towns,
        title,
        [exports.scorecard_sheet(rows)],
        "county.scorecards_exported",
        {"period": span.key},
        f"county-scorecards-{span.key}.xlsx",
    )
