"""Dispatch: claim due messages a chunk at a time, send them, record each outcome once.

A chunk is claimed, checked (quiet hours, daily caps, known-bad addresses) and given its
idempotency keys in one transaction; only then do the requests go out. Every outcome is written
guarded by the claim token, so an outcome arriving after another worker reclaimed the row
changes nothing. A worker that dies leaves its rows in "sending" with a lease; once the lease
passes they are due again and are retried with the keys they already had.

Providers that recognise a key (`Transport.idempotent`) are sent to concurrently, in a thread
pool, and their outcomes written in one transaction per chunk: a crash in between repeats
requests the provider ignores. The others (SMTP) cannot tell a repeat, so their messages go one
at a time from this thread, each outcome committed as soon as the server has answered and before
the next message is sent: a crash repeats at most the one message in flight.
"""

import functools
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from notifications import channels as channel_registry
from notifications.channels import Outcome, Outgoing, Result, Transport, sms_templates_setting
from notifications.claims import (
    Claimed,
    Report,
    SmsBudget,
    claim,
    due_parts,
    hold,
    is_replay,
    renew,
    snapshot,
)
from notifications.models import Channel, Message
from notifications.outcomes import record, record_all, suppress
from notifications.policy import Policy
from notifications.service import preferences_of
from notifications.templates import SmsTemplate
from tenants.db import utcnow
from tenants.models import Township

log = logging.getLogger(__name__)


@dataclass
class Channels:
    """The transports of one run, built when first needed and closed at the end."""

    config: Mapping[str, Any]
    built: dict[Channel, Transport] = field(default_factory=dict)

    def get(self, kind: Channel) -> Transport:
        if kind not in self.built:
            self.built[kind] = channel_registry.build(kind, self.config)
        return self.built[kind]

    def close(self) -> None:
        for transport in self.built.values():
            transport.close()


def prepare(
    session: Session,
    rows: list[Any],
    policy: Policy,
    now: datetime,
    report: Report,
    budget: SmsBudget | None = None,
) -> list[Claimed]:
    """Hold, suppress or ready each claimed row (in the claim's transaction); the ready ones."""
    budget = budget or SmsBudget()
    prefs = preferences_of(session, [(r.recipient_kind.value, r.recipient_id) for r in rows])
    sms = [r for r in rows if r.channel == Channel.SMS]
    per_number: dict[str, int] = {}
    if sms:
        per_number = budget.counts(
            session, policy, now, {r.address for r in sms}, [r.id for r in rows]
        )
    ready: list[Claimed] = []
    for row in rows:
        pref = prefs.get((row.recipient_kind.value, row.recipient_id))
        replay = is_replay(row)
        if row.channel == Channel.SMS:
            if pref is not None and pref.invalid_phone and pref.invalid_phone == row.address:
                suppress(session, row, "手机号已被短信服务商判定为无效，不再发送", now, report)
                continue
            if not row.urgent and policy.is_quiet(now):
                hold(
                    session,
                    row,
                    policy.quiet_over(now),
                    f"夜间免打扰（{policy.quiet_label}），届时再发",
                )
                report.held += 1
                continue
            if not replay and (
                (budget.township or 0) >= policy.sms_per_township_daily
                or per_number.get(row.address, 0) >= policy.sms_per_number_daily
            ):
                hold(session, row, policy.next_day(now), "已达今日短信上限，次日发送")
                report.held += 1
                continue
            if not replay:
                budget.township = (budget.township or 0) + 1
                per_number[row.address] = per_number.get(row.address, 0) + 1
        elif (
            row.channel == Channel.EMAIL and pref is not None and pref.invalid_email == row.address
        ):
            suppress(session, row, "电子邮箱已被判定为无效，不再发送", now, report)
            continue
        ready.append(snapshot(row, replay))
    return ready


def _outgoing(item: Claimed, sms: SmsTemplate | None, sign_name: str) -> Outgoing:
    return Outgoing(
        message_id=item.id,
        channel=item.channel,
        rule=item.rule,
        address=item.address,
        subject=item.subject,
        body=item.body,
        values=item.params,
        sms=sms,
        sign_name=sign_name,
        key=item.key,
    )


def _start_all(
    pool: ThreadPoolExecutor, lanes: int, transports: "Channels", outgoing: list[Outgoing]
) -> Callable[[], list[Result]]:
    """Start sending every message, `lanes` at a time: each thread works through its own share
    in turn (one task per thread, not per message: the hand-offs would cost more than the
    sends); the function returned waits for the results."""
    shares = [list(range(i, len(outgoing), lanes)) for i in range(min(lanes, len(outgoing)))]
    results: list[Result | None] = [None] * len(outgoing)

    def lane(indexes: list[int]) -> None:
        for i in indexes:
            message = outgoing[i]
            results[i] = _send_one(transports.get(message.channel), message)

    futures = [pool.submit(lane, share) for share in shares]

    def wait() -> list[Result]:
        for future in futures:
            future.result()
        return cast(list[Result], results)  # every lane filled its share, or raised above

    return wait


@dataclass
class InTurn:
    """Messages to providers that cannot recognise a repeat: sent one at a time, each outcome
    committed before the next send, the chunk's lease renewed while they take their time."""

    session: Session
    token: str
    policy: Policy
    moment: datetime
    report: Report
    started: float = field(default_factory=time.monotonic)

    def send(self, transports: "Channels", items: list[tuple[Claimed, Outgoing]]) -> None:
        renewed = self.started
        for item, message in items:
            result = _send_one(transports.get(message.channel), message)
            record(self.session, item, self.token, result, self.policy, self.moment, self.report)
            now = time.monotonic()
            if now - renewed > self.policy.lease / 3:
                elapsed = timedelta(seconds=now - self.started + self.policy.lease)
                renew(self.session, self.token, self.moment + elapsed)
                renewed = now
            self.session.commit()


def _send_one(transport: Transport, message: Outgoing) -> Result:
    try:
        return transport.send(message)
    except Exception as exc:  # a bug or an unexpected library error must not lose the batch
        log.exception("channel %s raised for message %s", transport.name, message.message_id)
        return Result(Outcome.TRANSIENT, transport.name, code=type(exc).__name__, definite=False)


def dispatch(
    session: Session,
    tenant_id: int,
    config: Mapping[str, Any],
    now: datetime | None = None,
    limit: int | None = None,
) -> Report:
    """Send up to limit due messages of one township (its scope must be set); report.more when
    there may be more due than one run takes."""
    township = session.get(Township, tenant_id)
    own = ((township.settings if township else None) or {}).get("notifications") or {}
    policy = Policy.for_township(config, township)
    limit = limit or policy.batch
    sms_templates = sms_templates_setting(config.get("SMS_TEMPLATES")) | (
        own.get("sms_templates") or {}
    )
    sign_name = own.get("sign_name") or ""

    @functools.cache
    def templates_by_rule(rule: str) -> SmsTemplate:
        return SmsTemplate.from_dict(sms_templates.get(rule))

    transports = Channels(config)
    report = Report()
    budget = SmsBudget()
    with ThreadPoolExecutor(max_workers=policy.concurrency) as pool:
        try:
            while report.claimed < limit:
                moment = now or utcnow()
                token_rows = claim(
                    session,
                    tenant_id,
                    moment,
                    min(policy.chunk, limit - report.claimed),
                    policy.lease,
                )
                if not token_rows:
                    break
                token = token_rows[0].claim_token or ""
                report.claimed += len(token_rows)
                ready = prepare(session, token_rows, policy, moment, report, budget)
                session.commit()
                pairs = [
                    (item, _outgoing(item, templates_by_rule(item.rule), sign_name))
                    for item in ready
                ]
                at_once = [p for p in pairs if transports.get(p[0].channel).idempotent]
                wait = _start_all(pool, policy.concurrency, transports, [o for _, o in at_once])
                in_turn = [p for p in pairs if not transports.get(p[0].channel).idempotent]
                InTurn(session, token, policy, moment, report).send(transports, in_turn)
                results = wait()
                record_all(
                    session,
                    [(item, r) for (item, _), r in zip(at_once, results, strict=True)],
                    token,
                    policy,
                    moment,
                    report,
                )
                session.commit()
        finally:
            transports.close()
    report.more = report.claimed >= limit
    return report


def due_townships(session: Session, now: datetime | None = None) -> list[int]:
    """Townships with messages to pick up now (run in the system scope: the sweep spans them).

    An EXISTS per township and way of being due: index probes, not a scan of the whole outbox.
    """
    now = now or utcnow()
    waiting = [
        exists().where(Message.tenant_id == Township.id, state, condition)
        for state, condition in due_parts(now)
    ]
    return list(session.scalars(select(Township.id).where(or_(*waiting)).order_by(Township.id)))
