"""三个一 writes: an officer records an item, a member submits their own; validated and audited.

Each item of a half-year is done (a date inside the half-year and what it was) or explained (the
member's reason, at least a sentence). Items may be recorded for the current and the previous
half-year: evidence for June often arrives in July, older half-years are settled. A member may
submit and change their own items until the branch has recorded that item; after that only the
branch changes it, so a member cannot overwrite what the branch confirmed.
"""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.audit.services import record, snapshot
from webapp.duties.links import MEMBER
from webapp.duties.models import (
    EVIDENCE_LABELS,
    THREE_ONES_SHORT,
    ThreeOnesItem,
    ThreeOnesKind,
    ThreeOnesStatus,
)
from webapp.duties.periods import Half, PeriodInvalid, half_of
from webapp.duties.services import DutyInvalid, check_on_register
from webapp.members.models import Member

NOTE_MIN, NOTE_MAX = 2, 200
EXPLANATION_MIN, EXPLANATION_MAX = 10, 1000


def _half(errors: dict[str, str], value: Any, today: date) -> Half | None:
    current = half_of(today)
    try:
        half = value if isinstance(value, Half) else Half.parse(str(value or ""))
    except PeriodInvalid as exc:
        errors["half"] = str(exc)
        return None
    if half > current:
        errors["half"] = "不能登记尚未开始的半年度"
    elif half < current.previous():
        errors["half"] = (
            f"只能登记{current.label}和{current.previous().label}的三个一；更早的已结算"
        )
    return half


def _evidence(
    errors: dict[str, str],
    member: Member,
    half: Half | None,
    kind: ThreeOnesKind | None,
    data: dict[str, Any],
    today: date,
) -> tuple[date | None, str]:
    day, note = data.get("happened_on"), (data.get("note") or "").strip()
    if not isinstance(day, date):
        errors["happened_on"] = "请填写完成日期"
    elif day > today:
        errors["happened_on"] = "完成日期不能晚于今天"
    elif half is not None and not half.contains(day):
        errors["happened_on"] = f"完成日期应在{half.label}内（{half.start} 至 {half.end}）"
    elif day < member.join_date:
        errors["happened_on"] = f"完成日期不能早于该党员的入党日期（{member.join_date}）"
    label = EVIDENCE_LABELS[kind] if kind is not None else "完成情况"
    if len(note) < NOTE_MIN:
        errors["note"] = f"请填写{label}（至少{NOTE_MIN}个字）"
    elif len(note) > NOTE_MAX:
        errors["note"] = f"{label}不能超过{NOTE_MAX}个字"
    return (day if isinstance(day, date) else None), note


def item_problems(
    member: Member, data: dict[str, Any], today: date
) -> tuple[dict[str, str], dict[str, Any]]:
    """Field -> message for a 三个一 item, and the cleaned values."""
    errors: dict[str, str] = {}
    check_on_register(errors, member)
    half = _half(errors, data.get("half"), today)
    raw_kind, raw_status = data.get("kind"), data.get("status")
    kind = ThreeOnesKind(raw_kind) if raw_kind in {k.value for k in ThreeOnesKind} else None
    if kind is None:
        errors["kind"] = "请选择三个一中的哪一项"
    status = (
        ThreeOnesStatus(raw_status) if raw_status in {s.value for s in ThreeOnesStatus} else None
    )
    clean: dict[str, Any] = {"half": half.key if half else None, "kind": kind, "status": status}
    clean.update(happened_on=None, note="", explanation="")
    if status == ThreeOnesStatus.DONE:
        clean["happened_on"], clean["note"] = _evidence(errors, member, half, kind, data, today)
    elif status == ThreeOnesStatus.EXPLAINED:
        explanation = (data.get("explanation") or "").strip()
        if len(explanation) < EXPLANATION_MIN:
            errors["explanation"] = (
                f"未能完成的原因至少{EXPLANATION_MIN}个字：请写明为什么没能参加或联系"
            )
        elif len(explanation) > EXPLANATION_MAX:
            errors["explanation"] = f"说明不能超过{EXPLANATION_MAX}个字"
        clean["explanation"] = explanation
    else:
        errors["status"] = "请选择“已完成”或“说明未完成原因”"
    return errors, clean


def item_of(session: Session, member_id: int, half: str, kind: ThreeOnesKind) -> Any:
    """The member's item of this kind for half, or None (missing)."""
    return session.scalar(
        select(ThreeOnesItem).where(
            ThreeOnesItem.member_id == member_id,
            ThreeOnesItem.half == half,
            ThreeOnesItem.kind == kind,
        )
    )


def _save(
    session: Session, actor: Any, member: Member, clean: dict[str, Any], by_member: bool
) -> ThreeOnesItem:
    item = item_of(session, member.id, clean["half"], clean["kind"])
    if by_member and item is not None and not item.by_member:
        raise DutyInvalid({"kind": "支部已登记此项，如需更正请与支部联系"})
    before = snapshot(item, ThreeOnesItem.AUDIT_FIELDS) if item else None
    if item is None:
        item = ThreeOnesItem(tenant_id=member.tenant_id, member_id=member.id)
        session.add(item)
    for key, value in clean.items():
        setattr(item, key, value)
    item.by_member = by_member
    item.source_kind, item.source_id = "", None  # entered by hand: never moved by its source
    item.recorded_by_id = getattr(actor, "id", None)
    item.recorded_by_name = getattr(actor, "display_name", "") or ""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise DutyInvalid({"kind": "此项刚被他人登记，请刷新页面后重试"}) from exc
    after = snapshot(item, ThreeOnesItem.AUDIT_FIELDS)
    what = item.note if item.status == ThreeOnesStatus.DONE else item.explanation
    after["notes"] = f"{item.half} {THREE_ONES_SHORT[item.kind]}·{item.status_label}：{what[:40]}"
    action = "three_ones.submitted" if by_member else "three_ones.recorded"
    record(
        session,
        actor,
        action,
        "member",
        member.id,
        tenant_id=member.tenant_id,
        before=before,
        after=after,
    )
    session.commit()
    return item


def do_record_item(
    session: Session, actor: Any, member: Member, data: dict[str, Any], today: date | None = None
) -> ThreeOnesItem:
    """An officer records (or corrects) one of member's 三个一."""
    errors, clean = item_problems(member, data, today or date.today())
    if errors:
        raise DutyInvalid(errors)
    return _save(session, actor, member, clean, by_member=False)


def do_submit_own(
    session: Session, actor: Any, member: Member, data: dict[str, Any], today: date | None = None
) -> ThreeOnesItem:
    """A member submits evidence or an explanation on their own record, and only their own."""
    if getattr(actor, "member_id", None) != member.id:
        raise DutyInvalid({"member_id": "只能提交本人的三个一"})
    errors, clean = item_problems(member, data, today or date.today())
    if errors:
        raise DutyInvalid(errors)
    return _save(session, actor, member, clean, by_member=True)


def do_confirm_item(
    session: Session,
    actor: Any,
    member: Member,
    half: Any,
    kind: Any,
    today: date | None = None,
) -> ThreeOnesItem:
    """The branch confirms what the member submitted (a letter, a 思想汇报...) as it stands.

    The item is then the branch's: the member can no longer change it, and it shows
    "党员本人提交，支部已确认".
    """
    errors: dict[str, str] = {}
    check_on_register(errors, member)
    parsed = _half(errors, half, today or date.today())
    valid_kind = kind in {k.value for k in ThreeOnesKind}
    if not valid_kind:
        errors["kind"] = "请选择三个一中的哪一项"
    item = (
        item_of(session, member.id, parsed.key, ThreeOnesKind(kind))
        if parsed and valid_kind
        else None
    )
    if not errors and (item is None or not item.by_member):
        errors["kind"] = "该项没有待确认的本人提交，无需确认"
    if errors or item is None:
        raise DutyInvalid(errors)
    before = snapshot(item, ThreeOnesItem.AUDIT_FIELDS)
    item.by_member = False
    item.source_kind, item.source_id = MEMBER, None
    item.recorded_by_id = getattr(actor, "id", None)
    item.recorded_by_name = getattr(actor, "display_name", "") or ""
    after = snapshot(item, ThreeOnesItem.AUDIT_FIELDS)
    after["notes"] = f"{item.half} {THREE_ONES_SHORT[item.kind]}·支部确认本人提交"
    record(
        session,
        actor,
        "three_ones.confirmed",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        before=before,
        after=after,
    )
    session.commit()
    return item
