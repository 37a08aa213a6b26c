"""/api/v1/t/<slug>/...: transfers of the organisational relationship, approvals, receipts, and the
receiving township's incoming letters. Only the two parties see a transfer (each its own side)."""

import base64
import binascii
from datetime import date
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate

from tenants.access import get_in_tenant
from webapp.api import api_blueprint
from webapp.api.base import Multiline, Schema
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.schemas import CHINESE, PageArgs
from webapp.auth.permissions import branch_limit, can
from webapp.extensions import db
from webapp.members.models import Member
from webapp.transfers import crossing, receipts, services
from webapp.transfers.crossing import CrossingRefused
from webapp.transfers.incoming import list_incoming
from webapp.transfers.models import IncomingStatus, IncomingTransfer, Step, Transfer
from webapp.transfers.queries import approvals_of, list_transfers
from webapp.transfers.services import TransferInvalid
from webapp.uploads import MAX_SCAN

blp = api_blueprint("api_transfers", __name__, "", township=True)
STEP_ACTIONS = {Step.BRANCH: "transfer.approve_branch", Step.TOWNSHIP: "transfer.approve_township"}


class TransferArgs(PageArgs):
    """?q=&status=&open="""

    status = fields.String(load_default="", validate=validate.Length(max=20))
    open = fields.Boolean(load_default=False)


class TransferIn(Schema):
    """发起转接."""

    member_id = fields.Integer(required=True, error_messages=CHINESE)
    organisation_id = fields.Integer(required=True, error_messages=CHINESE)
    reason = Multiline(load_default="", validate=validate.Length(max=500))


class DecideIn(Schema):
    """审批: approve, or return for edits with a note."""

    approve = fields.Boolean(required=True, error_messages=CHINESE)
    note = Multiline(load_default="", validate=validate.Length(max=500))


class ReceiptIn(Schema):
    """登记平台外回执 (the scan as base64)."""

    letter_number = fields.String(
        required=True, validate=validate.Length(max=32), error_messages=CHINESE
    )
    received_on = fields.Date(required=True, error_messages=CHINESE)
    reference = fields.String(required=True, validate=validate.Length(max=64))
    scan_base64 = fields.String(required=True, error_messages=CHINESE)
    scan_name = fields.String(load_default="receipt.pdf", validate=validate.Length(max=120))


class RefuseIn(Schema):
    """拒收."""

    reason = Multiline(required=True, validate=validate.Length(min=1, max=500))


class ApprovalOut(Schema):
    """One decision."""

    step = fields.Function(lambda a: a.step.value)
    approved = fields.Boolean()
    note = fields.String()
    by_name = fields.String()
    decided_at = fields.DateTime()


class TransferOut(Schema):
    """One transfer, as the sending township sees it."""

    id = fields.Integer()
    member_id = fields.Integer()
    organisation_id = fields.Integer()
    organisation = fields.Function(lambda t: t.organisation.name)
    off_platform = fields.Boolean()
    needs_county = fields.Boolean()
    status = fields.Function(lambda t: t.status.value)
    letter_number = fields.String(allow_none=True)
    version = fields.Integer()
    dues_paid_to = fields.String()
    submitted_on = fields.Date()
    issued_on = fields.Date()
    valid_until = fields.Date()
    received_on = fields.Date()
    receipt_on = fields.Date()
    refused_reason = fields.String()
    returned_note = fields.String()
    approvals = fields.Method("_approvals")

    def _approvals(self, transfer: Transfer) -> list[dict[str, Any]]:
        rows = db.session.scalars(approvals_of(transfer.id)).all()
        return ApprovalOut(many=True).dump(rows)


class TransferPage(Schema):
    """A page of transfers."""

    items = fields.List(fields.Nested(TransferOut))
    meta = fields.Dict()


class IncomingOut(Schema):
    """A letter to this township: the letter's facts and the member's name, nothing else."""

    id = fields.Integer()
    letter_number = fields.String()
    from_name = fields.String()
    member_name = fields.String()
    dues_paid_to = fields.String()
    branch_id = fields.Integer()
    status = fields.Function(lambda r: r.status.value)
    issued_on = fields.Date()
    valid_until = fields.Date()
    received_on = fields.Date()
    member_id = fields.Integer(allow_none=True)
    refused_reason = fields.String()


class IncomingPage(Schema):
    """A page of incoming letters."""

    items = fields.List(fields.Nested(IncomingOut))
    meta = fields.Dict()


class IncomingArgs(PageArgs):
    """?q=&status="""

    status = fields.String(
        load_default="", validate=validate.OneOf(["", *(s.value for s in IncomingStatus)])
    )


def _member(member_id: int, action: str) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(g.api_user, action, member.branch_id):
        abort(404, message="页面或记录不存在")
    return member


def _transfer(transfer_id: int, action: str = "transfer.view") -> Transfer:
    require_api(action)
    transfer = get_in_tenant(db.session, Transfer, transfer_id)
    _member(transfer.member_id, action)
    return transfer


def _incoming(incoming_id: int) -> IncomingTransfer:
    require_api("transfer.receive")
    row = get_in_tenant(db.session, IncomingTransfer, incoming_id)
    if not can(g.api_user, "transfer.receive", row.branch_id):
        abort(404, message="页面或记录不存在")
    return row


@blp.route("/transfers")
class Transfers(MethodView):
    """组织关系转出."""

    @blp.arguments(TransferArgs, location="query")
    @blp.response(200, TransferPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The township's transfers, newest first (?open=true: 未办结 only)."""
        require_api("transfer.view")
        limit = branch_limit(g.api_user, "transfer.view")
        stmt = list_transfers(args["status"], args["q"], limit, args["open"])
        page = page_of(stmt, args, rows=True)
        return {**page, "items": [t for t, _m in page["items"]]}

    @blp.arguments(TransferIn)
    @blp.response(201, TransferOut)
    def post(self, data: dict[str, Any]) -> Any:
        """发起转接 (a draft)."""
        require_api("transfer.manage")
        member = _member(data["member_id"], "transfer.manage")
        try:
            return services.do_create(db.session, g.api_user, g.township, member, data)
        except TransferInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/transfers/<int:transfer_id>")
class TransferResource(MethodView):
    """One transfer and its approvals."""

    @blp.response(200, TransferOut)
    def get(self, transfer_id: int) -> Transfer:
        """The transfer."""
        return _transfer(transfer_id)


def _step(transfer_id: int, action: str, change: Any) -> Any:
    transfer = _transfer(transfer_id, action)
    try:
        return change(transfer)
    except TransferInvalid as exc:
        unprocessable(exc.errors)


@blp.route("/transfers/<int:transfer_id>/submit")
class SubmitResource(MethodView):
    """提交审批."""

    @blp.response(200, TransferOut)
    def post(self, transfer_id: int) -> Any:
        """Submit a draft (or a returned transfer) to the branch."""
        return _step(
            transfer_id,
            "transfer.manage",
            lambda t: services.do_submit(db.session, g.api_user, g.township, t, date.today()),
        )


@blp.route("/transfers/<int:transfer_id>/withdraw")
class WithdrawResource(MethodView):
    """撤回 (only before the first approval)."""

    @blp.response(200, TransferOut)
    def post(self, transfer_id: int) -> Any:
        """Withdraw the transfer."""
        return _step(
            transfer_id,
            "transfer.manage",
            lambda t: services.do_withdraw(db.session, g.api_user, t),
        )


@blp.route("/transfers/<int:transfer_id>/decide")
class DecideResource(MethodView):
    """审批 at the transfer's current step (the branch or the township)."""

    @blp.arguments(DecideIn)
    @blp.response(200, TransferOut)
    def post(self, data: dict[str, Any], transfer_id: int) -> Any:
        """Approve or return for edits; the county step is the coordinator's (web only)."""
        transfer = _transfer(transfer_id)
        step = transfer.step
        member = db.session.get(Member, transfer.member_id)
        if step not in STEP_ACTIONS or not can(g.api_user, STEP_ACTIONS[step], member.branch_id):
            abort(403, message="您没有执行此操作的权限")
        try:
            return services.do_decide(
                db.session, g.api_user, g.township, transfer, step, data, date.today()
            )
        except TransferInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/transfers/<int:transfer_id>/reissue")
class ReissueResource(MethodView):
    """重新开具."""

    @blp.response(200, TransferOut)
    def post(self, transfer_id: int) -> Any:
        """A new version of the letter; the old one is void."""
        return _step(
            transfer_id,
            "transfer.manage",
            lambda t: services.do_reissue(db.session, g.api_user, g.township, t, date.today()),
        )


@blp.route("/transfers/<int:transfer_id>/confirm-receipt")
class ConfirmReceiptResource(MethodView):
    """确认回执 (on-platform receivers)."""

    @blp.response(200, TransferOut)
    def post(self, transfer_id: int) -> Any:
        """The receipt came back."""
        return _step(
            transfer_id,
            "transfer.manage",
            lambda t: receipts.do_confirm_receipt(db.session, g.api_user, t, date.today()),
        )


@blp.route("/receipts")
class Receipts(MethodView):
    """登记平台外回执."""

    @blp.arguments(ReceiptIn)
    @blp.response(201, TransferOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Record an off-platform receiver's receipt by the letter number, with the scan."""
        require_api("transfer.manage")
        try:
            scan = base64.b64decode(data["scan_base64"], validate=True)
        except (binascii.Error, ValueError):
            unprocessable({"scan_base64": "扫描件应为base64编码的文件内容"})
        if len(scan) > MAX_SCAN:
            unprocessable({"scan_base64": "回执扫描件不能超过5MB"})
        found = receipts.find_by_number(db.session, data["letter_number"])
        if found is not None:
            _member(found.member_id, "transfer.manage")
        try:
            return receipts.do_record_receipt(
                db.session, g.api_user, {**data, "scan": scan}, date.today()
            )
        except TransferInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/incoming")
class Incoming(MethodView):
    """转入本镇."""

    @blp.arguments(IncomingArgs, location="query")
    @blp.response(200, IncomingPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Letters to this township's branches."""
        require_api("transfer.receive")
        limit = branch_limit(g.api_user, "transfer.receive")
        return page_of(list_incoming(args["status"], args["q"], limit), args)


@blp.route("/incoming/<int:incoming_id>/receive")
class ReceiveResource(MethodView):
    """接收."""

    @blp.response(200, IncomingOut)
    def post(self, incoming_id: int) -> Any:
        """The member joins this register."""
        row = _incoming(incoming_id)
        try:
            crossing.receive(db.session, g.api_user, g.township, row, date.today())
        except CrossingRefused as exc:
            unprocessable(exc.errors)
        return db.session.get(IncomingTransfer, incoming_id)


@blp.route("/incoming/<int:incoming_id>/refuse")
class RefuseResource(MethodView):
    """拒收."""

    @blp.arguments(RefuseIn)
    @blp.response(200, IncomingOut)
    def post(self, data: dict[str, Any], incoming_id: int) -> Any:
        """Refuse with a reason; the member stays where they were."""
        row = _incoming(incoming_id)
        try:
            crossing.refuse(db.session, g.api_user, g.township, row, data["reason"], date.today())
        except CrossingRefused as exc:
            unprocessable(exc.errors)
        return db.session.get(IncomingTransfer, incoming_id)
