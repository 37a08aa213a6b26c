"""三个一、四带头 pages (record, confirm, reject) and family support pages (request, services)."""

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants.access import get_in_tenant
from webapp.activities.services import ACTIVE, LifeInvalid
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.contributions.forms import (
    ContributionForm,
    ReviewForm,
    SupportForm,
    SupportServiceForm,
)
from webapp.contributions.models import (
    CONTRIBUTION_LABELS,
    REVIEW_LABELS,
    SUPPORT_STATUS_LABELS,
    Contribution,
    SupportRequest,
)
from webapp.contributions.services import (
    do_add_service,
    do_open_support,
    do_record_contribution,
    do_review_contribution,
    do_set_support_status,
    list_contributions,
    list_support,
)
from webapp.extensions import db
from webapp.inputs import as_id
from webapp.members.models import Member
from webapp.pagination import paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("contributions", __name__, "/contributions")
support_bp = township_blueprint("support", __name__, "/support")


def _member(member_id: Any, action: str = "member.view") -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, action, member.branch_id):
        abort(404)
    return member


def _member_choices(action: str) -> list[tuple[str, str]]:
    limit = branch_limit(current_user, action)
    stmt = select(Member).where(Member.status.in_(ACTIVE)).order_by(Member.name, Member.id)
    if limit is not None:
        stmt = stmt.where(Member.branch_id == limit)
    return [("", _("请选择"))] + [
        (str(m.id), f"{m.name}（{m.branch.name}）") for m in db.session.scalars(stmt)
    ]


def _limit() -> int | None:
    limit = branch_limit(current_user, "member.view")
    value = request.args.get("branch", "")
    return limit if limit is not None else as_id(value)


def _submit(form: Any, action: str, service: Any) -> Any:
    """Validate, find the member (404 when out of reach), call the service; errors onto form."""
    try:
        if not form.validate():
            raise LifeInvalid({})
        if not as_id(form.member_id.data):
            raise LifeInvalid({"member_id": _("请选择党员")})
        member = _member(form.member_id.data, action)
        return service(member, form.data_for_service())
    except LifeInvalid as exc:
        db.session.rollback()
        form.attach_errors(exc.errors)
        return None


@bp.route("/")
@require("member.view")
def index() -> Any:
    """三个一、四带头 records, newest first."""
    args = request.args
    q, status, kind = args.get("q", "").strip(), args.get("status", ""), args.get("kind", "")
    page = paginate(db.session, list_contributions(q, _limit(), status, kind))
    return render_template(
        "contributions/index.html",
        page=page,
        q=q,
        status=status,
        kind=kind,
        statuses=REVIEW_LABELS,
        kinds=CONTRIBUTION_LABELS,
        review_form=ReviewForm(formdata=None),
    )


@bp.route("/new", methods=["GET", "POST"])
@require("contribution.manage")
def create() -> Any:
    """Record a contribution of a member."""
    form = ContributionForm(member_id=request.args.get("member_id", ""))
    form.member_id.choices = _member_choices("contribution.manage")
    if form.is_submitted():
        done = _submit(
            form,
            "contribution.manage",
            lambda m, data: do_record_contribution(db.session, current_user, m, data),
        )
        if done is not None:
            flash(_("已登记，待支部确认"), "success")
            return redirect(url_for(".index"))
    return render_template("contributions/new.html", form=form), 422 if form.errors else 200


def _review(contribution_id: int, confirm: bool) -> Any:
    row = get_in_tenant(db.session, Contribution, contribution_id)
    _member(row.member_id, "contribution.manage")
    form = ReviewForm()
    try:
        if not form.validate():
            raise LifeInvalid({"reason": "；".join(map(str, form.reason.errors))})
        do_review_contribution(db.session, current_user, row, confirm, form.reason.data or "")
    except LifeInvalid as exc:
        db.session.rollback()
        flash("；".join(map(str, exc.errors.values())), "error")
    else:
        flash(_("已确认") if confirm else _("已退回"), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:contribution_id>/confirm", methods=["POST"])
@require("contribution.manage")
def confirm(contribution_id: int) -> Any:
    """The branch confirms a contribution."""
    return _review(contribution_id, True)


@bp.route("/<int:contribution_id>/reject", methods=["POST"])
@require("contribution.manage")
def reject(contribution_id: int) -> Any:
    """The branch sends a contribution back with a reason."""
    return _review(contribution_id, False)


@support_bp.route("/")
@require("member.view")
def index_support() -> Any:
    """Family support requests."""
    q, status = request.args.get("q", "").strip(), request.args.get("status", "")
    page = paginate(db.session, list_support(q, _limit(), status))
    return render_template(
        "contributions/support_index.html",
        page=page,
        q=q,
        status=status,
        statuses=SUPPORT_STATUS_LABELS,
    )


@support_bp.route("/new", methods=["GET", "POST"])
@require("contribution.manage")
def create_support() -> Any:
    """Open a family support request."""
    form = SupportForm(member_id=request.args.get("member_id", ""))
    form.member_id.choices = _member_choices("contribution.manage")
    if form.is_submitted():
        row = _submit(
            form,
            "contribution.manage",
            lambda m, data: do_open_support(db.session, current_user, m, data),
        )
        if row is not None:
            flash(_("帮扶需求已登记"), "success")
            return redirect(url_for(".show_support", support_id=row.id))
    return render_template("contributions/support_new.html", form=form), (
        422 if form.errors else 200
    )


def _support(support_id: int, action: str = "member.view") -> SupportRequest:
    row = get_in_tenant(db.session, SupportRequest, support_id)
    _member(row.member_id, action)
    return row


def _support_page(row: SupportRequest, form: Any = None, status: int = 200) -> Any:
    return render_template(
        "contributions/support_show.html",
        row=row,
        form=form or SupportServiceForm(formdata=None),
        statuses=SUPPORT_STATUS_LABELS,
        can_manage=can(current_user, "contribution.manage", row.member.branch_id),
    ), status


@support_bp.route("/<int:support_id>")
@require("member.view")
def show_support(support_id: int) -> Any:
    """A request and the services delivered."""
    return _support_page(_support(support_id))


@support_bp.route("/<int:support_id>/services", methods=["POST"])
@require("contribution.manage")
def add_service(support_id: int) -> Any:
    """Record a service delivered to the family."""
    row = _support(support_id, "contribution.manage")
    form = SupportServiceForm()
    try:
        if not form.validate():
            raise LifeInvalid({})
        do_add_service(db.session, current_user, row, form.data_for_service())
    except LifeInvalid as exc:
        db.session.rollback()
        form.attach_errors(exc.errors)
        return _support_page(row, form, 422)
    flash(_("帮扶服务已登记"), "success")
    return redirect(url_for(".show_support", support_id=row.id))


@support_bp.route("/<int:support_id>/status", methods=["POST"])
@require("contribution.manage")
def set_status(support_id: int) -> Any:
    """Change a request's status."""
    row = _support(support_id, "contribution.manage")
    try:
        do_set_support_status(db.session, current_user, row, request.form.get("status"))
    except LifeInvalid as exc:
        db.session.rollback()
        flash("；".join(map(str, exc.errors.values())), "error")
    else:
        flash(_("状态已改为%(status_label)s", status_label=row.status_label), "success")
    return redirect(url_for(".show_support", support_id=row.id))
