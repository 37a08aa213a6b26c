"""Claiming due messages: which rows are due, taking a chunk of them with a lease, and the
daily SMS budget the chunk is checked against."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, or_, select, update
from sqlalchemy.orm import Session

from notifications.models import DONE_OK, Channel, Message, RecipientKind, State
from notifications.policy import Policy


@dataclass
class Report:
    """What one dispatch run did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0
    suppressed: int = 0
    fallbacks: int = 0
    more: bool = False


@dataclass(frozen=True)
class Claimed:
    """A claimed row's values, copied out so the sending threads never touch the session."""

    id: int
    tenant_id: int
    rule: str
    recipient_kind: RecipientKind
    recipient_id: int
    recipient_name: str
    period: str
    channel: Channel
    address: str
    subject: str
    body: str
    params: dict[str, Any]
    fallback: dict[str, Any] | None
    urgent: bool
    attempts: int
    key: str
    replay: bool


def due(now: datetime) -> Any:
    """SQL: the row may be picked up now (due, or its lease has run out)."""
    return or_(*(and_(state, condition) for state, condition in due_parts(now)))


def due_parts(now: datetime) -> list[tuple[Any, Any]]:
    """The three ways a row is due, each served by the (tenant_id, state, next_attempt_at) index."""
    return [
        (Message.state == State.QUEUED, Message.next_attempt_at <= now),
        (Message.state == State.RETRYING, Message.next_attempt_at <= now),
        (Message.state == State.SENDING, Message.lease_until < now),
    ]


def claim(session: Session, tenant_id: int, now: datetime, limit: int, lease: float) -> list[Any]:
    """Mark up to limit due rows as ours (sending, with a lease) and return them, oldest first.

    The ids are picked first, then updated: PostgreSQL would re-run a LIMIT ... FOR UPDATE
    subquery inside the UPDATE for every row it changes (each pass skipping the rows just
    updated), claiming everything. There the pick takes row locks with SKIP LOCKED, so
    concurrent dispatchers take different rows without waiting; on SQLite the UPDATE re-checks
    that each row is still due, so of two dispatchers picking the same ids only one gets each.
    One state at a time: each pick is an ordered range scan of the index, not a sort of all.
    """
    token = uuid.uuid4().hex
    postgres = session.get_bind().dialect.name == "postgresql"
    claimed = 0
    for state, condition in due_parts(now):
        if claimed >= limit:
            break
        pick = (
            select(Message.id)
            .where(Message.tenant_id == tenant_id, state, condition)
            .order_by(Message.next_attempt_at, Message.id)
            .limit(limit - claimed)
        )
        if postgres:
            pick = pick.with_for_update(skip_locked=True)
        ids = list(session.scalars(pick))
        if not ids:
            continue
        done = session.execute(
            update(Message)
            .where(Message.id.in_(ids), state, condition)
            .values(
                state=State.SENDING,
                claim_token=token,
                lease_until=now + timedelta(seconds=lease),
                # the attempt is counted and keyed here, in the same write: the first claim
                # gives the message its key, and every later attempt reuses it
                attempts=Message.attempts + 1,
                send_key=func.coalesce(
                    Message.send_key, literal(key_prefix(token)) + cast(Message.id, String)
                ),
            )
            .execution_options(synchronize_session=False)
        )
        claimed += done.rowcount
    if not claimed:
        return []
    # plain rows, not ORM objects: what is written back goes as UPDATEs guarded by the token
    return list(
        session.execute(
            select(*CLAIMED_COLUMNS).where(Message.claim_token == token).order_by(Message.id)
        )
    )


@dataclass
class SmsBudget:
    """SMS gone out today, to check the daily caps: the township's total is counted once per
    run and kept up to date here (concurrent runs may overshoot it by a chunk, never by more);
    each number's count is read for the numbers of each chunk."""

    township: int | None = None

    def counts(
        self,
        session: Session,
        policy: Policy,
        now: datetime,
        addresses: set[str],
        exclude: list[int],
    ) -> dict[str, int]:
        """Per-number counts for addresses (and the township's, the first time)."""
        today = or_(
            and_(Message.state.in_(DONE_OK), Message.sent_at >= policy.day_start(now)),
            and_(Message.state == State.SENDING, Message.send_key.is_not(None)),
        )
        base = (Message.channel == Channel.SMS, today, Message.id.not_in(exclude))
        if self.township is None:
            self.township = session.scalar(select(func.count(Message.id)).where(*base)) or 0
        return dict(
            session.execute(
                select(Message.address, func.count(Message.id))
                .where(*base, Message.address.in_(addresses))
                .group_by(Message.address)
            ).all()
        )


CLAIMED_COLUMNS = (
    Message.id,
    Message.tenant_id,
    Message.rule,
    Message.recipient_kind,
    Message.recipient_id,
    Message.recipient_name,
    Message.period,
    Message.channel,
    Message.address,
    Message.subject,
    Message.body,
    Message.params,
    Message.fallback,
    Message.urgent,
    Message.attempts,
    Message.send_key,
    Message.claim_token,
)


def key_prefix(token: str) -> str:
    """A new key: the claim token that gave it (random), then the message id (unique)."""
    return token[:24] + "-"


def is_replay(row: Any) -> bool:
    """Has an earlier attempt gone out with the row's key (counted already in the day's caps)?"""
    return row.attempts > 1  # this claim's attempt is counted already


def release(session: Session, row: Any, **values: Any) -> None:
    """Give a claimed row back (held or suppressed) as if not attempted, if it is still ours;
    it keeps its key."""
    session.execute(
        update(Message)
        .where(Message.id == row.id, Message.claim_token == row.claim_token)
        .values(claim_token=None, lease_until=None, attempts=Message.attempts - 1, **values)
        .execution_options(synchronize_session=False)
    )


def renew(session: Session, token: str, until: datetime) -> None:
    """Extend the lease of the claim's rows still being sent (a chunk sent one at a time)."""
    session.execute(
        update(Message)
        .where(Message.claim_token == token, Message.state == State.SENDING)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )


def hold(session: Session, row: Any, until: datetime, reason: str) -> None:
    """Not now: back in the queue until then (quiet hours, a daily cap)."""
    release(session, row, state=State.QUEUED, next_attempt_at=until, reason=reason[:200])


def snapshot(
    message: Any, replay: bool, key: str | None = None, attempts: int | None = None
) -> Claimed:
    """The row's values for sending (key and attempts as they are about to be written)."""
    return Claimed(
        id=message.id,
        tenant_id=message.tenant_id,
        rule=message.rule,
        recipient_kind=message.recipient_kind,
        recipient_id=message.recipient_id,
        recipient_name=message.recipient_name,
        period=message.period,
        channel=message.channel,
        address=message.address,
        subject=message.subject,
        body=message.body,
        params=dict(message.params or {}),
        fallback=message.fallback,
        urgent=message.urgent,
        attempts=message.attempts if attempts is None else attempts,
        key=(message.send_key or "") if key is None else key,
        replay=replay,
    )
