"""Certificate writes: issue, replace, verify, report lost, hand back; each validated and audited."""

import re
from datetime import date
from typing import Any, NoReturn

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record, snapshot
from webapp.auth.permissions import can
from webapp.branches.models import Branch
from webapp.certificates.models import (
    STATUS_LABELS,
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
from webapp.inputs import as_id
from webapp.members.models import Member, MemberStatus

NUMBER_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,31}$")
MAX_VALID_MONTHS = 60
ON_REGISTER = (MemberStatus.FULL, MemberStatus.PROBATIONARY)


class CertificateInvalid(ValueError):
    """Field name -> Chinese message; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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


def _text(data: dict[str, Any], key: str) -> str:
    return (data.get(key) or "").strip()


def _check_day(errors: dict[str, str], key: str, value: Any, label: str) -> bool:
    if not isinstance(value, date):
        errors[key] = _("请填写%(label)s", label=label)
        return False
    if value > date.today():
        errors[key] = _("%(label)s不能晚于今天", label=label)
        return False
    return True


def _number_problem(session: Session, number: str) -> str | None:
    if not NUMBER_RE.match(number):
        return _("证号只能包含数字、字母和“-”，最长32位")
    if session.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        return _("该证号已被使用，请换一个或留空自动编号")
    return None


def issue_problems(
    session: Session, actor: Any, member: Member, data: dict[str, Any], replacing: bool = False
) -> dict[str, str]:
    """Field -> message for everything wrong with an issue (or a replacement); no writes."""
    errors: dict[str, str] = {}
    if member.status not in ON_REGISTER:
        errors["member_id"] = _(
            "该党员状态为“%(status_label)s”，不能发证", status_label=member.status_label
        )
    elif not can(actor, "certificate.manage", member.branch_id):
        errors["member_id"] = _("您只能为本支部的党员发证")
    elif not replacing:
        held = valid_certificate(session, member.id)
        if held is not None:
            errors["member_id"] = _(
                "该党员已持有有效的流动党员证（%(number)s），如需换证请使用“换证”",
                number=held.number,
            )
    number = _text(data, "number").upper()
    if number and (problem := _number_problem(session, number)):
        errors["number"] = problem
    issued, expires = data.get("issued_on"), data.get("expires_on")
    if _check_day(errors, "issued_on", issued, _("发证日期")) and issued < member.join_date:
        errors["issued_on"] = _(
            "发证日期不能早于入党日期（%(join_date)s）", join_date=member.join_date
        )
    if not isinstance(expires, date):
        errors["expires_on"] = _("请填写有效期至")
    elif isinstance(issued, date) and expires <= issued:
        errors["expires_on"] = _("有效期至应晚于发证日期")
    elif isinstance(issued, date) and expires > add_months(issued, MAX_VALID_MONTHS):
        errors["expires_on"] = _("有效期不能超过5年")
    reason = _text(data, "reason")
    if not reason:
        errors["reason"] = _("请填写外出事由，如：外出务工")
    elif len(reason) > 100:
        errors["reason"] = _("外出事由不能超过100个字符")
    if len(_text(data, "destination")) > 200:
        errors["destination"] = _("外出去向不能超过200个字符")
    inflow = data.get("inflow_branch_id")
    if inflow not in (None, "", 0):
        branch = session.get(Branch, as_id(inflow)) if as_id(inflow) else None
        if branch is None:
            errors["inflow_branch_id"] = _("请选择本乡镇的支部，或留空")
        elif branch.id == member.branch_id:
            errors["inflow_branch_id"] = _("流入地支部不能是党员所在的支部")
    return errors


def _new_certificate(
    session: Session, actor: Any, township: Township, member: Member, data: dict[str, Any]
) -> Certificate:
    """Build the row; the destination is copied from the current trip when it is the same text."""
    trip = current_departure(session, member)
    stint = trip.stints[-1] if trip and trip.stints else None
    destination = _text(data, "destination")
    if stint is not None and destination == stint.address:
        code = stint.destination_code
    else:
        code = destination_fields(township.division_code, destination)[0]["destination_code"]
    inflow = data.get("inflow_branch_id")
    return Certificate(
        tenant_id=township.id,
        number=_text(data, "number").upper(),
        member_id=member.id,
        branch_id=member.branch_id,
        inflow_branch_id=int(inflow) if inflow else None,
        departure_id=trip.id if trip else None,
        issued_on=data["issued_on"],
        expires_on=data["expires_on"],
        reason=_text(data, "reason"),
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


def _status_refusal(cert: Certificate, doing: str) -> str:
    return _("该证%(value)s，不能%(doing)s", value=STATUS_LABELS[cert.status], doing=doing)


def replacement_problems(
    session: Session, actor: Any, old: Certificate, data: dict[str, Any]
) -> dict[str, str]:
    """Field -> message for a 换证: only a valid or lost card not yet replaced, with a valid new one."""
    if old.replaced_by_id is not None:
        return {"member_id": _("该证已换发新证，请在新证上操作")}
    if old.status not in (CertificateStatus.VALID, CertificateStatus.LOST):
        return {"member_id": _status_refusal(old, _("换证"))}
    errors = issue_problems(session, actor, old.member, data, replacing=True)
    issued = data.get("issued_on")
    if "issued_on" not in errors and isinstance(issued, date) and issued < old.issued_on:
        errors["issued_on"] = _(
            "换证日期不能早于原证的发证日期（%(issued_on)s）", issued_on=old.issued_on
        )
    if len(_text(data, "notes")) > 500:
        errors["notes"] = _("换证说明不能超过500个字符")
    if not errors and old.status == CertificateStatus.LOST:
        held = valid_certificate(session, old.member_id)
        if held is not None:
            errors["member_id"] = _(
                "该党员已持有有效的流动党员证（%(number)s）", number=held.number
            )
    return errors


def do_replace(
    session: Session, actor: Any, township: Township, old: Certificate, data: dict[str, Any]
) -> Certificate:
    """换证 (or 补发 after a loss): a new certificate; a valid old one is voided; both linked."""
    errors = replacement_problems(session, actor, old, data)
    if errors:
        raise CertificateInvalid(errors)
    member = old.member
    before = _audit_view(old)
    notes = _text(data, "notes")
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
    errors: dict[str, str] = {}
    if cert.status != CertificateStatus.VALID:
        errors["status"] = _status_refusal(cert, label)
    day = data.get(key)
    if _check_day(errors, key, day, _("%(label)s日期", label=label)) and day < cert.issued_on:
        errors[key] = _(
            "%(label)s日期不能早于发证日期（%(issued_on)s）", label=label, issued_on=cert.issued_on
        )
    notes = _text(data, "notes")
    if len(notes) > 500:
        errors["notes"] = _("说明不能超过500个字符")
    if errors:
        raise CertificateInvalid(errors)
    before = _audit_view(cert)
    _leave_valid(session, cert, status, day, notes)
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


def verification_problems(actor: Any, cert: Certificate, data: dict[str, Any]) -> dict[str, str]:
    """Field -> message for a 验证; a certificate that is not valid is refused outright."""
    if cert.status != CertificateStatus.VALID:
        return {"status": _status_refusal(cert, _("验证"))}
    errors: dict[str, str] = {}
    day = data.get("verified_on")
    if _check_day(errors, "verified_on", day, _("验证日期")):
        if day < cert.issued_on:
            errors["verified_on"] = _(
                "验证日期不能早于发证日期（%(issued_on)s）", issued_on=cert.issued_on
            )
        elif cert.last_verified_on and day <= cert.last_verified_on:
            errors["verified_on"] = _(
                "验证日期应晚于上次验证日期（%(last_verified_on)s）",
                last_verified_on=cert.last_verified_on,
            )
        elif day > cert.expires_on:
            errors["verified_on"] = _(
                "该证已于%(expires_on)s到期，请办理换证", expires_on=cert.expires_on
            )
    branch_id = data.get("branch_id")
    branch_id = as_id(branch_id)
    if branch_id not in cert.holder_branch_ids():
        errors["branch_id"] = _("请选择该证的流出地支部或流入地支部")
    elif not can(actor, "certificate.verify", branch_id):
        errors["branch_id"] = _("您只能以本支部的名义验证")
    name = _text(data, "verifier_name") or getattr(actor, "display_name", "")
    if not name or len(name) > 32:
        errors["verifier_name"] = _("请填写验证人姓名（不超过32个字符）")
    if len(_text(data, "notes")) > 500:
        errors["notes"] = _("说明不能超过500个字符")
    return errors


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
        verifier_name=_text(data, "verifier_name") or actor.display_name,
        notes=_text(data, "notes"),
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
