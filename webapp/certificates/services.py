"""Certificate writes: issue, replace, verify, report lost, hand back; each validated
(webapp/certificates/checks.py) and audited, all or nothing."""

from datetime import date
from typing import Any, NoReturn

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record, snapshot
from webapp.certificates.checks import (
    CertificateInvalid,
    issue_problems,
    replacement_problems,
    status_change_problems,
    text_of,
    verification_problems,
)
from webapp.certificates.models import (
    Certificate,
    CertificateStatus,
    Verification,
    VerificationSide,
    add_months,
    verify_months,
)
from webapp.certificates.queries import valid_certificate
from webapp.certificates.returns import leave_valid
from webapp.departures.queries import current_departure
from webapp.departures.services import destination_fields
from webapp.members.models import Member


def next_number(session: Session, township: Township, year: int) -> str:
    """The next free "<division code>-<year>-<seq>" of the township."""
    prefix = f"{township.division_code}-{year}-"
    taken = session.scalars(select(Certificate.number).where(Certificate.number.startswith(prefix)))
    tails = [int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(tails, default=0) + 1:04d}"


def issue_defaults(session: Session, member: Member, today: date | None = None) -> dict[str, Any]:
    """What the issue form starts with: destination and duration of the member's current trip."""
    today = today or date.today()
    trip = current_departure(session, member)
    stint = trip.stints[-1] if trip and trip.stints else None
    until = trip.expected_return if trip and trip.expected_return else None
    return {
        "issued_on": today,
        "expires_on": until if until and until > today else add_months(today, 12),
        "reason": _("外出务工"),
        "destination": stint.address if stint else "",
    }


def _new_certificate(
    session: Session, actor: Any, township: Township, member: Member, data: dict[str, Any]
) -> Certificate:
    """Build the row; the destination is copied from the current trip when it is the same text."""
    trip = current_departure(session, member)
    stint = trip.stints[-1] if trip and trip.stints else None
    destination = text_of(data, "destination")
    if stint is not None and destination == stint.address:
        code = stint.destination_code
    else:
        code = destination_fields(township.division_code, destination)[0]["destination_code"]
    inflow = data.get("inflow_branch_id")
    return Certificate(
        tenant_id=township.id,
        number=text_of(data, "number").upper(),
        member_id=member.id,
        branch_id=member.branch_id,
        inflow_branch_id=int(inflow) if inflow else None,
        departure_id=trip.id if trip else None,
        issued_on=data["issued_on"],
        expires_on=data["expires_on"],
        reason=text_of(data, "reason"),
        destination=destination,
        destination_code=code,
        status=CertificateStatus.VALID,
        issued_by=getattr(actor, "id", None),
    )


def _insert(session: Session, township: Township, cert: Certificate) -> None:
    """Insert in a savepoint: a number taken meanwhile gets the next one (typed: an error)."""
    auto = not cert.number
    for _attempt in range(5):
        if auto:
            cert.number = next_number(session, township, cert.issued_on.year)
        try:
            with session.begin_nested():
                session.add(cert)
            return
        except IntegrityError:
            if valid_certificate(session, cert.member_id) is not None:
                _refuse(session, {"member_id": _("该党员刚刚被发放了有效的流动党员证")})
            if not auto:
                _refuse(session, {"number": _("该证号已被使用，请换一个或留空自动编号")})
    _refuse(session, {"number": _("自动编号冲突，请稍后重试")})


def _refuse(session: Session, errors: dict[str, str]) -> NoReturn:
    """Undo whatever this call wrote so far, and say why."""
    session.rollback()
    raise CertificateInvalid(errors)


def _audit_view(cert: Certificate) -> dict[str, Any]:
    return snapshot(cert, Certificate.AUDIT_FIELDS)


def _audit(
    session: Session,
    actor: Any,
    action: str,
    cert: Certificate,
    before: dict[str, Any] | None = None,
) -> None:
    """An audit entry about cert, with its state after the change (and before, when given)."""
    record(
        session,
        actor,
        action,
        "certificate",
        cert.id,
        tenant_id=cert.tenant_id,
        before=before,
        after=_audit_view(cert),
    )


def do_issue(
    session: Session, actor: Any, township: Township, member: Member, data: dict[str, Any]
) -> Certificate:
    """发证: validate, number, insert, audit; or raise CertificateInvalid and write nothing."""
    errors = issue_problems(session, actor, member, data)
    if errors:
        raise CertificateInvalid(errors)
    cert = _new_certificate(session, actor, township, member, data)
    _insert(session, township, cert)
    _audit(session, actor, "certificate.issued", cert)
    session.commit()
    return cert


def do_replace(
    session: Session, actor: Any, township: Township, old: Certificate, data: dict[str, Any]
) -> Certificate:
    """换证 (or 补发 after a loss): a new certificate; a valid old one is voided; both linked."""
    errors = replacement_problems(session, actor, old, data)
    if errors:
        raise CertificateInvalid(errors)
    member = old.member
    before = _audit_view(old)
    notes = text_of(data, "notes")
    if old.status == CertificateStatus.VALID:
        _leave_valid(session, old, CertificateStatus.VOIDED, data["issued_on"], notes or _("换证"))
    new = _new_certificate(session, actor, township, member, data)
    new.replaces_id = old.id
    _insert(session, township, new)
    old.replaced_by_id = new.id
    session.flush()
    _audit(session, actor, "certificate.replaced", old, before)
    _audit(session, actor, "certificate.issued", new)
    session.commit()
    return new


def _leave_valid(
    session: Session, cert: Certificate, status: CertificateStatus, on: date, notes: str
) -> None:
    """The compare-and-set of returns.leave_valid, refused when another clerk got there first."""
    if not leave_valid(session, cert, status, on, notes):
        _refuse(session, {"status": _("该证状态刚被他人修改，请刷新页面后重试")})


def _status_change(
    session: Session,
    actor: Any,
    cert: Certificate,
    data: dict[str, Any],
    status: CertificateStatus,
    spec: tuple[str, str, str],
) -> Certificate:
    """挂失 or 交回: a valid certificate leaves service on a day, with notes."""
    key, label, action = spec
    errors = status_change_problems(cert, data, key, label)
    if errors:
        raise CertificateInvalid(errors)
    before = _audit_view(cert)
    _leave_valid(session, cert, status, data[key], text_of(data, "notes"))
    _audit(session, actor, action, cert, before)
    session.commit()
    return cert


def do_report_loss(
    session: Session, actor: Any, cert: Certificate, data: dict[str, Any]
) -> Certificate:
    """挂失: the card stops being valid at once; a replacement can then be issued."""
    spec = ("lost_on", _("挂失"), "certificate.lost")
    return _status_change(session, actor, cert, data, CertificateStatus.LOST, spec)


def do_return(session: Session, actor: Any, cert: Certificate, data: dict[str, Any]) -> Certificate:
    """交回: the member came home and handed the card back."""
    spec = ("returned_on", _("交回"), "certificate.returned")
    return _status_change(session, actor, cert, data, CertificateStatus.RETURNED, spec)


def do_verify(
    session: Session, actor: Any, township: Township, cert: Certificate, data: dict[str, Any]
) -> Verification:
    """验证: record who checked the card, where and when; the next one falls due from that day."""
    errors = verification_problems(actor, cert, data)
    if errors:
        raise CertificateInvalid(errors)
    branch_id = int(data["branch_id"])
    check = Verification(
        tenant_id=cert.tenant_id,
        certificate_id=cert.id,
        verified_on=data["verified_on"],
        due_on=cert.due_on(verify_months(township)),
        branch_id=branch_id,
        side=VerificationSide.OUTFLOW if branch_id == cert.branch_id else VerificationSide.INFLOW,
        verified_by=getattr(actor, "id", None),
        verifier_name=text_of(data, "verifier_name") or actor.display_name,
        notes=text_of(data, "notes"),
    )
    session.add(check)
    cert.last_verified_on = check.verified_on
    session.flush()
    record(
        session,
        actor,
        "certificate.verified",
        "certificate",
        cert.id,
        tenant_id=cert.tenant_id,
        after={
            "verified_on": check.verified_on.isoformat(),
            "due_on": check.due_on.isoformat(),
            "branch_id": branch_id,
            "side": check.side.value,
            "verifier_name": check.verifier_name,
            "notes": check.notes,
        },
    )
    session.commit()
    return check
