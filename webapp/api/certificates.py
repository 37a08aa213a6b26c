"""/api/v1/t/<slug>/certificates...: list, due list, get, issue, verify, replace, report loss, return."""

from datetime import date
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate
from werkzeug.exceptions import NotFound

from tenants.access import get_in_tenant
from webapp.api import api_blueprint
from webapp.api.base import Multiline, Schema
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.schemas import CHINESE, PageArgs, PageMeta
from webapp.auth.permissions import branch_limit, can
from webapp.certificates.models import Certificate, CertificateStatus
from webapp.certificates.queries import (
    DUE_STATES,
    CertificateFilters,
    DueFilters,
    due_certificates,
    get_certificate,
    list_certificates,
)
from webapp.certificates.services import (
    CertificateInvalid,
    do_issue,
    do_replace,
    do_report_loss,
    do_return,
    do_verify,
    verify_months,
)
from webapp.extensions import db
from webapp.members.models import Member

blp = api_blueprint("api_certificates", __name__, "/certificates", township=True)


def _f(field_cls: type[fields.Field], **kwargs: Any) -> fields.Field:
    return field_cls(error_messages=CHINESE, **kwargs)


class CertificateListArgs(PageArgs):
    """?q= (name or number) &status= &branch_id= (outflow or inflow branch)."""

    status = _f(
        fields.String,
        load_default="",
        validate=validate.OneOf(["", *(s.value for s in CertificateStatus)], error="状态不正确"),
    )
    branch_id = _f(fields.Integer, load_default=None)


class CertificateDueArgs(PageArgs):
    """?state=due|overdue|upcoming &window_days= &as_of= &branch_id="""

    state = _f(
        fields.String,
        load_default="due",
        validate=validate.OneOf(list(DUE_STATES), error="应为 due、overdue 或 upcoming"),
    )
    window_days = _f(
        fields.Integer,
        load_default=30,
        validate=validate.Range(min=0, max=366, error="提前天数应为0至366"),
    )
    as_of = _f(fields.Date, load_default=None)
    branch_id = _f(fields.Integer, load_default=None)


class CertificateReplaceIn(Schema):
    """换证 / 补发: the new certificate's facts (number blank: numbered automatically)."""

    number = _f(fields.String, load_default="")
    issued_on = _f(fields.Date, required=True)
    expires_on = _f(fields.Date, required=True)
    reason = _f(Multiline, required=True)
    destination = _f(fields.String, load_default="")
    inflow_branch_id = _f(fields.Integer, load_default=None, allow_none=True)
    notes = _f(Multiline, load_default="")


class CertificateIssueIn(CertificateReplaceIn):
    """发证 to member_id."""

    member_id = _f(fields.Integer, required=True)


class CertificateVerifyIn(Schema):
    """验证 by branch_id (the certificate's outflow or inflow branch)."""

    verified_on = _f(fields.Date, required=True)
    branch_id = _f(fields.Integer, required=True)
    verifier_name = _f(fields.String, load_default="")
    notes = _f(Multiline, load_default="")


class CertificateLossIn(Schema):
    """挂失."""

    lost_on = _f(fields.Date, required=True)
    notes = _f(Multiline, load_default="")


class CertificateReturnIn(Schema):
    """交回."""

    returned_on = _f(fields.Date, required=True)
    notes = _f(Multiline, load_default="")


class CertificateVerificationOut(Schema):
    """One verification."""

    id = fields.Integer()
    verified_on = fields.Date()
    due_on = fields.Date()
    branch_id = fields.Integer()
    side = fields.Function(lambda v: v.side.value)
    verifier_name = fields.String()
    notes = fields.String()


def _due(cert: Certificate) -> str | None:
    return cert.due_on(verify_months(g.township)).isoformat() if cert.is_valid else None


class CertificateOut(Schema):
    """A certificate with its verifications."""

    id = fields.Integer()
    number = fields.String()
    member_id = fields.Integer()
    member_name = fields.Function(lambda c: c.member.name)
    branch_id = fields.Integer()
    inflow_branch_id = fields.Integer()
    issued_on = fields.Date()
    expires_on = fields.Date()
    reason = fields.String()
    destination = fields.String()
    status = fields.Function(lambda c: c.status.value)
    status_on = fields.Date()
    status_notes = fields.String()
    last_verified_on = fields.Date()
    next_verification_due = fields.Function(_due)
    replaces_id = fields.Integer()
    replaced_by_id = fields.Integer()
    verifications = fields.List(fields.Nested(CertificateVerificationOut))


class CertificateRowOut(Schema):
    """A row of a list: the certificate, without its verifications."""

    id = fields.Function(lambda r: r[0].id)
    number = fields.Function(lambda r: r[0].number)
    member_id = fields.Function(lambda r: r[1].id)
    member_name = fields.Function(lambda r: r[1].name)
    branch_id = fields.Function(lambda r: r[0].branch_id)
    inflow_branch_id = fields.Function(lambda r: r[0].inflow_branch_id)
    issued_on = fields.Function(lambda r: r[0].issued_on.isoformat())
    expires_on = fields.Function(lambda r: r[0].expires_on.isoformat())
    status = fields.Function(lambda r: r[0].status.value)
    last_verified_on = fields.Function(
        lambda r: r[0].last_verified_on.isoformat() if r[0].last_verified_on else None
    )
    next_verification_due = fields.Function(lambda r: _due(r[0]))


class CertificatePage(Schema):
    """A page of certificates."""

    items = fields.List(fields.Nested(CertificateRowOut))
    meta = fields.Nested(PageMeta)


def _certificate(certificate_id: int, action: str) -> Certificate:
    try:
        return get_certificate(db.session, g.api_user, certificate_id, action)
    except NotFound:
        abort(404, message="页面或记录不存在")
        raise


def _run(service: Any, *args: Any) -> Any:
    try:
        return service(db.session, g.api_user, *args)
    except CertificateInvalid as exc:
        unprocessable(exc.errors)


@blp.route("")
class Certificates(MethodView):
    """流动党员证 register."""

    @blp.arguments(CertificateListArgs, location="query")
    @blp.response(200, CertificatePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Certificates in reach (a branch role: its own branch, as outflow or inflow)."""
        require_api("member.view")
        f = CertificateFilters(
            q=args["q"],
            status=args["status"],
            branch_id=args["branch_id"],
            limit_branch=branch_limit(g.api_user, "member.view"),
        )
        return page_of(list_certificates(f), args, rows=True)

    @blp.arguments(CertificateIssueIn)
    @blp.response(201, CertificateOut)
    def post(self, data: dict[str, Any]) -> Any:
        """发证."""
        require_api("certificate.manage")
        member = get_in_tenant(db.session, Member, data["member_id"])
        if not can(g.api_user, "certificate.manage", member.branch_id):
            abort(404, message="页面或记录不存在")
        return _run(do_issue, g.township, member, data)


@blp.route("/due")
class DueCertificates(MethodView):
    """Certificates due or overdue for verification."""

    @blp.arguments(CertificateDueArgs, location="query")
    @blp.response(200, CertificatePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Valid certificates whose verification falls due within window_days of as_of."""
        require_api("member.view")
        f = DueFilters(
            as_of=args["as_of"] or date.today(),
            months=verify_months(g.township),
            window_days=args["window_days"],
            state=args["state"],
            branch_id=args["branch_id"],
            limit_branch=branch_limit(g.api_user, "member.view"),
            q=args["q"],
        )
        return page_of(due_certificates(f), args, rows=True)


@blp.route("/<int:certificate_id>")
class CertificateOne(MethodView):
    """One certificate."""

    @blp.response(200, CertificateOut)
    def get(self, certificate_id: int) -> Any:
        """The certificate and its verifications."""
        require_api("member.view")
        return _certificate(certificate_id, "member.view")


@blp.route("/<int:certificate_id>/verify")
class Verify(MethodView):
    """验证."""

    @blp.arguments(CertificateVerifyIn)
    @blp.response(201, CertificateVerificationOut)
    def post(self, data: dict[str, Any], certificate_id: int) -> Any:
        """Record a verification; a voided, lost or returned certificate is refused (422)."""
        require_api("certificate.verify")
        return _run(do_verify, g.township, _certificate(certificate_id, "certificate.verify"), data)


@blp.route("/<int:certificate_id>/replace")
class Replace(MethodView):
    """换证 / 补发."""

    @blp.arguments(CertificateReplaceIn)
    @blp.response(201, CertificateOut)
    def post(self, data: dict[str, Any], certificate_id: int) -> Any:
        """Issue the replacement; a valid old certificate is voided and linked to it."""
        require_api("certificate.manage")
        old = _certificate(certificate_id, "certificate.manage")
        return _run(do_replace, g.township, old, data)


@blp.route("/<int:certificate_id>/report-loss")
class ReportLoss(MethodView):
    """挂失."""

    @blp.arguments(CertificateLossIn)
    @blp.response(200, CertificateOut)
    def post(self, data: dict[str, Any], certificate_id: int) -> Any:
        """Mark the certificate lost."""
        require_api("certificate.manage")
        return _run(do_report_loss, _certificate(certificate_id, "certificate.manage"), data)


@blp.route("/<int:certificate_id>/return")
class Return(MethodView):
    """交回."""

    @blp.arguments(CertificateReturnIn)
    @blp.response(200, CertificateOut)
    def post(self, data: dict[str, Any], certificate_id: int) -> Any:
        """Mark the certificate handed back."""
        require_api("certificate.manage")
        return _run(do_return, _certificate(certificate_id, "certificate.manage"), data)
