"""Reading the delivery log: filtered lists, failure counts and queue depth, a recipient's inbox."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from notifications.models import DONE_OK, Channel, Message, RecipientKind, State
from notifications.policy import zone
from tenants.db import utcnow


@dataclass
class LogFilters:
    """What the officer asked for; every field optional."""

    rule: str = ""
    state: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    timezone: str = "Asia/Shanghai"


def _local_start(day: date, tz: str) -> datetime:
    """Local midnight of day, in UTC (the database keeps UTC)."""
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def delivery_log(f: LogFilters) -> Select[tuple[Message]]:
    """Messages in scope, newest first, filtered."""
    stmt = select(Message)
    if f.rule:
        stmt = stmt.where(Message.rule == f.rule)
    if f.state in {s.value for s in State}:
        stmt = stmt.where(Message.state == State(f.state))
    if f.channel in {c.value for c in Channel}:
        stmt = stmt.where(Message.channel == Channel(f.channel))
    if f.date_from:
        stmt = stmt.where(Message.created_at >= _local_start(f.date_from, f.timezone))
    if f.date_to:
        stmt = stmt.where(
            Message.created_at < _local_start(f.date_to + timedelta(days=1), f.timezone)
        )
    if f.q.strip():
        stmt = stmt.where(Message.recipient_name.contains(f.q.strip()))
    return stmt.order_by(Message.created_at.desc(), Message.id.desc())


@dataclass(frozen=True)
class Stats:
    """Queue depth and failures, for the operator's view."""

    queued: int
    due_now: int
    held: int
    retrying: int
    sending: int
    failed_today: int
    failed_week: int
    failed_total: int
    sent_today: int
    suppressed_week: int

    @property
    def queue_depth(self) -> int:
        return self.queued + self.retrying + self.sending

    def as_dict(self) -> dict[str, int]:
        """JSON-ready counts."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["queue_depth"] = self.queue_depth
        return out


def stats(session: Session, tz: str, now: datetime | None = None) -> Stats:
    """Counts of the township in scope, in one query."""
    now = now or utcnow()
    today = _local_start(now.astimezone(zone(tz)).date(), tz)
    week = today - timedelta(days=6)
    failed = Message.state == State.FAILED

    def count(*conditions: Any) -> Any:
        return func.count(Message.id).filter(and_(*conditions))

    row = session.execute(
        select(
            count(Message.state == State.QUEUED),
            count(Message.state == State.QUEUED, Message.next_attempt_at <= now),
            count(Message.state == State.QUEUED, Message.next_attempt_at > now),
            count(Message.state == State.RETRYING),
            count(Message.state == State.SENDING),
            count(failed, Message.updated_at >= today),
            count(failed, Message.updated_at >= week),
            count(failed),
            count(Message.state.in_(DONE_OK), Message.sent_at >= today),
            count(Message.state == State.SUPPRESSED, Message.created_at >= week),
        )
        # select_from names the entity: the tenant guard does not see it inside FILTER alone
        .select_from(Message)
    ).one()
    return Stats(*(int(v or 0) for v in row))


def rules_in_log(session: Session) -> list[str]:
    """Rule keys that appear in the township's log (for the filter)."""
    return sorted(session.scalars(select(Message.rule).distinct()))


def inbox(member_id: int | None, user_id: int) -> Select[tuple[Message]]:
    """In-app messages for a user (and the member they are), newest first."""
    mine = and_(Message.recipient_kind == RecipientKind.USER, Message.recipient_id == user_id)
    if member_id is not None:
        mine = or_(
            mine,
            and_(Message.recipient_kind == RecipientKind.MEMBER, Message.recipient_id == member_id),
        )
    return (
        select(Message)
        .where(mine, Message.channel == Channel.INAPP, Message.state.in_(DONE_OK))
        .order_by(Message.created_at.desc(), Message.id.desc())
    )


def unread_count(session: Session, member_id: int | None, user_id: int) -> int:
    """How many in-app messages the user has not read."""
    stmt = inbox(member_id, user_id).where(Message.read_at.is_(None)).order_by(None)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
