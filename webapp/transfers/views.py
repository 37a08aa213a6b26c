"""组织关系转出 pages of the sending township: the list, 待办, one transfer and its steps."""

from datetime import date
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from tenants.access import get_in_tenant
from webapp.audit.services import record
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can, reach
from webapp.extensions import db
from webapp.members.models import Member
from webapp.pagination import paginate
from webapp.placements.services import accepting_organisations
from webapp.tenancy import township_blueprint
from webapp.transfers import receipts, services
from webapp.transfers.forms import DecideForm, ReceiptForm, TransferForm
from webapp.transfers.models import STATUS_LABELS, STEP_LABELS, Step, Transfer, TransferStatus
from webapp.transfers.queries import approvals_of, list_transfers, queue
from webapp.transfers.services import TransferInvalid
from webapp.uploads import SCAN_TYPES, read_scan, suffix_of

bp = township_blueprint("transfers", __name__, "/transfers")
STEP_ACTIONS = {Step.BRANCH: "transfer.approve_branch", Step.TOWNSHIP: "transfer.approve_township"}


def _member(member_id: int, action: str) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, action, member.branch_id):
        abort(404)
    return member


def _transfer(transfer_id: int, action: str = "transfer.view") -> tuple[Transfer, Member]:
    transfer = get_in_tenant(db.session, Transfer, transfer_id)
    return transfer, _member(transfer.member_id, action)


def _flash_errors(exc: TransferInvalid) -> None:
    for message in exc.errors.values():
        flash(message, "error")


def _organisation_choices(org_q: str) -> list[tuple[int, str]]:
    return [
        (o.id, f"{o.name}（{o.owner.name if o.branch_id else _('平台外')}）")
        for o in accepting_organisations(db.session, org_q)
    ]


@bp.route("/")
@require("transfer.view")
def index() -> Any:
    """组织关系转出: every transfer of the township's members; 未办结 first, with days open."""
    status, q = request.args.get("status", ""), request.args.get("q", "")
    unfinished = request.args.get("open", "1" if not status else "") == "1"
    stmt = list_transfers(status, q, branch_limit(current_user, "transfer.view"), unfinished)
    waiting = {
        step: db.session.scalar(
            select(func.count()).select_from(
                queue(step, branch_limit(current_user, action)).subquery()
            )
        )
        for step, action in STEP_ACTIONS.items()
        if reach(current_user, action)
    }
    return render_template(
        "transfers/index.html",
        page=paginate(db.session, stmt, rows=True),
        status=status,
        q=q,
        unfinished=unfinished,
        labels=STATUS_LABELS,
        waiting=waiting,
        today=date.today(),
        days_open=services.days_open,
    )


@bp.route("/queue")
@require("transfer.view")
def pending() -> Any:
    """待办 (?step=branch|township): what waits for this approver's decision, oldest first."""
    try:
        which = Step(request.args.get("step", ""))
        action = STEP_ACTIONS[which]
    except (ValueError, KeyError):
        abort(404)
    if not reach(current_user, action):
        abort(403)
    stmt = queue(which, branch_limit(current_user, action))
    return render_template(
        "transfers/queue.html",
        page=paginate(db.session, stmt, rows=True),
        step_label=STEP_LABELS[which],
        today=date.today(),
        days_open=services.days_open,
    )


@bp.route("/members/<int:member_id>/new", methods=["GET", "POST"])
@require("transfer.manage")
def create(member_id: int) -> Any:
    """发起转接 to an organisation of the directory (?org= narrows the list)."""
    member = _member(member_id, "transfer.manage")
    org_q = request.args.get("org", "")
    form = TransferForm()
    form.organisation_id.choices = _organisation_choices(org_q)
    if form.validate_on_submit():
        try:
            transfer = services.do_create(
                db.session, current_user, g.township, member, form.data_for_service()
            )
        except TransferInvalid as exc:
            form.attach_errors(exc.errors)
        else:
            flash(_("已保存转接草稿，核对后请提交审批"), "success")
            return redirect(url_for(".show", transfer_id=transfer.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "transfers/form.html", form=form, member=member, org_q=org_q, transfer=None
    ), status


@bp.route("/<int:transfer_id>/edit", methods=["GET", "POST"])
@require("transfer.manage")
def edit(transfer_id: int) -> Any:
    """修改 a draft, or a transfer returned for edits."""
    transfer, member = _transfer(transfer_id, "transfer.manage")
    org_q = request.args.get("org", "")
    form = TransferForm(obj=transfer)
    form.organisation_id.choices = _organisation_choices(org_q)
    if form.validate_on_submit():
        try:
            services.do_update(
                db.session, current_user, g.township, transfer, form.data_for_service()
            )
        except TransferInvalid as exc:
            form.attach_errors(exc.errors)
        else:
            flash(_("已保存修改"), "success")
            return redirect(url_for(".show", transfer_id=transfer.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "transfers/form.html", form=form, member=member, org_q=org_q, transfer=transfer
    ), status


@bp.route("/<int:transfer_id>")
@require("transfer.view")
def show(transfer_id: int) -> Any:
    """One transfer: the letter's facts, its steps, and what this user may do next."""
    transfer, member = _transfer(transfer_id)
    step_action = STEP_ACTIONS.get(transfer.step) if transfer.step else None
    return render_template(
        "transfers/show.html",
        transfer=transfer,
        member=member,
        approvals=db.session.scalars(approvals_of(transfer.id)).all(),
        letter=services.current_letter(db.session, transfer),
        may_decide=bool(step_action) and can(current_user, step_action, member.branch_id),
        may_manage=can(current_user, "transfer.manage", member.branch_id),
        decide_form=DecideForm(),
        today=date.today(),
        TransferStatus=TransferStatus,
        step_labels=STEP_LABELS,
    )


def _act(transfer_id: int, action: str, done: str, change: Any) -> Any:
    transfer, member = _transfer(transfer_id, action)
    try:
        change(transfer, member)
    except TransferInvalid as exc:
        _flash_errors(exc)
    else:
        flash(done, "success")
    return redirect(url_for(".show", transfer_id=transfer_id))


@bp.route("/<int:transfer_id>/submit", methods=["POST"])
@require("transfer.manage")
def submit(transfer_id: int) -> Any:
    """提交审批."""
    return _act(
        transfer_id,
        "transfer.manage",
        _("已提交，等待党支部审批"),
        lambda t, _m: services.do_submit(db.session, current_user, g.township, t, date.today()),
    )


@bp.route("/<int:transfer_id>/withdraw", methods=["POST"])
@require("transfer.manage")
def withdraw(transfer_id: int) -> Any:
    """撤回 (only before the first approval)."""
    return _act(
        transfer_id,
        "transfer.manage",
        _("已撤回，党员的组织关系不变"),
        lambda t, _m: services.do_withdraw(db.session, current_user, t),
    )


@bp.route("/<int:transfer_id>/decide", methods=["POST"])
@require("transfer.view")
def decide(transfer_id: int) -> Any:
    """审批通过 or 退回修改, at the step the transfer is at (the approver's own step only)."""
    transfer, member = _transfer(transfer_id)
    step = transfer.step
    if step not in STEP_ACTIONS or not can(current_user, STEP_ACTIONS[step], member.branch_id):
        abort(403)
    form = DecideForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for(".show", transfer_id=transfer_id))
    approve = request.form.get("decision") == "approve"
    return _act(
        transfer_id,
        "transfer.view",
        _("已审批通过") if approve else _("已退回修改"),
        lambda t, _m: services.do_decide(
            db.session,
            current_user,
            g.township,
            t,
            step,
            {"approve": approve, "note": form.note.data},
            date.today(),
        ),
    )


@bp.route("/<int:transfer_id>/reissue", methods=["POST"])
@require("transfer.manage")
def reissue(transfer_id: int) -> Any:
    """重新开具: a new version of the letter; the old one is void."""
    return _act(
        transfer_id,
        "transfer.manage",
        _("已重新开具介绍信，原介绍信作废"),
        lambda t, _m: services.do_reissue(db.session, current_user, g.township, t, date.today()),
    )


@bp.route("/<int:transfer_id>/confirm-receipt", methods=["POST"])
@require("transfer.manage")
def confirm_receipt(transfer_id: int) -> Any:
    """确认回执 of an on-platform receiver."""
    return _act(
        transfer_id,
        "transfer.manage",
        _("已确认回执，转接办结"),
        lambda t, _m: receipts.do_confirm_receipt(db.session, current_user, t, date.today()),
    )


@bp.route("/receipt", methods=["GET", "POST"])
@require("transfer.manage")
def receipt() -> Any:
    """登记回执 of an off-platform receiver, found by the letter number on it."""
    form = ReceiptForm(data={"letter_number": request.args.get("number", "")})
    if form.validate_on_submit():
        content, name, problem = read_scan()
        if problem:
            form.form_errors.append(_("回执扫描件应为PDF、JPG或PNG文件，不超过5MB"))
        data = {**form.data_for_service(), "scan": content, "scan_name": name}
        found = receipts.find_by_number(db.session, data["letter_number"])
        if found is not None:
            _member(found.member_id, "transfer.manage")
        if not form.form_errors:
            try:
                transfer = receipts.do_record_receipt(db.session, current_user, data, date.today())
            except TransferInvalid as exc:
                form.attach_errors(exc.errors)
            else:
                flash(_("已登记回执，该党员已从本镇名册转出"), "success")
                return redirect(url_for(".show", transfer_id=transfer.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("transfers/receipt.html", form=form), status


@bp.route("/<int:transfer_id>/scan")
@require("transfer.manage")
def scan(transfer_id: int) -> Any:
    """The receipt's scan (personal data: the view is audited)."""
    transfer, _member_row = _transfer(transfer_id, "transfer.manage")
    if not transfer.receipt_scan:
        abort(404)
    record(
        db.session,
        current_user,
        "transfer.scan_viewed",
        "transfer",
        transfer.id,
        tenant_id=transfer.tenant_id,
    )
    db.session.commit()
    suffix = suffix_of(transfer.receipt_scan_name) or ".pdf"
    return Response(
        transfer.receipt_scan,
        mimetype=SCAN_TYPES.get(suffix, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="receipt-{transfer.id}{suffix}"'},
    )
