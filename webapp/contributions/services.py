"""Contribution and family-support writes; each validated, audited and committed."""

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from tenants.db import utcnow
from webapp.activities.services import LifeInvalid
from webapp.audit.services import record
from webapp.contributions.models import (
    Contribution,
    ContributionKind,
    ReviewStatus,
    SupportNeed,
    SupportRequest,
    SupportService,
    SupportStatus,
)
from webapp.members.models import Member


def _text(data: dict[str, Any], key: str) -> str:
    return str(data.get(key) or "").strip()


def _past_day(errors: dict[str, str], data: dict[str, Any], key: str, label: str) -> Any:
    value = data.get(key)
    if not isinstance(value, date):
        errors[key] = _("请填写%(label)s", label=label)
    elif value > date.today():
        errors[key] = _("%(label)s不能晚于今天", label=label)
    return value


def _description(errors: dict[str, str], data: dict[str, Any], key: str, label: str) -> str:
    text = _text(data, key)
    if len(text) < 4:
        errors[key] = _("请具体填写%(label)s（至少4个字）", label=label)
    elif len(text) > 2000:
        errors[key] = _("%(label)s不能超过2000个字", label=label)
    return text


def do_record_contribution(
    session: Session, actor: Any, member: Member, data: dict[str, Any]
) -> Contribution:
    """Record a 三个一/四带头 contribution; it waits for the branch to confirm it."""
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in {k.value for k in ContributionKind}:
        errors["kind"] = _("请选择三个一、四带头的类别")
    description = _description(errors, data, "description", _("内容"))
    happened = _past_day(errors, data, "happened_on", _("日期"))
    if errors:
        raise LifeInvalid(errors)
    row = Contribution(
        tenant_id=member.tenant_id,
        member_id=member.id,
        kind=ContributionKind(kind),
        description=description,
        happened_on=happened,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "contribution.recorded",
        "contribution",
        row.id,
        tenant_id=member.tenant_id,
        after={"member_id": member.id, "kind": kind, "happened_on": happened.isoformat()},
    )
    session.commit()
    return row


def do_review_contribution(
    session: Session, actor: Any, row: Contribution, confirm: bool, reason: str = ""
) -> Contribution:
    """The branch confirms a contribution, or sends it back with a reason."""
    reason = (reason or "").strip()
    if row.status != ReviewStatus.PENDING:
        raise LifeInvalid(
            {"status": _("该记录已%(status_label)s，不能重复审核", status_label=row.status_label)}
        )
    if not confirm and not reason:
        raise LifeInvalid({"reason": _("退回时请填写原因")})
    row.status = ReviewStatus.CONFIRMED if confirm else ReviewStatus.REJECTED
    row.confirmed_by_id = getattr(actor, "id", None)
    row.confirmed_by_name = getattr(actor, "display_name", "") or ""
    row.confirmed_at = utcnow()
    row.reject_reason = "" if confirm else reason
    record(
        session,
        actor,
        "contribution.confirmed" if confirm else "contribution.rejected",
        "contribution",
        row.id,
        tenant_id=row.tenant_id,
        after={"status": row.status.value, "reason": row.reject_reason},
    )
    session.commit()
    return row


def do_open_support(
    session: Session, actor: Any, member: Member, data: dict[str, Any]
) -> SupportRequest:
    """Open a family-support request for a member's family at home."""
    errors: dict[str, str] = {}
    need = data.get("need")
    if need not in {n.value for n in SupportNeed}:
        errors["need"] = _("请选择帮扶需求类别")
    description = _description(errors, data, "description", _("需求说明"))
    opened = data.get("opened_on") or date.today()
    if not isinstance(opened, date) or opened > date.today():
        errors["opened_on"] = _("登记日期不能晚于今天")
    if errors:
        raise LifeInvalid(errors)
    row = SupportRequest(
        tenant_id=member.tenant_id,
        member_id=member.id,
        need=SupportNeed(need),
        description=description,
        opened_on=opened,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "support.opened",
        "support",
        row.id,
        tenant_id=member.tenant_id,
        after={"member_id": member.id, "need": need},
    )
    session.commit()
    return row


def do_add_service(
    session: Session, actor: Any, request: SupportRequest, data: dict[str, Any]
) -> SupportService:
    """Record a service delivered; an open request moves to in progress."""
    errors: dict[str, str] = {}
    if request.status == SupportStatus.CLOSED:
        errors["served_on"] = _("该帮扶已办结，如需继续请先重新打开")
    served = _past_day(errors, data, "served_on", _("服务日期"))
    if isinstance(served, date) and served < request.opened_on:
        errors["served_on"] = _(
            "服务日期不能早于登记日期（%(opened_on)s）", opened_on=request.opened_on
        )
    by = _text(data, "served_by")
    if not by:
        errors["served_by"] = _("请填写服务人或服务队")
    elif len(by) > 64:
        errors["served_by"] = _("服务人不能超过64个字符")
    what = _description(errors, data, "what", _("服务内容"))
    if errors:
        raise LifeInvalid(errors)
    row = SupportService(
        tenant_id=request.tenant_id,
        request_id=request.id,
        served_on=served,
        served_by=by,
        what=what,
    )
    session.add(row)
    if request.status == SupportStatus.OPEN:
        request.status = SupportStatus.IN_PROGRESS
    session.flush()
    record(
        session,
        actor,
        "support.served",
        "support",
        request.id,
        tenant_id=request.tenant_id,
        after={"served_on": served.isoformat(), "served_by": by},
    )
    session.commit()
    return row


def do_set_support_status(
    session: Session, actor: Any, request: SupportRequest, status: Any
) -> SupportRequest:
    """Move a request between open, in progress and closed."""
    if status not in {s.value for s in SupportStatus}:
        raise LifeInvalid({"status": _("请选择帮扶状态")})
    before = request.status.value
    request.status = SupportStatus(status)
    record(
        session,
        actor,
        "support.status_changed",
        "support",
        request.id,
        tenant_id=request.tenant_id,
        before={"status": before},
        after={"status": request.status.value},
    )
    session.commit()
    return request


def list_contributions(
    q: str = "", branch_id: int | None = None, status: str = "", kind: str = ""
) -> Select[tuple[Contribution]]:
    """Contributions in scope, newest first, filtered by member name or text, status, kind."""
    stmt = select(Contribution).join(Member, Member.id == Contribution.member_id)
    if q:
        stmt = stmt.where(or_(Member.name.contains(q), Contribution.description.contains(q)))
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    if status in {s.value for s in ReviewStatus}:
        stmt = stmt.where(Contribution.status == status)
    if kind in {k.value for k in ContributionKind}:
        stmt = stmt.where(Contribution.kind == kind)
    return stmt.order_by(Contribution.happened_on.desc(), Contribution.id.desc())


def list_support(
    q: str = "", branch_id: int | None = None, status: str = ""
) -> Select[tuple[SupportRequest]]:
    """Support requests in scope, newest first."""
    stmt = select(SupportRequest).join(Member, Member.id == SupportRequest.member_id)
    if q:
        stmt = stmt.where(or_(Member.name.contains(q), SupportRequest.description.contains(q)))
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    if status in {s.value for s in SupportStatus}:
        stmt = stmt.where(SupportRequest.status == status)
    return stmt.order_by(SupportRequest.opened_on.desc(), SupportRequest.id.desc())
