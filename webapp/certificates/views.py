"""Certificate pages: register, due list, issue, verify, replace, loss, return, print."""

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from tenants.access import get_in_tenant
from webapp.args import as_of_arg
from webapp.audit.services import entity_log
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.services import branch_options
from webapp.certificates import forms
from webapp.certificates.models import STATUS_LABELS, Certificate, CertificatePrint
from webapp.certificates.pdf import do_request_print, parse_ids
from webapp.certificates.queries import (
    DUE_STATES,
    CertificateFilters,
    DueFilters,
    certificates_of,
    due_certificates,
    get_certificate,
    list_certificates,
    replacement_chain,
)
from webapp.certificates.services import (
    CertificateInvalid,
    do_issue,
    do_replace,
    do_report_loss,
    do_return,
    do_verify,
    issue_defaults,
    verify_months,
)
from webapp.extensions import db
from webapp.inputs import as_id
from webapp.members.models import Member
from webapp.pagination import paginate
from webapp.reports.rendering import audited_pdf
from webapp.tenancy import township_blueprint
from webapp.urls import public_base_url

bp = township_blueprint("certificates", __name__)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return as_id(value)


def _certificate(certificate_id: int, action: str) -> Certificate:
    return get_certificate(db.session, current_user, certificate_id, action)


def _submit(form: Any, service: Callable[[dict[str, Any]], Any]) -> Any:
    """Run service on a submitted form; its field errors go next to the fields, others on top."""
    if not form.is_submitted():
        return None
    parsed = form.validate()
    try:
        if not parsed:
            raise CertificateInvalid({})
        return service(form.data_for_service())
    except CertificateInvalid as exc:
        db.session.rollback()
        form.attach_errors(exc.errors)
        for key, message in exc.errors.items():
            if key not in form:
                flash(message, "error")
        return None


def _rendered(template: str, form: Any, **context: Any) -> Any:
    failed = form.is_submitted()
    return render_template(template, form=form, **context), (422 if failed else 200)


@bp.route("/certificates/")
@require("member.view")
def index() -> Any:
    """流动党员证 register: search by name or number, filter by status and branch."""
    f = CertificateFilters(
        q=request.args.get("q", "").strip(),
        status=request.args.get("status", ""),
        branch_id=_int_arg("branch"),
        limit_branch=branch_limit(current_user, "member.view"),
    )
    page = paginate(db.session, list_certificates(f), rows=True)
    return render_template(
        "certificates/index.html",
        page=page,
        f=f,
        branches=branch_options(db.session),
        statuses=STATUS_LABELS,
        months=verify_months(g.township),
        today=date.today(),
    )


@bp.route("/certificates/due")
@require("member.view")
def due() -> Any:
    """Certificates due or overdue for their half-yearly verification."""
    window, state = _int_arg("window"), request.args.get("state", "due")
    f = DueFilters(
        as_of=as_of_arg(),
        months=verify_months(g.township),
        window_days=min(window, 366) if window is not None else 30,
        state=state if state in DUE_STATES else "due",
        branch_id=_int_arg("branch"),
        limit_branch=branch_limit(current_user, "member.view"),
        q=request.args.get("q", "").strip(),
    )
    page = paginate(db.session, due_certificates(f), rows=True)
    return render_template(
        "certificates/due.html",
        page=page,
        f=f,
        states=DUE_STATES,
        branches=branch_options(db.session),
    )


def _member_to_issue(member_id: int) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, "certificate.manage", member.branch_id):
        abort(404)
    return member


def _inflow_choices(exclude: int) -> list[tuple[str, str]]:
    options = [(str(i), n) for i, n in branch_options(db.session) if i != exclude]
    return [("", _("（不指定）")), *options]


@bp.route("/members/<int:member_id>/certificates/new", methods=["GET", "POST"])
@require("certificate.manage")
def issue(member_id: int) -> Any:
    """发证."""
    member = _member_to_issue(member_id)
    form = (
        forms.IssueForm()
        if request.method == "POST"
        else forms.IssueForm(data=issue_defaults(db.session, member))
    )
    form.inflow_branch_id.choices = _inflow_choices(member.branch_id)
    cert = _submit(form, lambda d: do_issue(db.session, current_user, g.township, member, d))
    if cert is not None:
        flash(_("已发证：%(number)s", number=cert.number), "success")
        return redirect(url_for(".show", certificate_id=cert.id))
    return _rendered("certificates/issue.html", form, member=member, old=None)


@bp.route("/certificates/<int:certificate_id>")
@require("member.view")
def show(certificate_id: int) -> Any:
    """One certificate: facts, the replacement chain, verifications, every change."""
    cert = _certificate(certificate_id, "member.view")
    history = db.session.scalars(entity_log(g.township.id, "certificate", cert.id).limit(50)).all()
    months = verify_months(g.township)
    return render_template(
        "certificates/show.html",
        cert=cert,
        chain=replacement_chain(db.session, cert),
        history=history,
        months=months,
        due_on=cert.due_on(months),
        today=date.today(),
    )


@bp.route("/certificates/<int:certificate_id>/verify", methods=["GET", "POST"])
@require("certificate.verify")
def verify(certificate_id: int) -> Any:
    """验证 by the outflow or the inflow branch."""
    cert = _certificate(certificate_id, "certificate.verify")
    form = (
        forms.VerifyForm()
        if request.method == "POST"
        else forms.VerifyForm(
            data={
                "verified_on": date.today(),
                "verifier_name": current_user.display_name,
                "branch_id": str(current_user.branch_id or cert.branch_id),
            }
        )
    )
    holders = [cert.branch, *([cert.inflow_branch] if cert.inflow_branch else [])]
    form.branch_id.choices = [
        (
            str(b.id),
            _("%(name)s（流出地）", name=b.name)
            if b.id == cert.branch_id
            else _("%(name)s（流入地）", name=b.name),
        )
        for b in holders
        if can(current_user, "certificate.verify", b.id)
    ]
    done = _submit(form, lambda d: do_verify(db.session, current_user, g.township, cert, d))
    if done is not None:
        flash(
            _("已验证，下次验证截止 %(value)s", value=cert.due_on(verify_months(g.township))),
            "success",
        )
        return redirect(url_for(".show", certificate_id=cert.id))
    months = verify_months(g.township)
    return _rendered("certificates/verify.html", form, cert=cert, due_on=cert.due_on(months))


@bp.route("/certificates/<int:certificate_id>/replace", methods=["GET", "POST"])
@require("certificate.manage")
def replace(certificate_id: int) -> Any:
    """换证 (补发 after a loss)."""
    old = _certificate(certificate_id, "certificate.manage")
    member = old.member
    if request.method == "POST":
        form = forms.IssueForm()
    else:
        defaults = issue_defaults(db.session, member)
        defaults.update(
            reason=old.reason,
            destination=defaults["destination"] or old.destination,
            inflow_branch_id=str(old.inflow_branch_id or ""),
        )
        form = forms.IssueForm(data=defaults)
    form.inflow_branch_id.choices = _inflow_choices(member.branch_id)
    new = _submit(form, lambda d: do_replace(db.session, current_user, g.township, old, d))
    if new is not None:
        flash(
            _(
                "已换发新证：%(number)s，原证 %(number2)s %(status_label)s",
                number=new.number,
                number2=old.number,
                status_label=old.status_label,
            ),
            "success",
        )
        return redirect(url_for(".show", certificate_id=new.id))
    return _rendered("certificates/issue.html", form, member=member, old=old)


def _status_page(
    certificate_id: int, form_cls: type, day_field: str, service: Callable, template: str
) -> Any:
    cert = _certificate(certificate_id, "certificate.manage")
    form = form_cls() if request.method == "POST" else form_cls(data={day_field: date.today()})
    if _submit(form, lambda d: service(db.session, current_user, cert, d)) is not None:
        flash(f"{cert.number}：{cert.status_label}", "success")
        return redirect(url_for(".show", certificate_id=cert.id))
    return _rendered(template, form, cert=cert)


@bp.route("/certificates/<int:certificate_id>/loss", methods=["GET", "POST"])
@require("certificate.manage")
def loss(certificate_id: int) -> Any:
    """挂失."""
    return _status_page(
        certificate_id, forms.LossForm, "lost_on", do_report_loss, "certificates/loss.html"
    )


@bp.route("/certificates/<int:certificate_id>/return", methods=["GET", "POST"])
@require("certificate.manage")
def hand_back(certificate_id: int) -> Any:
    """交回."""
    return _status_page(
        certificate_id, forms.ReturnForm, "returned_on", do_return, "certificates/return.html"
    )


@bp.route("/certificates/print", methods=["POST"])
@require("certificate.manage")
def print_cards() -> Any:
    """Queue one PDF of the chosen certificates."""
    try:
        job = do_request_print(
            db.session,
            current_user,
            g.township,
            parse_ids(request.form.getlist("ids")),
            public_base_url(),
        )
    except CertificateInvalid as exc:
        db.session.rollback()
        flash(next(iter(exc.errors.values())), "error")
        back = request.referrer or ""
        return redirect(back if back.startswith(request.host_url) else url_for(".index"))
    flash(_("已提交，正在后台生成证件PDF"), "success")
    return redirect(url_for(".print_job", print_id=job.id))


def _print_job(print_id: int) -> CertificatePrint:
    """A print job: its requester's, or any for an officer who may manage every branch."""
    job = get_in_tenant(db.session, CertificatePrint, print_id)
    limit = branch_limit(current_user, "certificate.manage")
    if limit is not None and job.requested_by != current_user.id:
        raise NotFound()
    return job


@bp.route("/certificates/prints/<int:print_id>")
@require("certificate.manage")
def print_job(print_id: int) -> Any:
    """Progress of a print job (JSON with ?format=json for the progress bar)."""
    job = _print_job(print_id)
    if request.args.get("format") == "json":
        return jsonify(
            status=job.status.value, label=job.status_label, progress=job.progress, pages=job.pages
        )
    return render_template("certificates/print.html", job=job)


@bp.route("/certificates/prints/<int:print_id>/download")
@require("certificate.manage")
def download(print_id: int) -> Any:
    """The PDF of cards, with an audit entry (cards carry names)."""
    return audited_pdf(
        _print_job(print_id),
        "certificate.print_downloaded",
        "certificate_print",
        f"certificates-{print_id}.pdf",
    )


@bp.app_template_global("member_certificates")
def member_certificates(member: Member) -> dict[str, Any]:
    """What the member page's 流动党员证 section shows (called from its template)."""
    certs = db.session.scalars(certificates_of(member.id).limit(20)).all()
    valid = next((c for c in certs if c.is_valid), None)
    months = verify_months(g.township)
    due_on = valid.due_on(months) if valid else None
    lost = next((c for c in certs if c.status.value == "lost" and not c.replaced_by_id), None)
    return {
        "valid": valid,
        "lost": lost,
        "others": [c for c in certs if c is not valid],
        "due_on": due_on,
        "overdue": due_on is not None and due_on < date.today(),
    }
