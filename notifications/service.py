"""notify(): reminder rows written in the caller's transaction; choices; reopening for a resend.

notify() only adds rows; the caller commits them with the change that gave them their reason and
asks for a dispatch after the commit (webapp.reminders does both). The unique key (rule,
recipient, period, channel) makes a second notify() of the same reminder a no-op.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from notifications.models import Channel, Message, Preference, RecipientKind, State
from notifications.templates import MessageTemplate
from tenants.db import utcnow

PHONE_RE = re.compile(r"^(\+86)?1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHUNK = 1000
UNIQUE = ["rule", "recipient_kind", "recipient_id", "period", "channel"]
DECLINED = "本人已选择不接收非必要提醒"


@dataclass(frozen=True)
class Recipient:
    """Who gets a reminder and how they can be reached."""

    kind: RecipientKind
    id: int
    name: str
    phone: str = ""
    email: str = ""
    has_inbox: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind.value, self.id)


@dataclass(frozen=True)
class Notice:
    """One reminder for one recipient and period, before a channel is chosen."""

    rule: str
    period: str
    recipient: Recipient
    templates: Mapping[Channel, MessageTemplate]
    values: Mapping[str, Any]
    channels: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL, Channel.INAPP)
    urgent: bool = False
    essential: bool = True


def preferences_of(
    session: Session, keys: Iterable[tuple[str, int]] | None = None
) -> dict[tuple[str, int], Preference]:
    """Preferences in scope by (kind, id); all of them when keys is None."""
    stmt = select(Preference)
    if keys is not None:
        wanted = list(set(keys))
        if not wanted:
            return {}
        if len(wanted) <= 500:
            stmt = stmt.where(
                tuple_(Preference.recipient_kind, Preference.recipient_id).in_(wanted)
            )
    found = {(p.recipient_kind.value, p.recipient_id): p for p in session.scalars(stmt)}
    return found if keys is None else {k: found[k] for k in wanted if k in found}


def address_problem(channel: Channel, recipient: Recipient, pref: Preference | None) -> str | None:
    """Why channel cannot reach recipient, or None when it can."""
    if channel == Channel.SMS:
        if not recipient.phone:
            return "未登记手机号"
        if not PHONE_RE.match(recipient.phone):
            return "手机号格式不正确"
        if pref is not None and pref.invalid_phone and pref.invalid_phone == recipient.phone:
            return "手机号已被短信服务商判定为无效"
    elif channel == Channel.EMAIL:
        if not recipient.email:
            return "未登记电子邮箱"
        if not EMAIL_RE.match(recipient.email):
            return "电子邮箱格式不正确"
        if pref is not None and pref.invalid_email and pref.invalid_email == recipient.email:
            return "电子邮箱已被邮件服务器判定为无效"
    elif not recipient.has_inbox:
        return "没有系统账号，无法接收站内消息"
    return None


def _order(notice: Notice, pref: Preference | None) -> list[Channel]:
    order = list(notice.channels)
    if pref is not None and pref.channel in order:
        order.remove(pref.channel)
        order.insert(0, pref.channel)
    return order


def _row(notice: Notice, tenant_id: int, pref: Preference | None, now: datetime) -> dict[str, Any]:
    """The message row for notice: the first channel that can reach the recipient, or a
    suppressed row on the preferred channel that says why none can."""
    recipient, order = notice.recipient, _order(notice, pref)
    problems = {c: address_problem(c, recipient, pref) for c in order}
    usable = [c for c in order if problems[c] is None]
    channel = usable[0] if usable else order[0]
    state, reason = State.QUEUED, ""
    if not usable:
        state = State.SUPPRESSED
        reason = "；".join(f"{c.value}: {problems[c]}" for c in order)[:200]
    elif not notice.essential and pref is not None and pref.declines_optional:
        state, reason = State.SUPPRESSED, DECLINED
    template = notice.templates.get(channel) or next(iter(notice.templates.values()))
    subject, body = template.render(notice.values)
    fallback = None
    if channel == Channel.SMS and Channel.EMAIL in usable and Channel.EMAIL in notice.templates:
        fb_subject, fb_body = notice.templates[Channel.EMAIL].render(notice.values)
        fallback = {"address": recipient.email, "subject": fb_subject, "body": fb_body}
    address = {Channel.SMS: recipient.phone, Channel.EMAIL: recipient.email}.get(channel, "")
    return {
        "tenant_id": tenant_id,
        "rule": notice.rule,
        "recipient_kind": recipient.kind,
        "recipient_id": recipient.id,
        "recipient_name": recipient.name[:64],
        "period": notice.period,
        "channel": channel,
        "address": address[:120],
        "subject": subject[:200],
        "body": body,
        "params": {k: str(v) for k, v in notice.values.items()},
        "fallback": fallback,
        "urgent": notice.urgent,
        "state": state,
        "reason": reason,
        "error_code": "",
        "provider": "",
        "provider_ref": "",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def _insert_once(session: Session) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for this session's database.

    On the table, not the mapped class, and without RETURNING: the rows then go as one prepared
    statement executed many times, several times faster than the multi-row VALUES form RETURNING
    needs (what is new is counted instead, in notify()).
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(Message.__table__).on_conflict_do_nothing(index_elements=UNIQUE)


def insert_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows that do not exist yet (by the unique key); the others are left alone."""
    for start in range(0, len(rows), CHUNK):
        session.execute(_insert_once(session), list(rows[start : start + CHUNK]))


def queued_count(session: Session, rules: Iterable[str]) -> int:
    """Rows of these rules in scope (before and after an insert: how many were new)."""
    return session.scalar(select(func.count(Message.id)).where(Message.rule.in_(list(rules)))) or 0


def rows_for(
    session: Session, tenant_id: int, notices: Sequence[Notice], now: datetime
) -> list[dict[str, Any]]:
    """The message rows notices would become (channel chosen, text rendered); nothing written."""
    prefs = preferences_of(session, [n.recipient.key for n in notices])
    return [_row(n, tenant_id, prefs.get(n.recipient.key), now) for n in notices]


def existing_keys(session: Session, rules: Iterable[str]) -> set[tuple[Any, ...]]:
    """The unique keys (rule, recipient kind and id, period, channel) already in the outbox."""
    stmt = select(*(getattr(Message, c) for c in UNIQUE)).where(Message.rule.in_(list(rules)))
    return {tuple(row) for row in session.execute(stmt)}


def row_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row's unique key, comparable with existing_keys()."""
    return tuple(row[c] for c in UNIQUE)


def notify(
    session: Session, tenant_id: int, notices: Sequence[Notice], now: datetime | None = None
) -> int:
    """Add a row per notice not queued before; how many were new. The caller commits, then asks
    for a dispatch."""
    if not notices:
        return 0
    now = now or utcnow()
    rows = rows_for(session, tenant_id, notices, now)
    for notice in notices:
        phone = notice.recipient.phone
        if phone and not PHONE_RE.match(phone) and Channel.SMS in notice.channels:
            mark_invalid(
                session, tenant_id, notice.recipient, Channel.SMS, phone, "手机号格式不正确"
            )
    rules = {n.rule for n in notices}
    before = queued_count(session, rules)
    insert_rows(session, rows)
    return queued_count(session, rules) - before


def preference_for(session: Session, tenant_id: int, kind: RecipientKind, ident: int) -> Preference:
    """The recipient's preference row, created (unsaved until the caller commits) if missing."""
    pref = session.scalar(
        select(Preference).where(
            Preference.recipient_kind == kind, Preference.recipient_id == ident
        )
    )
    if pref is None:
        pref = Preference(tenant_id=tenant_id, recipient_kind=kind, recipient_id=ident)
        try:
            with session.begin_nested():
                session.add(pref)
        except IntegrityError:  # created meanwhile by another worker
            pref = session.scalars(
                select(Preference).where(
                    Preference.recipient_kind == kind, Preference.recipient_id == ident
                )
            ).one()
    return pref


def mark_invalid(
    session: Session,
    tenant_id: int,
    recipient: Recipient | tuple[RecipientKind, int],
    channel: Channel,
    address: str,
    reason: str,
) -> None:
    """Remember that address does not work, so later messages to it are suppressed."""
    kind, ident = (recipient.kind, recipient.id) if isinstance(recipient, Recipient) else recipient
    pref = preference_for(session, tenant_id, kind, ident)
    if channel == Channel.SMS:
        pref.invalid_phone = address[:20]
    elif channel == Channel.EMAIL:
        pref.invalid_email = address[:120]
    pref.invalid_reason = reason[:200]


def set_preference(
    session: Session,
    tenant_id: int,
    kind: RecipientKind,
    ident: int,
    channel: Channel | None,
    declines_optional: bool,
    clear_invalid: bool = False,
) -> Preference:
    """Record a recipient's choice (the caller audits and commits)."""
    pref = preference_for(session, tenant_id, kind, ident)
    pref.channel = channel
    pref.declines_optional = declines_optional
    if clear_invalid:
        pref.invalid_phone = pref.invalid_email = pref.invalid_reason = ""
    return pref


def reopen(
    session: Session, message: Message, address: str | None, now: datetime | None = None
) -> Message:
    """Queue a failed or suppressed message again, to address when given (a corrected number).

    To the same address it keeps its idempotency key (kept only when the last attempt may have
    gone): the provider recognises it instead of sending it again. A new address is a new message.
    """
    now = now or utcnow()
    if address is not None and address != message.address:
        message.address = address[:120]
        message.send_key = None
    message.state = State.QUEUED
    message.attempts = 0
    message.next_attempt_at = now
    message.claim_token = None
    message.lease_until = None
    message.reason = "已重新排队发送"
    message.error_code = ""
    return message


def mark_read(session: Session, messages: Iterable[Message], now: datetime | None = None) -> int:
    """Mark in-app messages read; how many were unread."""
    count = 0
    for message in messages:
        if message.read_at is None:
            message.read_at = now or utcnow()
            count += 1
    return count
