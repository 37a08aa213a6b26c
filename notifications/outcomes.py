"""Writing what happened to a claimed message: sent, retry later, failed (with the fallback to
e-mail and the mark on a bad address), or suppressed; delivery receipts."""

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from notifications.channels import Outcome, Result
from notifications.claims import Claimed, Report, release, snapshot
from notifications.models import Channel, Message, State
from notifications.policy import Policy
from notifications.redact import mask_address
from notifications.service import insert_rows, mark_invalid
from tenants.db import utcnow

log = logging.getLogger(__name__)


def fall_back(session: Session, item: Claimed, now: datetime) -> bool:
    """Queue the e-mail copy of an SMS that cannot go; False when there is none (or it exists)."""
    fallback = item.fallback
    if not fallback or not fallback.get("address"):
        return False
    insert_rows(
        session,
        [
            {
                "tenant_id": item.tenant_id,
                "rule": item.rule,
                "recipient_kind": item.recipient_kind,
                "recipient_id": item.recipient_id,
                "recipient_name": item.recipient_name,
                "period": item.period,
                "channel": Channel.EMAIL,
                "address": fallback["address"],
                "subject": fallback.get("subject", ""),
                "body": fallback.get("body", ""),
                "params": item.params,
                "fallback": None,
                "urgent": item.urgent,
                "state": State.QUEUED,
                "reason": "短信无法送达，改发电子邮件",
                "error_code": "",
                "provider": "",
                "provider_ref": "",
                "attempts": 0,
                "next_attempt_at": now,
                "fallback_of_id": item.id,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    # whether this insert made it: an e-mail of the same reminder may exist already
    made = select(Message.id).where(
        Message.fallback_of_id == item.id, Message.channel == Channel.EMAIL
    )
    return session.scalar(made) is not None


def suppress(session: Session, row: Any, reason: str, now: datetime, report: Report) -> None:
    """Never send this one (a known-bad address); an SMS falls back to e-mail."""
    release(session, row, state=State.SUPPRESSED, reason=reason[:200])
    report.suppressed += 1
    if row.channel == Channel.SMS and fall_back(session, snapshot(row, False), now):
        report.fallbacks += 1


def _finish(session: Session, item: Claimed, token: str, **values: Any) -> bool:
    """Write an outcome only if the row is still ours: idempotent against late or double writes."""
    values.setdefault("claim_token", None)
    values.setdefault("lease_until", None)
    done = session.execute(
        update(Message)
        .where(Message.id == item.id, Message.claim_token == token, Message.state == State.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def _success_values(result: Result, now: datetime) -> dict[str, Any] | None:
    """The row's values when the result means it went (None when it did not). The key is the
    message's own for its whole life: a provider that knows it took an earlier attempt."""
    if result.outcome == Outcome.DUPLICATE:
        reason = "服务商已受理过此前的同一请求，未重复发送"
        return {"state": State.SENT, "reason": reason, "provider_ref": None}
    if result.outcome == Outcome.SENT:
        return {"state": State.SENT, "reason": "", "provider_ref": result.ref[:64]}
    if result.outcome == Outcome.DELIVERED:
        return {
            "state": State.DELIVERED,
            "reason": "",
            "provider_ref": result.ref[:64],
            "delivered_at": now,
        }
    return None


def record(
    session: Session,
    item: Claimed,
    token: str,
    result: Result,
    policy: Policy,
    now: datetime,
    report: Report,
) -> None:
    """Write one outcome: sent, retry later, or failed (with the fallback and the bad address).

    The message keeps its idempotency key through every retry, whatever the answer was (a 5xx or
    a timeout does not prove the message did not go); only a definite refusal of the content
    (PERMANENT) ends the message and its key, so a resend after a correction starts afresh.
    """
    outcome = result.outcome
    base = {"provider": result.provider, "error_code": result.code[:64]}
    went = _success_values(result, now)
    if went is not None:
        ref = went.pop("provider_ref")
        values = dict(base, **went, sent_at=now)
        if ref is not None:
            values["provider_ref"] = ref
        if _finish(session, item, token, **values):
            report.sent += 1
        return
    detail = (result.detail or result.code)[:150]
    if outcome == Outcome.TRANSIENT and item.attempts < policy.max_attempts:
        wait = policy.backoff(item.attempts)
        if result.retry_after:
            wait = max(wait, timedelta(seconds=result.retry_after))
        if _finish(
            session,
            item,
            token,
            **base,
            state=State.RETRYING,
            next_attempt_at=now + wait,
            reason=f"暂时失败（第{item.attempts}次）：{detail}"[:200],
        ):
            report.retrying += 1
        return
    refused = outcome == Outcome.PERMANENT
    reason = detail if refused else f"重试{item.attempts}次仍失败：{detail}"
    # given up after transient failures, the last attempt may still have gone: a resend keeps
    # the key, so the provider can recognise it
    key = None if refused else item.key
    if not _finish(
        session, item, token, **base, state=State.FAILED, send_key=key, reason=reason[:200]
    ):
        return
    report.failed += 1
    log.warning("message %s to %s failed: %s", item.id, mask_address(item.address), result.code)
    if result.address_invalid:
        mark_invalid(
            session,
            item.tenant_id,
            (item.recipient_kind, item.recipient_id),
            item.channel,
            item.address,
            f"{result.provider} {result.code}",
        )
    if item.channel == Channel.SMS and fall_back(session, item, now):
        report.fallbacks += 1


def record_all(
    session: Session,
    outcomes: list[tuple[Claimed, Result]],
    token: str,
    policy: Policy,
    now: datetime,
    report: Report,
) -> None:
    """Write a chunk's outcomes: the messages that went in one UPDATE per kind of success (one
    round trip instead of one per message), the others one by one."""
    groups: dict[tuple[Any, ...], dict[int, str | None]] = {}
    for item, result in outcomes:
        values = _success_values(result, now)
        if values is None:
            record(session, item, token, result, policy, now, report)
            continue
        ref = values.pop("provider_ref")
        key = (result.provider, result.code[:64], *sorted(values.items()))
        groups.setdefault(key, {})[item.id] = ref
    for (provider, code, *pairs), refs in groups.items():
        values = dict(pairs)
        given = {i: r for i, r in refs.items() if r is not None}
        if given:
            values["provider_ref"] = case(given, value=Message.id, else_=Message.provider_ref)
        done = session.execute(
            update(Message)
            .where(
                Message.id.in_(list(refs)),
                Message.claim_token == token,
                Message.state == State.SENDING,
            )
            .values(
                **values,
                provider=provider,
                error_code=code,
                sent_at=now,
                claim_token=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        report.sent += done.rowcount


def apply_receipt(
    session: Session,
    provider: str,
    ref: str,
    delivered: bool,
    code: str = "",
    now: datetime | None = None,
) -> Message | None:
    """A provider's delivery receipt for the message with this reference (None if none)."""
    message = session.scalar(
        select(Message).where(Message.provider == provider, Message.provider_ref == ref)
    )
    if message is not None:
        mark_delivery(message, delivered, code, now)
    return message


def mark_delivery(
    message: Message, delivered: bool, code: str = "", now: datetime | None = None
) -> bool:
    """Sent -> delivered, or -> failed with the provider's code; False when it was not sent."""
    if message.state != State.SENT:
        return False
    if delivered:
        message.state = State.DELIVERED
        message.delivered_at = now or utcnow()
    else:
        message.state = State.FAILED
        message.error_code = code[:64]
        message.reason = f"服务商回执：未送达（{code}）"[:200]
    return True
