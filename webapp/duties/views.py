"""Contact duty pages: quarterly coverage (township, branch), assignments, each member's contact log."""

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.models import Branch
from webapp.branches.services import branch_options
from webapp.duties.assignments import (
    do_assign,
    do_auto_assign,
    do_end_assignment,
    loads,
    members_to_call,
    officers_of,
    open_assignment,
)
from webapp.duties.forms import AssignForm, ContactForm
from webapp.duties.models import Contact
from webapp.duties.periods import (
    PeriodInvalid,
    Quarter,
    pick_quarter,
    quarter_of,
    recent_quarters,
)
from webapp.duties.queries import (
    assignment_history,
    compute_coverage,
    contacts_of,
    duty_roster,
    list_contacts,
    list_page,
)
from webapp.duties.services import DutyInvalid, do_delete_contact, do_log_contact
from webapp.extensions import db
from webapp.inputs import as_id
from webapp.members.models import Member
from webapp.members.phones import may_call
from webapp.members.services import do_reveal_member
from webapp.pagination import page_number, paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("duties", __name__, "/duties")


def _quarter(today: date) -> Quarter:
    try:
        return pick_quarter(request.args.get("quarter"), today)
    except PeriodInvalid as exc:
        abort(400, description=str(exc))


def _branch(branch_id: int, action: str = "member.view") -> Branch:
    branch = get_in_tenant(db.session, Branch, branch_id)
    if not can(current_user, action, branch.id):
        abort(404)
    return branch


def _member(member_id: int, action: str = "member.view") -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, action, member.branch_id):
        abort(404)
    return member


def _page() -> int:
    return page_number(request.args.get("page", ""))


@bp.route("/")
@require("member.view")
def index() -> Any:
    """一季度一访: every branch's coverage in a quarter (a branch role goes to its own branch)."""
    today = date.today()
    quarter = _quarter(today)
    limit = branch_limit(current_user, "member.view")
    if limit is not None:
        return redirect(url_for(".branch", branch_id=limit, quarter=quarter.key))
    coverage = compute_coverage(db.session, quarter, today)
    branches = list(db.session.scalars(select(Branch).order_by(Branch.name)))
    return render_template(
        "duties/coverage_township.html",
        coverage=coverage,
        tallies=coverage.by_branch(branches),
        quarters=recent_quarters(today),
    )


@bp.route("/branches/<int:branch_id>")
@require("member.view")
def branch(branch_id: int) -> Any:
    """One branch's coverage in a quarter: per committee member, and each due member."""
    today = date.today()
    branch = _branch(branch_id)
    quarter = _quarter(today)
    coverage = compute_coverage(db.session, quarter, today, branch.id)
    args = request.args
    rows = coverage.select(args.get("officer", ""), args.get("status", ""), args.get("q", ""))
    return render_template(
        "duties/coverage_branch.html",
        branch=branch,
        coverage=coverage,
        officers=coverage.by_officer(),
        page=list_page(rows, _page()),
        quarters=recent_quarters(today),
        args=args,
        callable=members_to_call(db.session, current_user, branch.id),
    )


@bp.route("/branches/<int:branch_id>/assignments")
@require("member.view")
def assignments(branch_id: int) -> Any:
    """联系分工: members away now or assigned, their contact person, and the balance of work."""
    branch = _branch(branch_id)
    q, only = request.args.get("q", ""), bool(request.args.get("unassigned"))
    page = paginate(db.session, duty_roster(branch.id, date.today(), q, only), rows=True)
    officers = officers_of(db.session, branch)
    return render_template(
        "duties/assignments.html",
        branch=branch,
        page=page,
        officers=officers,
        load=loads(db.session, [o.id for o in officers]),
        q=q,
        only=only,
    )


@bp.route("/branches/<int:branch_id>/assignments/auto", methods=["POST"])
@require("duty.assign")
def auto_assign(branch_id: int) -> Any:
    """Balanced auto-assignment of the branch's unassigned mobile members."""
    branch = _branch(branch_id, "duty.assign")
    try:
        created = do_auto_assign(db.session, current_user, branch)
    except DutyInvalid as exc:
        db.session.rollback()
        flash("；".join(exc.errors.values()), "error")
    else:
        if created:
            flash(f"已为{len(created)}名流动党员分配联系人，可逐个调整", "success")
        else:
            flash("没有需要分配的流动党员：在外的党员都已有联系人", "info")
    return redirect(url_for(".assignments", branch_id=branch.id))


def _member_page(
    member: Member, form: AssignForm | None = None, status: int = 200, phone_shown: bool = False
) -> Any:
    form = form or AssignForm(formdata=None)
    officers = officers_of(db.session, member.branch)
    form.officer_id.choices = [("", "请选择")] + [(str(o.id), o.display_name) for o in officers]
    contacts = paginate(db.session, contacts_of(member.id))
    history = db.session.scalars(assignment_history(member.id).limit(20)).all()
    return render_template(
        "duties/member.html",
        member=member,
        form=form,
        current=open_assignment(db.session, member.id),
        history=history,
        page=contacts,
        quarter=quarter_of(date.today()),
        may_call=may_call(db.session, current_user, member),
        phone_shown=phone_shown,
    ), status


@bp.route("/members/<int:member_id>")
@require("member.view")
def member(member_id: int) -> Any:
    """A member's contact person (and its history) and contact log."""
    return _member_page(_member(member_id))


@bp.route("/members/<int:member_id>/phone", methods=["POST"])
@require("member.call")
def reveal_phone(member_id: int) -> Any:
    """显示号码: the full phone number, with a tel: link, for whoever must call the member (audited).

    A committee member reaches only the members assigned to them now; others get 403.
    """
    member = _member(member_id)
    if not may_call(db.session, current_user, member):
        abort(403)
    do_reveal_member(db.session, current_user, member, request.remote_addr, ("phone",))
    return _member_page(member, phone_shown=True)


@bp.route("/members/<int:member_id>/assignment", methods=["POST"])
@require("duty.assign")
def assign(member_id: int) -> Any:
    """Make a committee member responsible for this member from a date."""
    member = _member(member_id, "duty.assign")
    form = AssignForm()
    if not form.validate():
        return _member_page(member, form, 422)
    try:
        do_assign(
            db.session, current_user, member, form.officer_id.data, form.valid_from.data or None
        )
    except DutyInvalid as exc:
        db.session.rollback()
        form.attach_errors(exc.errors)
        return _member_page(member, form, 422)
    flash(f"已指定{member.name}的联系人", "success")
    if request.form.get("back") == "roster":
        return redirect(url_for(".assignments", branch_id=member.branch_id))
    return redirect(url_for(".member", member_id=member.id))


@bp.route("/members/<int:member_id>/assignment/end", methods=["POST"])
@require("duty.assign")
def end_assignment(member_id: int) -> Any:
    """Nobody is responsible for this member from today (after confirmation)."""
    member = _member(member_id, "duty.assign")
    try:
        do_end_assignment(db.session, current_user, member)
    except DutyInvalid as exc:
        db.session.rollback()
        flash("；".join(exc.errors.values()), "error")
    else:
        flash(f"已取消{member.name}的联系人；请尽快重新指定，避免无人联系", "warning")
    return redirect(url_for(".member", member_id=member.id))


@bp.route("/members/<int:member_id>/contacts/new", methods=["GET", "POST"])
@require("contact.log")
def log_contact(member_id: int) -> Any:
    """登记联系记录."""
    member = _member(member_id, "contact.log")
    form = ContactForm()
    if request.method == "GET":
        form.contacted_on.data = date.today()
    if form.is_submitted():
        parsed = form.validate()
        try:
            if not parsed:
                raise DutyInvalid({})
            do_log_contact(db.session, current_user, member, form.data_for_service())
        except DutyInvalid as exc:
            db.session.rollback()
            form.attach_errors(exc.errors)
        else:
            flash("联系记录已保存", "success")
            return redirect(url_for(".member", member_id=member.id))
    status = 422 if form.errors else 200
    current = open_assignment(db.session, member.id)
    return render_template(
        "duties/contact_form.html", form=form, member=member, current=current
    ), status


@bp.route("/contacts/<int:contact_id>/delete", methods=["POST"])
@require("contact.log")
def delete_contact(contact_id: int) -> Any:
    """Delete a mistaken contact (after confirmation)."""
    contact = get_in_tenant(db.session, Contact, contact_id)
    member = _member(contact.member_id, "contact.log")
    try:
        do_delete_contact(db.session, current_user, contact)
    except DutyInvalid as exc:
        db.session.rollback()
        flash("；".join(exc.errors.values()), "error")
    else:
        flash("联系记录已删除", "success")
    return redirect(url_for(".member", member_id=member.id))


@bp.route("/contacts/")
@require("member.view")
def contacts() -> Any:
    """联系记录: every contact in reach, searchable, by quarter."""
    today = date.today()
    quarter = None if request.args.get("quarter") == "all" else _quarter(today)
    q = request.args.get("q", "")
    limit = branch_limit(current_user, "member.view")
    raw = request.args.get("branch", "")
    branch_id = limit if limit is not None else as_id(raw)
    page = paginate(db.session, list_contacts(q, branch_id, quarter))
    return render_template(
        "duties/contacts.html",
        page=page,
        q=q,
        quarter=quarter,
        branch_id=branch_id,
        branches=branch_options(db.session) if limit is None else [],
        quarters=recent_quarters(today),
    )
