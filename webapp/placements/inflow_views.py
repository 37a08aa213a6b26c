"""流入党员 pages of the inflow township: the members other townships placed at its branches."""

from datetime import date
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.extensions import db
from webapp.forms import show_errors
from webapp.pagination import paginate
from webapp.placements import crossing
from webapp.placements.forms import ConfirmForm, RecordForm, RefuseForm
from webapp.placements.models import STATUS_LABELS, InflowMember, PlacementStatus
from webapp.placements.records import RecordInvalid
from webapp.tenancy import township_blueprint

bp = township_blueprint("inflow", __name__, "/inflow")


@bp.route("/")
@require("inflow.manage")
def index() -> Any:
    """流入党员: placed here by other townships; not on this township's register."""
    status, q = request.args.get("status", ""), request.args.get("q", "")
    stmt = select(InflowMember)
    if status in {s.value for s in PlacementStatus}:
        stmt = stmt.where(InflowMember.status == PlacementStatus(status))
    if q := q.strip():
        stmt = stmt.where(InflowMember.member_name.contains(q))
    if (limit := branch_limit(current_user, "inflow.manage")) is not None:
        stmt = stmt.where(InflowMember.branch_id == limit)
    stmt = stmt.order_by(InflowMember.placed_on.desc(), InflowMember.id.desc())
    return render_template(
        "placements/inflow.html",
        page=paginate(db.session, stmt),
        status=status,
        q=q,
        labels=STATUS_LABELS,
    )


@bp.route("/<int:inflow_id>/confirm", methods=["GET", "POST"])
@require("inflow.manage")
def confirm(inflow_id: int) -> Any:
    """确认报到: the member came to the branch; the home township sees it at once."""
    row = get_in_tenant(db.session, InflowMember, inflow_id)
    if not can(current_user, "inflow.manage", row.branch_id):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        day = form.reported_on.data
        if row.status != PlacementStatus.PENDING:
            form.reported_on.errors = [_("只有待报到的党员可以确认报到")]
        elif day > date.today():
            form.reported_on.errors = [_("报到日期不能晚于今天")]
        elif day < row.placed_on:
            form.reported_on.errors = [_("报到日期不能早于安排日期")]
        else:
            crossing.confirm_report_in(db.session, current_user, g.township, row, day)
            flash(_("已确认 %(name)s 报到，流出地乡镇同时可见", name=row.member_name), "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors else 200
    return render_template("placements/confirm.html", form=form, row=row), status


@bp.route("/<int:inflow_id>/refuse", methods=["GET", "POST"])
@require("inflow.manage")
def refuse(inflow_id: int) -> Any:
    """拒收: only a member whose certificate fails verification; the reason goes home."""
    row = get_in_tenant(db.session, InflowMember, inflow_id)
    if not can(current_user, "inflow.manage", row.branch_id):
        abort(404)
    form = RefuseForm()
    problem = crossing.certificate_problem(db.session, row, date.today())
    if form.validate_on_submit():
        if row.status != PlacementStatus.PENDING:
            form.reason.errors = [_("只有待报到的党员可以拒收")]
        elif not problem:
            form.reason.errors = [_("该党员的流动党员证有效且按期验证，不能拒收，请确认报到")]
        else:
            reason = f"{problem}；{form.reason.data.strip()}"
            crossing.refuse(db.session, current_user, g.township, row, reason, date.today())
            flash(_("已拒收 %(name)s，原因已告知流出地乡镇", name=row.member_name), "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors else 200
    return render_template("placements/refuse.html", form=form, row=row, problem=problem), status


@bp.route("/<int:inflow_id>/records", methods=["GET", "POST"])
@require("inflow.manage")
def records(inflow_id: int) -> Any:
    """流入地记录 of one placed member: what this branch saw, written to the home register."""
    row = get_in_tenant(db.session, InflowMember, inflow_id)
    if not can(current_user, "inflow.manage", row.branch_id):
        abort(404)
    card = crossing.member_card(db.session, current_user, g.township, row)  # audited, committed
    form = RecordForm()
    if row.status == PlacementStatus.ACTIVE and form.validate_on_submit():
        try:
            crossing.record_at_home(
                db.session, current_user, g.township, row, form.data, date.today()
            )
        except RecordInvalid as exc:
            db.session.rollback()
            show_errors(form, exc.errors)
        else:
            flash(_("已登记，流出地乡镇同时可见"), "success")
            return redirect(url_for(".records", inflow_id=row.id))
    status = 422 if form.errors else 200
    return render_template(
        "placements/records.html",
        name=row.member_name,
        where=row.home_township_name,
        records=crossing.records_at_home(db.session, row),
        card=card,
        form=form if row.status == PlacementStatus.ACTIVE else None,
        scan=False,
        back=url_for(".index"),
    ), status
