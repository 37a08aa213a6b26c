"""流入地管理 pages: the township's placements, placing a member, the report-in, the end."""

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.departures.queries import MobileFilters, mobile_members
from webapp.extensions import db
from webapp.forms import show_errors
from webapp.members.models import Member
from webapp.pagination import paginate
from webapp.placements import crossing
from webapp.placements.forms import BulkPlaceForm, EndForm, PlaceForm, RecordForm, ReportInForm
from webapp.placements.models import STATUS_LABELS, Placement, PlacementStatus
from webapp.placements.records import RecordInvalid, add_record, records_of
from webapp.placements.services import (
    PlacementInvalid,
    accepting_organisations,
    do_bulk_place,
    do_end,
    do_place,
    do_report_in,
    list_placements,
    open_member_ids,
)
from webapp.tenancy import township_blueprint
from webapp.uploads import read_scan

bp = township_blueprint("placements", __name__, "/placements")


def _member(member_id: int, action: str) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, action, member.branch_id):
        abort(404)
    return member


def _placement(placement_id: int) -> tuple[Placement, Member]:
    placement = get_in_tenant(db.session, Placement, placement_id)
    return placement, _member(placement.member_id, "placement.manage")


@bp.route("/")
@require("member.view")
def index() -> Any:
    """流入地管理: every placement of the township's members, by status and name."""
    status, q = request.args.get("status", ""), request.args.get("q", "")
    stmt = list_placements(status, q, branch_limit(current_user, "member.view"))
    page = paginate(db.session, stmt, rows=True)
    return render_template(
        "placements/index.html", page=page, status=status, q=q, labels=STATUS_LABELS
    )


@bp.route("/members/<int:member_id>/new", methods=["GET", "POST"])
@require("placement.manage")
def create(member_id: int) -> Any:
    """安排到流入地组织 (from the directory; ?org= narrows the list)."""
    member = _member(member_id, "placement.manage")
    org_q = request.args.get("org", "")
    form = PlaceForm()
    form.organisation_id.choices = [
        (o.id, f"{o.name}（{o.owner.name if o.branch_id else _('平台外')}）")
        for o in accepting_organisations(db.session, org_q)
    ]
    if form.validate_on_submit():
        try:
            do_place(db.session, current_user, member, form.data)
        except PlacementInvalid as exc:
            show_errors(form, exc.errors)
        else:
            flash(_("已安排到流入地组织，等待党员报到"), "success")
            return redirect(url_for("members.show", member_id=member.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("placements/form.html", form=form, member=member, org_q=org_q), status


@bp.route("/<int:placement_id>/report", methods=["GET", "POST"])
@require("placement.manage")
def report_in(placement_id: int) -> Any:
    """登记报到 for an off-platform organisation."""
    placement, member = _placement(placement_id)
    form = ReportInForm()
    if form.validate_on_submit():
        try:
            do_report_in(db.session, current_user, placement, form.data)
        except PlacementInvalid as exc:
            show_errors(form, exc.errors)
        else:
            flash(_("已登记报到"), "success")
            return redirect(url_for("members.show", member_id=member.id))
    status = 422 if form.errors else 200
    return render_template(
        "placements/report.html", form=form, placement=placement, member=member
    ), status


@bp.route("/<int:placement_id>/end", methods=["GET", "POST"])
@require("placement.manage")
def end(placement_id: int) -> Any:
    """结束流入地安排, after a confirmation page with the date and the reason."""
    placement, member = _placement(placement_id)
    form = EndForm()
    if form.validate_on_submit():
        try:
            do_end(db.session, current_user, placement, form.data)
        except PlacementInvalid as exc:
            show_errors(form, exc.errors)
        else:
            flash(_("流入地安排已结束"), "success")
            return redirect(url_for("members.show", member_id=member.id))
    status = 422 if form.errors else 200
    return render_template(
        "placements/end.html", form=form, placement=placement, member=member
    ), status


BULK_LIMIT = 500


def _candidates(args: Any) -> list[Member]:
    """Members away now, matching the filters, with no open placement (at most BULK_LIMIT)."""
    limit = branch_limit(current_user, "placement.manage")
    branch = args.get("branch", type=int)
    filters = MobileFilters(
        as_of=date.today(),
        branch_id=limit if limit is not None else branch,
        destination=args.get("destination", ""),
        q=args.get("q", ""),
    )
    rows = db.session.execute(mobile_members(filters).limit(BULK_LIMIT * 2)).all()
    placed = open_member_ids(db.session, [r[0].id for r in rows])
    return [r[0] for r in rows if r[0].id not in placed][:BULK_LIMIT]


@bp.route("/bulk", methods=["GET", "POST"])
@require("placement.manage")
def bulk() -> Any:
    """批量安排: members away, chosen by filters, placed at one organisation; a result per member."""
    form = BulkPlaceForm()
    form.organisation_id.choices = [
        (o.id, f"{o.name}（{o.owner.name if o.branch_id else _('平台外')}）")
        for o in accepting_organisations(db.session)
    ]
    results = None
    if form.validate_on_submit():
        ids = [int(i) for i in request.form.getlist("member_id") if i.isdigit()][:BULK_LIMIT]
        members = [
            m
            for m in db.session.scalars(
                select(Member).where(Member.id.in_(ids)).order_by(Member.name)
            )
            if can(current_user, "placement.manage", m.branch_id)
        ]
        if not members:
            form.form_errors.append(_("请至少勾选一名党员"))
        else:
            results = do_bulk_place(db.session, current_user, members, form.data)
    candidates = [] if results is not None else _candidates(request.args)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "placements/bulk.html",
        form=form,
        candidates=candidates,
        results=results,
        placed_count=sum(1 for _m, problem in results or [] if not problem),
        limit=BULK_LIMIT,
        args=request.args,
    ), status


@bp.route("/<int:placement_id>/records", methods=["GET", "POST"])
@require("member.view")
def records(placement_id: int) -> Any:
    """流入地记录 of one placement. The home branch enters them itself only for an organisation
    that is not on the platform (with a scan of its report) or one of this township's own
    branches; another township's branch records them there."""
    placement = get_in_tenant(db.session, Placement, placement_id)
    member = _member(placement.member_id, "member.view")
    organisation = placement.organisation
    own = not crossing.crosses(organisation, member.tenant_id)
    may_add = own and can(current_user, "placement.manage", member.branch_id)
    form = RecordForm()
    off_platform = organisation.branch_id is None
    if may_add and form.validate_on_submit():
        content, name, problem = read_scan()
        if problem or (off_platform and not content):
            form.form_errors.append(
                _("请上传流入地组织报来材料的扫描件（PDF、JPG或PNG，不超过5MB）")
            )
        else:
            try:
                add_record(
                    db.session,
                    current_user,
                    placement,
                    form.data,
                    f"{organisation.name}（{current_user.display_name}代录）",
                    date.today(),
                    (content, name),
                )
                db.session.commit()
            except RecordInvalid as exc:
                db.session.rollback()
                show_errors(form, exc.errors)
            else:
                flash(_("已登记流入地记录"), "success")
                return redirect(url_for(".records", placement_id=placement.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "placements/records.html",
        name=member.name,
        where=organisation.name,
        records=db.session.scalars(records_of(placement.id)).all(),
        card=None,
        form=form if may_add and placement.status == PlacementStatus.ACTIVE else None,
        scan=off_platform,
        back=url_for("members.show", member_id=member.id),
    ), status
