"""Certificate checks: everything wrong with an issue, a replacement, a loss or hand-back and a
verification, field by field in the user's language; nothing here writes."""

import re
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.permissions import can
from webapp.branches.models import Branch
from webapp.certificates.models import (
    STATUS_LABELS,
    Certificate,
    CertificateStatus,
    add_months,
)
from webapp.certificates.queries import valid_certificate
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


def text_of(data: dict[str, Any], key: str) -> str:
    """data[key] as stripped text ("" when missing)."""
    return (data.get(key) or "").strip()


def check_day(errors: dict[str, str], key: str, value: Any, label: str) -> bool:
    """Is value a day no later than today? If not, errors[key] says so."""
    if not isinstance(value, date):
        errors[key] = _("请填写%(label)s", label=label)
        return False
    if value > date.today():
        errors[key] = _("%(label)s不能晚于今天", label=label)
        return False
    return True


def number_problem(session: Session, number: str) -> str | None:
    """Why a typed certificate number cannot be used, or None."""
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
    number = text_of(data, "number").upper()
    if number and (problem := number_problem(session, number)):
        errors["number"] = problem
    issued, expires = data.get("issued_on"), data.get("expires_on")
    if check_day(errors, "issued_on", issued, _("发证日期")) and issued < member.join_date:
        errors["issued_on"] = _(
            "发证日期不能早于入党日期（%(join_date)s）", join_date=member.join_date
        )
    if not isinstance(expires, date):
        errors["expires_on"] = _("请填写有效期至")
    elif isinstance(issued, date) and expires <= issued:
        errors["expires_on"] = _("有效期至应晚于发证日期")
    elif isinstance(issued, date) and expires > add_months(issued, MAX_VALID_MONTHS):
        errors["expires_on"] = _("有效期不能超过5年")
    reason = text_of(data, "reason")
    if not reason:
        errors["reason"] = _("请填写外出事由，如：外出务工")
    elif len(reason) > 100:
        errors["reason"] = _("外出事由不能超过100个字符")
    if len(text_of(data, "destination")) > 200:
        errors["destination"] = _("外出去向不能超过200个字符")
    inflow = data.get("inflow_branch_id")
    if inflow not in (None, "", 0):
        branch = session.get(Branch, as_id(inflow)) if as_id(inflow) else None
        if branch is None:
            errors["inflow_branch_id"] = _("请选择本乡镇的支部，或留空")
        elif branch.id == member.branch_id:
            errors["inflow_branch_id"] = _("流入地支部不能是党员所在的支部")
    return errors


def status_refusal(cert: Certificate, doing: str) -> str:
    """ "This card is <status>, it cannot be <doing>"."""
    return _("该证%(value)s，不能%(doing)s", value=STATUS_LABELS[cert.status], doing=doing)


def replacement_problems(
    session: Session, actor: Any, old: Certificate, data: dict[str, Any]
) -> dict[str, str]:
    """Field -> message for a 换证: only a valid or lost card not yet replaced, with a valid new one."""
    if old.replaced_by_id is not None:
        return {"member_id": _("该证已换发新证，请在新证上操作")}
    if old.status not in (CertificateStatus.VALID, CertificateStatus.LOST):
        return {"member_id": status_refusal(old, _("换证"))}
    errors = issue_problems(session, actor, old.member, data, replacing=True)
    issued = data.get("issued_on")
    if "issued_on" not in errors and isinstance(issued, date) and issued < old.issued_on:
        errors["issued_on"] = _(
            "换证日期不能早于原证的发证日期（%(issued_on)s）", issued_on=old.issued_on
        )
    if len(text_of(data, "notes")) > 500:
        errors["notes"] = _("换证说明不能超过500个字符")
    if not errors and old.status == CertificateStatus.LOST:
        held = valid_certificate(session, old.member_id)
        if held is not None:
            errors["member_id"] = _(
                "该党员已持有有效的流动党员证（%(number)s）", number=held.number
            )
    return errors


def status_change_problems(
    cert: Certificate, data: dict[str, Any], key: str, label: str
) -> dict[str, str]:
    """Field -> message for 挂失 or 交回 (label) on the day data[key]: only a valid card leaves."""
    errors: dict[str, str] = {}
    if cert.status != CertificateStatus.VALID:
        errors["status"] = status_refusal(cert, label)
    day = data.get(key)
    if check_day(errors, key, day, _("%(label)s日期", label=label)) and day < cert.issued_on:
        errors[key] = _(
            "%(label)s日期不能早于发证日期（%(issued_on)s）", label=label, issued_on=cert.issued_on
        )
    if len(text_of(data, "notes")) > 500:
        errors["notes"] = _("说明不能超过500个字符")
    return errors


def verification_problems(actor: Any, cert: Certificate, data: dict[str, Any]) -> dict[str, str]:
    """Field -> message for a 验证; a certificate that is not valid is refused outright."""
    if cert.status != CertificateStatus.VALID:
        return {"status": status_refusal(cert, _("验证"))}
    errors: dict[str, str] = {}
    day = data.get("verified_on")
    if check_day(errors, "verified_on", day, _("验证日期")):
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
    name = text_of(data, "verifier_name") or getattr(actor, "display_name", "")
    if not name or len(name) > 32:
        errors["verifier_name"] = _("请填写验证人姓名（不超过32个字符）")
    if len(text_of(data, "notes")) > 500:
        errors["notes"] = _("说明不能超过500个字符")
    return errors
