"""/api/v1: letters of transfer (a PDF of many, its progress and the file) per township, and the
county organisation department's approval step over the coordinator's townships."""

from datetime import date
from typing import Any

from flask import Response, g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate

from tenants.access import get_in_tenant
from tenants.context import reading_context, tenant_context
from tenants.models import Township
from webapp.api import api_blueprint
from webapp.api.base import Multiline, Schema
from webapp.api.common import require_api, unprocessable
from webapp.api.transfers import TransferOut
from webapp.audit.services import record
from webapp.auth.access import accessible_townships
from webapp.auth.permissions import can
from webapp.extensions import db
from webapp.reports.models import ReportStatus
from webapp.transfers.letter_models import LetterMode, LetterPrint
from webapp.transfers.letters import do_request_letters
from webapp.transfers.models import Step, Transfer
from webapp.transfers.services import TransferInvalid, do_decide
from webapp.urls import public_base_url

blp = api_blueprint("api_letters", __name__, "", township=True)
county_blp = api_blueprint("api_county_transfers", __name__, "/county")


class LettersIn(Schema):
    """介绍信打印: the transfers (issued) and the mode."""

    transfer_ids = fields.List(
        fields.Integer(), required=True, validate=validate.Length(min=1, max=200)
    )
    mode = fields.String(
        load_default=LetterMode.FULL.value,
        validate=validate.OneOf([m.value for m in LetterMode]),
    )


class LetterPrintOut(Schema):
    """A letters PDF job."""

    id = fields.Integer()
    title = fields.String()
    status = fields.Function(lambda j: j.status.value)
    progress = fields.Integer()
    pages = fields.Integer(allow_none=True)


class CountyDecideIn(Schema):
    """县委组织部审批 (approve false or left out: return for edits, with a note)."""

    approve = fields.Boolean(load_default=False)
    note = Multiline(load_default="", validate=validate.Length(max=500))


@blp.route("/letters")
class Letters(MethodView):
    """介绍信打印."""

    @blp.arguments(LettersIn)
    @blp.response(202, LetterPrintOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Queue one PDF of the letters; follow it at /letters/<id>."""
        require_api("transfer.manage")
        try:
            return do_request_letters(
                db.session,
                g.api_user,
                g.township,
                data["transfer_ids"],
                data["mode"],
                public_base_url(),
            )
        except TransferInvalid as exc:
            unprocessable(exc.errors)


def _job(letter_print_id: int) -> LetterPrint:
    require_api("transfer.manage")
    job = get_in_tenant(db.session, LetterPrint, letter_print_id)
    if job.requested_by != g.api_user.id:
        abort(404, message="页面或记录不存在")
    return job


@blp.route("/letters/<int:letter_print_id>")
class LetterPrintResource(MethodView):
    """A letters PDF job."""

    @blp.response(200, LetterPrintOut)
    def get(self, letter_print_id: int) -> LetterPrint:
        """Its status and progress."""
        return _job(letter_print_id)


@blp.route("/letters/<int:letter_print_id>/pdf")
class LetterPdf(MethodView):
    """The PDF."""

    def get(self, letter_print_id: int) -> Response:
        """The finished PDF (404 until it is done); the download is audited."""
        job = _job(letter_print_id)
        if job.status != ReportStatus.DONE or job.pdf is None:
            abort(404, message="PDF尚未生成")
        record(
            db.session,
            g.api_user,
            "transfer.letter_downloaded",
            "transfer_letter_print",
            job.id,
            tenant_id=job.tenant_id,
        )
        db.session.commit()
        return Response(job.pdf, mimetype="application/pdf")


@county_blp.route("/transfers/<int:transfer_id>/decide")
class CountyDecide(MethodView):
    """县委组织部审批 of a transfer between counties."""

    @county_blp.arguments(CountyDecideIn)
    @county_blp.response(200)
    def post(self, data: dict[str, Any], transfer_id: int) -> Any:
        """Approve (the letter is issued) or return for edits; overseen townships only."""
        if not can(g.api_user, "transfer.approve_county"):
            abort(404, message="页面或记录不存在")
        ids = [t.id for t in accessible_townships(db.session, g.api_user)]
        with reading_context(ids):
            found = db.session.get(Transfer, transfer_id)
            tenant_id = found.tenant_id if found is not None else None
        if tenant_id is None:
            abort(404, message="页面或记录不存在")
        with tenant_context(tenant_id):
            transfer = db.session.get(Transfer, transfer_id)
            township = db.session.get(Township, tenant_id)
            try:
                done = do_decide(
                    db.session, g.api_user, township, transfer, Step.COUNTY, data, date.today()
                )
            except TransferInvalid as exc:
                unprocessable(exc.errors)
            return TransferOut().dump(done)  # in the sending township's scope (its approvals)
