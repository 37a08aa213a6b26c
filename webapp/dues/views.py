"""Dues pages: the branch/township standing list, a member's amount and payments, deleting one."""

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.activities.services import LifeInvalid
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.services import branch_options
from webapp.dues.forms import BulkRateForm, PaymentForm, RateForm
from webapp.dues.models import DuesPayment
from webapp.dues.queries import payments_of, standings
from webapp.dues.services import (
    do_delete_payment,
    do_record_payment,
    do_set_bulk_rates,
    do_set_rate,
    rate_of,
)
from webapp.extensions import db
from webapp.inputs import as_id
from webapp.members.models import Member
from webapp.pagination import PER_PAGE, Page, page_number, paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("dues", __name__, "/dues")


def _member(member_id: int, action: str = "member.view") -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, action, member.branch_id):
        abort(404)
    return member


def _filters(args: Any) -> tuple[int | None, str, bool]:
    limit = branch_limit(current_user, "member.view")
    branch_id = limit if limit is not None else as_id(args.get("branch", ""))
    return branch_id, args.get("q", "").strip(), bool(args.get("arrears"))


def _index_page(bulk: BulkRateForm | None = None, status: int = 200) -> Any:
    args = request.args
    branch_id, q, behind = _filters(args)
    rows = standings(db.session, date.today(), branch_id, q, behind)
    number = page_number(args.get("page"))
    page = Page(rows[(number - 1) * PER_PAGE : number * PER_PAGE], number, PER_PAGE, len(rows))
    return render_template(
        "dues/index.html",
        page=page,
        q=q,
        behind=behind,
        branch_id=branch_id,
        branches=branch_options(db.session),
        total_arrears=sum(r.arrears for r in rows),
        bulk=bulk or BulkRateForm(formdata=None),
        can_bulk=can(current_user, "dues.manage"),
    ), status


@bp.route("/")
@require("member.view")
def index() -> Any:
    """Every member's dues standing, filtered by branch, name and arrears."""
    return _index_page()


def _chosen(form: Any) -> list[Member]:
    """The members ticked on the page, or every member the page's filters match."""
    if form.get("all_matching"):
        branch_id, q, behind = _filters(form)
        members = [s.member for s in standings(db.session, date.today(), branch_id, q, behind)]
    else:
        ids = {as_id(raw) for raw in form.getlist("member_ids")}
        if None in ids:
            abort(404)
        members = [get_in_tenant(db.session, Member, i) for i in sorted(ids)]
    if any(not can(current_user, "dues.manage", m.branch_id) for m in members):
        abort(404)
    return members


@bp.route("/rates", methods=["POST"])
@require("dues.manage")
def bulk_rates() -> Any:
    """批量设定月缴党费 for the ticked members (or all the filters match), after confirming."""
    form = BulkRateForm()
    members = _chosen(request.form)
    try:
        if not form.validate():
            raise LifeInvalid({})
        do_set_bulk_rates(db.session, current_user, members, form.data_for_service())
    except LifeInvalid as exc:
        db.session.rollback()
        form.attach_errors(exc.errors)
        return _index_page(form, 422)
    flash(_("已为%(n_members)s名党员设定月缴党费", n_members=len(members)), "success")
    return redirect(url_for(".index", **{k: v for k, v in request.args.items() if k != "page"}))


def _member_page(
    member: Member,
    rate_form: RateForm | None = None,
    pay_form: PaymentForm | None = None,
    status: int = 200,
) -> Any:
    rate = rate_of(db.session, member.id)
    if rate_form is None:
        rate_form = RateForm(formdata=None)
        if rate is not None:
            rate_form.monthly_amount.data = str(rate.monthly_amount)
            rate_form.start_month.data = rate.start_month
    pay_form = pay_form or PaymentForm(formdata=None, branch_id=str(member.branch_id))
    pay_form.branch_id.choices = [(str(i), n) for i, n in branch_options(db.session)]
    standing = standings(db.session, date.today(), member_id=member.id)
    return render_template(
        "dues/member.html",
        member=member,
        rate=rate,
        standing=standing[0] if standing else None,
        rate_form=rate_form,
        pay_form=pay_form,
        page=paginate(db.session, payments_of(member.id)),
        can_manage=can(current_user, "dues.manage", member.branch_id),
    ), status


@bp.route("/members/<int:member_id>")
@require("member.view")
def member(member_id: int) -> Any:
    """A member's dues: monthly amount, standing, payments."""
    return _member_page(_member(member_id))


@bp.route("/members/<int:member_id>/rate", methods=["POST"])
@require("dues.manage")
def set_rate(member_id: int) -> Any:
    """Set the member's monthly amount."""
    member = _member(member_id, "dues.manage")
    form = RateForm()
    try:
        if not form.validate():
            raise LifeInvalid({})
        do_set_rate(db.session, current_user, member, form.data_for_service())
    except LifeInvalid as exc:
        db.session.rollback()
        form.attach_errors(exc.errors)
        return _member_page(member, rate_form=form, status=422)
    flash(_("月缴党费已保存"), "success")
    return redirect(url_for(".member", member_id=member.id))


@bp.route("/members/<int:member_id>/payments", methods=["POST"])
@require("dues.manage")
def pay(member_id: int) -> Any:
    """Record a payment."""
    member = _member(member_id, "dues.manage")
    form = PaymentForm()
    try:
        if not form.validate():
            raise LifeInvalid({})
        do_record_payment(db.session, current_user, member, form.data_for_service())
    except LifeInvalid as exc:
        db.session.rollback()
        form.attach_errors(exc.errors)
        return _member_page(member, pay_form=form, status=422)
    flash(_("党费缴纳已登记"), "success")
    return redirect(url_for(".member", member_id=member.id))


@bp.route("/payments/<int:payment_id>/delete", methods=["POST"])
@require("dues.manage")
def delete_payment(payment_id: int) -> Any:
    """Delete a payment entered by mistake (after the confirmation on the page)."""
    payment = get_in_tenant(db.session, DuesPayment, payment_id)
    member = _member(payment.member_id, "dues.manage")
    do_delete_payment(db.session, current_user, payment)
    flash(_("缴纳记录已删除"), "success")
    return redirect(url_for(".member", member_id=member.id))
