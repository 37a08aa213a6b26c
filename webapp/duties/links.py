"""三个一 items completed by records entered elsewhere: one fact is entered once.

An attendance at a branch activity (at the home branch, at the inflow branch or online), or a
流入地记录 of branch life the member attended at the inflow organisation, completes the member's
参加一次支部活动 for that half-year; a logged phone, WeChat, video call or visit completes
给支部打一次电话. The item remembers its source (source_kind, source_id) and is
kept in step with the records: sync_item() recomputes it from what is there now, so saving the
same record twice changes nothing, and removing the record (or marking the member absent, or
cancelling the activity) takes the item away again, or moves it to another record of the
half-year that still qualifies.

An item entered by hand (by an officer or the member; source_kind not one of AUTO) is never
touched. An officer who saves an auto-completed item on the 三个一 page confirms it by hand:
from then on it stays whatever happens to its source. Only the current and the previous
half-year move; older half-years are settled, as for items entered by hand.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.activities.models import MODE_LABELS, Activity, Attendance, AttendanceMode
from webapp.audit.services import record, snapshot
from webapp.departures.census import ON_REGISTER
from webapp.duties.models import (
    CHANNEL_LABELS,
    THREE_ONES_SHORT,
    Contact,
    ContactChannel,
    ThreeOnesItem,
    ThreeOnesKind,
    ThreeOnesStatus,
)
from webapp.duties.periods import Half, half_of
from webapp.members.models import Member
from webapp.placements.models import OUTCOMES, InflowRecord, Placement, RecordKind

ATTENDANCE, CONTACT, INFLOW, MEMBER = "attendance", "contact", "inflow_record", "member"
AUTO = (ATTENDANCE, CONTACT, INFLOW)
ATTENDED = OUTCOMES[RecordKind.ACTIVITY][0]  # 参加: an inflow record's "took part"
PRESENT = (AttendanceMode.HOME, AttendanceMode.INFLOW, AttendanceMode.ONLINE)
CALLS = (ContactChannel.PHONE, ContactChannel.WECHAT, ContactChannel.VIDEO, ContactChannel.VISIT)
FIELDS = (*ThreeOnesItem.AUDIT_FIELDS, "source_kind", "source_id")


@dataclass(frozen=True)
class Source:
    """A record that completes an item: when, which row, and the words the item shows."""

    kind: str
    id: int
    day: date
    note: str


def _attendances(session: Session, member_id: int, half: Half) -> list[Source]:
    rows = session.execute(
        select(Attendance, Activity)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(
            Attendance.member_id == member_id,
            Attendance.mode.in_(PRESENT),
            Activity.cancelled_at.is_(None),
            Activity.held_on >= half.start,
            Activity.held_on <= half.end,
        )
        .order_by(Activity.held_on, Attendance.id)
    )
    return [
        Source(ATTENDANCE, a.id, act.held_on, f"{act.title}（{MODE_LABELS[a.mode]}）"[:200])
        for a, act in rows
    ]


def _inflow_life(session: Session, member_id: int, half: Half) -> list[Source]:
    rows = session.execute(
        select(InflowRecord, Placement)
        .join(Placement, Placement.id == InflowRecord.placement_id)
        .where(
            InflowRecord.member_id == member_id,
            InflowRecord.kind == RecordKind.ACTIVITY,
            InflowRecord.outcome == ATTENDED,
            InflowRecord.happened_on >= half.start,
            InflowRecord.happened_on <= half.end,
        )
        .order_by(InflowRecord.happened_on, InflowRecord.id)
    )
    return [
        Source(INFLOW, r.id, r.happened_on, f"{r.title}（流入地：{p.organisation.name}）"[:200])
        for r, p in rows
    ]


def _branch_life(session: Session, member_id: int, half: Half) -> list[Source]:
    """Attendances and inflow records, by day; on the same day an attendance comes first."""
    sources = _attendances(session, member_id, half) + _inflow_life(session, member_id, half)
    return sorted(sources, key=lambda s: s.day)


def _contacts(session: Session, member_id: int, half: Half) -> list[Source]:
    rows = session.scalars(
        select(Contact)
        .where(
            Contact.member_id == member_id,
            Contact.channel.in_(CALLS),
            Contact.contacted_on >= half.start,
            Contact.contacted_on <= half.end,
        )
        .order_by(Contact.contacted_on, Contact.id)
    )
    return [
        Source(CONTACT, c.id, c.contacted_on, f"{CHANNEL_LABELS[c.channel]}：{c.substance}"[:200])
        for c in rows
    ]


FINDERS = {ThreeOnesKind.ACTIVITY: _branch_life, ThreeOnesKind.CALL: _contacts}


def _movable(half: Half, today: date) -> bool:
    return half_of(today).previous() <= half <= half_of(today)


def _audit(
    session: Session,
    actor: Any,
    member: Member,
    action: str,
    before: dict[str, Any] | None,
    item: ThreeOnesItem | None,
    notes: str,
) -> None:
    after = None
    if item is not None:
        after = snapshot(item, FIELDS)
        after["notes"] = notes
    elif before is not None:
        before["notes"] = notes
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


def sync_item(
    session: Session,
    actor: Any,
    member: Member,
    half: Half,
    kind: ThreeOnesKind,
    today: date | None = None,
) -> ThreeOnesItem | None:
    """Bring member's auto-completed item of kind for half in step with its sources (no commit).

    Returns the item as it stands; a hand-entered one is returned untouched.
    """
    item = session.scalar(
        select(ThreeOnesItem).where(
            ThreeOnesItem.member_id == member.id,
            ThreeOnesItem.half == half.key,
            ThreeOnesItem.kind == kind,
        )
    )
    if item is not None and item.source_kind not in AUTO:
        return item
    if not _movable(half, today or date.today()):
        return item
    session.flush()
    sources = FINDERS[kind](session, member.id, half)
    if member.status not in ON_REGISTER:
        sources = []
    best = next((s for s in sources if s.day >= member.join_date), None)
    before = snapshot(item, FIELDS) if item else None
    label = f"{half.key} {THREE_ONES_SHORT[kind]}"
    if best is None:
        if item is not None:
            session.delete(item)
            session.flush()
            _audit(
                session,
                actor,
                member,
                "three_ones.unlinked",
                before,
                None,
                f"{label}：来源记录已删除或不再符合，撤销自动完成",
            )
        return None
    same = (best.kind, best.id, best.day, best.note)
    if item is not None and (item.source_kind, item.source_id, item.happened_on, item.note) == same:
        return item
    if item is None:
        item = ThreeOnesItem(
            tenant_id=member.tenant_id, member_id=member.id, half=half.key, kind=kind
        )
        session.add(item)
    item.status = ThreeOnesStatus.DONE
    item.happened_on, item.note, item.explanation = best.day, best.note, ""
    item.by_member = False
    item.source_kind, item.source_id = best.kind, best.id
    item.recorded_by_id = getattr(actor, "id", None)
    item.recorded_by_name = getattr(actor, "display_name", "") or ""
    session.flush()
    _audit(
        session,
        actor,
        member,
        "three_ones.linked",
        before,
        item,
        f"{label}·自动完成：{best.note[:40]}",
    )
    return item


def sync_for(
    session: Session, actor: Any, member: Member, kind: ThreeOnesKind, day: date
) -> ThreeOnesItem | None:
    """sync_item for the half-year that day falls in."""
    return sync_item(session, actor, member, half_of(day), kind)


def describe(session: Session, item: ThreeOnesItem) -> dict[str, Any] | None:
    """Where an item came from, for the page: the source kind, its words, and a link target."""
    if item.source_kind == ATTENDANCE and item.source_id is not None:
        row = session.get(Attendance, item.source_id)
        activity = session.get(Activity, row.activity_id) if row else None
        if row is not None and activity is not None:
            return {
                "kind": ATTENDANCE,
                "title": activity.title,
                "day": activity.held_on,
                "how": MODE_LABELS[row.mode],
                "endpoint": "activities.show",
                "args": {"activity_id": activity.id},
            }
    if item.source_kind == CONTACT and item.source_id is not None:
        contact = session.get(Contact, item.source_id)
        if contact is not None:
            return {
                "kind": CONTACT,
                "title": "",
                "day": contact.contacted_on,
                "how": contact.channel_label,
                "endpoint": "duties.member",
                "args": {"member_id": contact.member_id, "_anchor": "contacts"},
            }
    if item.source_kind == INFLOW and item.source_id is not None:
        entry = session.get(InflowRecord, item.source_id)
        placement = session.get(Placement, entry.placement_id) if entry else None
        if entry is not None and placement is not None:
            return {
                "kind": INFLOW,
                "title": entry.title,
                "day": entry.happened_on,
                "how": placement.organisation.name,
                "endpoint": "placements.records",
                "args": {"placement_id": placement.id},
            }
    if item.source_kind == MEMBER:
        return {"kind": MEMBER, "title": "", "day": None, "how": "", "endpoint": "", "args": {}}
    return None
