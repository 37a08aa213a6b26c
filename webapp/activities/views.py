"""Branch life pages: the activity list, scheduling, attendance, cancelling, attendance rates."""

from datetime import date
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.activities.forms import ActivityForm, CancelForm
from webapp.activities.models import KIND_LABELS, MODE_LABELS, Activity
from webapp.activities.queries import (
    attendance_of,
    branch_rates,
    list_activities,
    member_rates,
)
from webapp.activities.services import (
    LifeInvalid,
    do_cancel_activity,
    do_record_attendance,
    do_schedule_activity,
    roster,
)
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.models import Branch
from webapp.branches.services import branch_options
from webapp.extensions import db
from webapp.inputs import as_id
from webapp.pagination import paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("activities", __name__, "/activities")


def date_range() -> tuple[date, date]:
    """?start=&end= (ISO dates), default this calendar year; a bad date answers 400."""
    today = date.today()
    try:
        start = date.fromisoformat(request.args.get("start") or f"{today.year}-01-01")
        end = date.fromisoformat(request.args.get("end") or f"{today.year}-12-31")
    except ValueError:
        abort(400, description=_("日期格式应为 YYYY-MM-DD"))
    if end < start:
        abort(400, description=_("结束日期不能早于开始日期"))
    return start, end


def _activity(activity_id: int, action: str = "member.view") -> Activity:
    activity = get_in_tenant(db.session, Activity, activity_id)
    if not can(current_user, action, activity.branch_id):
        abort(404)
    return activity


def _branch_filter(action: str = "member.view") -> int | None:
    limit = branch_limit(current_user, action)
    value = request.args.get("branch", "")
    return limit if limit is not None else as_id(value)


@bp.route("/")
@require("member.view")
def index() -> Any:
    """Activities, newest first, with search and filters."""
    q, kind = request.args.get("q", "").strip(), request.args.get("kind", "")
    branch_id = _branch_filter()
    page = paginate(db.session, list_activities(q, branch_id, kind))
    return render_template(
        "activities/index.html",
        page=page,
        q=q,
        kind=kind,
        branch_id=branch_id,
        branches=branch_options(db.session),
        kinds=KIND_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@require("activity.manage")
def create() -> Any:
    """Schedule an activity."""
    form = ActivityForm()
    limit = branch_limit(current_user, "activity.manage")
    options = [(i, n) for i, n in branch_options(db.session) if limit is None or i == limit]
    form.branch_id.choices = [("", _("请选择"))] + [(str(i), n) for i, n in options]
    if form.is_submitted():
        try:
            if not form.validate():
                raise LifeInvalid({})
            activity = do_schedule_activity(
                db.session,
                current_user,
                g.township.id,
                form.data_for_service(),
                allowed=lambda b: can(current_user, "activity.manage", b),
            )
        except LifeInvalid as exc:
            db.session.rollback()
            form.attach_errors(exc.errors)
        else:
            flash(_("活动已安排"), "success")
            return redirect(url_for(".show", activity_id=activity.id))
    return render_template("activities/new.html", form=form), 422 if form.errors else 200


def _show(activity: Activity, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    members = roster(db.session, activity)
    inflow = [(b.id, b.name, b.kind_label) for b in db.session.query(Branch).order_by(Branch.name)]
    return render_template(
        "activities/show.html",
        activity=activity,
        members=members,
        attendance=attendance_of(db.session, activity),
        modes=MODE_LABELS,
        inflow=[b for b in inflow if b[0] != activity.branch_id],
        errors=errors or {},
        cancel_form=CancelForm(formdata=None),
        can_record=can(current_user, "attendance.record", activity.branch_id),
        can_manage=can(current_user, "activity.manage", activity.branch_id),
    ), status


@bp.route("/<int:activity_id>")
@require("member.view")
def show(activity_id: int) -> Any:
    """One activity with its roster and attendance."""
    return _show(_activity(activity_id))


@bp.route("/<int:activity_id>/attendance", methods=["POST"])
@require("attendance.record")
def attendance(activity_id: int) -> Any:
    """Record attendance for the roster (rows left blank are skipped)."""
    activity = _activity(activity_id, "attendance.record")
    form = request.form
    entries = [
        {
            "member_id": key.removeprefix("mode_"),
            "mode": form[key],
            "at_branch_id": form.get("branch_" + key.removeprefix("mode_")),
            "explanation": form.get("explanation_" + key.removeprefix("mode_"), ""),
        }
        for key in form
        if key.startswith("mode_") and form[key]
    ]
    try:
        do_record_attendance(db.session, current_user, activity, entries)
    except LifeInvalid as exc:
        db.session.rollback()
        return _show(activity, exc.errors, 422)
    flash(_("已登记%(n_entries)s名党员的参加情况", n_entries=len(entries)), "success")
    return redirect(url_for(".show", activity_id=activity.id))


@bp.route("/<int:activity_id>/cancel", methods=["POST"])
@require("activity.manage")
def cancel(activity_id: int) -> Any:
    """Cancel an activity (after the confirmation on the page)."""
    activity = _activity(activity_id, "activity.manage")
    form = CancelForm()
    if not form.validate():
        return _show(activity, {"reason": "；".join(map(str, form.reason.errors))}, 422)
    try:
        do_cancel_activity(db.session, current_user, activity, form.reason.data or "")
    except LifeInvalid as exc:
        db.session.rollback()
        return _show(activity, exc.errors, 422)
    flash(_("活动已取消"), "success")
    return redirect(url_for(".show", activity_id=activity.id))


@bp.route("/rates")
@require("member.view")
def rates() -> Any:
    """Attendance rates per branch and per member over a date range (default this year)."""
    start, end = date_range()
    q = request.args.get("q", "").strip()
    branch_id = _branch_filter()
    page = paginate(db.session, member_rates(db.session, start, end, branch_id, q), rows=True)
    limit = branch_limit(current_user, "member.view")
    by_branch = [
        (b, r) for b, r in branch_rates(db.session, start, end) if limit is None or b.id == limit
    ]
    return render_template(
        "activities/rates.html",
        page=page,
        by_branch=by_branch,
        start=start,
        end=end,
        q=q,
        branch_id=branch_id,
        branches=branch_options(db.session),
    )
