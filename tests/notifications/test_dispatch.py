"""The outbox on the real database: queued once, sent once, held at night, capped, retried,
failed over to e-mail, reclaimed after a crash; against the fake SMS gateway and a real SMTP server."""

import logging
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from notifications.claims import Report as DispatchReport
from notifications.claims import claim
from notifications.dispatch import dispatch, prepare
from notifications.models import Channel, Message, Preference, RecipientKind, State
from notifications.policy import Policy
from notifications.service import DECLINED, Notice, Recipient, notify, set_preference
from notifications.templates import MessageTemplate
from tenants.context import tenant_context
from tenants.models import Township
from tests.factories import make_county, make_township
from tests.notifications.conftest import DAYTIME, mail_config, sms_config
from webapp.extensions import db

TEMPLATES = {
    Channel.SMS: MessageTemplate("", "${name}同志：请于${date}前报告去向。"),
    Channel.EMAIL: MessageTemplate("请报告去向", "${name}同志：\n请于${date}前报告去向。"),
    Channel.INAPP: MessageTemplate("请报告去向", "${name}同志：请于${date}前报告去向。"),
}


def person(phone: str = "", email: str = "", inbox: bool = False, name: str = "张三") -> Recipient:
    return Recipient(RecipientKind.MEMBER, random.randrange(10**9), name, phone, email, inbox)


def utc(value: datetime) -> datetime:
    """A time read back from the database, as aware UTC (SQLite returns it naive)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def phone_number() -> str:
    return "139" + f"{random.randrange(10**8):08d}"


def notice(recipient: Recipient, period: str = "2026-03-01", **kw) -> Notice:
    return Notice(
        rule=kw.pop("rule", "test.rule"),
        period=period,
        recipient=recipient,
        templates=TEMPLATES,
        values={"name": recipient.name, "date": "2026-03-01"},
        **kw,
    )


@pytest.fixture()
def township(app) -> Township:
    with app.app_context():
        return make_township(make_county())


def queue(app, township: Township, notices: list[Notice], now: datetime = DAYTIME) -> int:
    with app.app_context(), tenant_context(township.id):
        try:
            new = notify(db.session, township.id, notices, now)
            db.session.commit()
            return new
        finally:
            db.session.remove()


def run(app, township: Township, config: dict, now: datetime = DAYTIME) -> DispatchReport:
    with app.app_context(), tenant_context(township.id):
        try:
            return dispatch(db.session, township.id, config, now)
        finally:
            db.session.remove()


def rows(app, township: Township) -> list[Message]:
    with app.app_context(), tenant_context(township.id):
        try:
            return list(db.session.scalars(select(Message).order_by(Message.id)))
        finally:
            db.session.remove()


def settings(app, township: Township, **values) -> None:
    from tenants.context import system_context_unsafe

    with app.app_context(), system_context_unsafe():
        row = db.session.get(Township, township.id)
        row.settings = {**(row.settings or {}), "notifications": values}
        db.session.commit()
        db.session.remove()


# -- queued once --------------------------------------------------------------------------------


def test_the_same_reminder_is_queued_once(app, township) -> None:
    people = [person(phone_number()) for _ in range(5)]
    first = queue(app, township, [notice(p) for p in people])
    again = queue(app, township, [notice(p) for p in people])
    assert (first, again) == (5, 0)
    other_period = queue(app, township, [notice(people[0], period="2026-04-01")])
    assert other_period == 1
    assert len(rows(app, township)) == 6


def test_channel_choice_declining_and_bad_numbers(app, township) -> None:
    sms, mail_only, nothing = person(phone_number()), person(email="li@example.org"), person()
    wants_mail = person(phone_number(), "wang@example.org")
    declines, bad_number = person(phone_number()), person("12345", "zhao@example.org")
    with app.app_context(), tenant_context(township.id):
        set_preference(
            db.session, township.id, RecipientKind.MEMBER, wants_mail.id, Channel.EMAIL, False
        )
        set_preference(db.session, township.id, RecipientKind.MEMBER, declines.id, None, True)
        db.session.commit()
        db.session.remove()
    queue(
        app,
        township,
        [notice(p) for p in (sms, mail_only, nothing, wants_mail, bad_number)]
        + [notice(declines, essential=False), notice(declines, period="essential", essential=True)],
    )
    by_id = {}
    for m in rows(app, township):
        by_id.setdefault(m.recipient_id, []).append(m)
    assert by_id[sms.id][0].channel == Channel.SMS and by_id[sms.id][0].state == State.QUEUED
    assert by_id[mail_only.id][0].channel == Channel.EMAIL
    none = by_id[nothing.id][0]
    assert none.state == State.SUPPRESSED and "未登记手机号" in none.reason
    assert by_id[wants_mail.id][0].channel == Channel.EMAIL
    declined, essential = by_id[declines.id]
    assert (declined.state, declined.reason) == (State.SUPPRESSED, DECLINED)
    assert essential.state == State.QUEUED
    # a malformed number: marked on the member's preferences, and the e-mail used instead
    assert by_id[bad_number.id][0].channel == Channel.EMAIL
    with app.app_context(), tenant_context(township.id):
        pref = db.session.scalar(select(Preference).where(Preference.recipient_id == bad_number.id))
        assert pref.invalid_phone == "12345" and "格式" in pref.invalid_reason
        db.session.remove()


# -- sent once ----------------------------------------------------------------------------------


def test_dispatch_sends_each_message_once(app, township, gateway) -> None:
    people = [person(phone_number()) for _ in range(12)]
    queue(app, township, [notice(p) for p in people])
    config = sms_config(gateway, "aliyun")
    report = run(app, township, config)
    assert report.sent == 12 and report.claimed == 12
    assert run(app, township, config).claimed == 0
    assert sorted(gateway.per_phone().values()) == [1] * 12
    for m in rows(app, township):
        assert m.state == State.SENT and m.provider == "aliyun" and m.provider_ref
        assert m.sent_at is not None and m.send_key and m.claim_token is None
    nonces = [r["params"]["SignatureNonce"] for r in gateway.requests]
    assert sorted(nonces) == sorted(m.send_key for m in rows(app, township))


def test_concurrent_dispatchers_send_each_message_once(app, township, gateway) -> None:
    gateway.delay = 0.01
    people = [person(phone_number()) for _ in range(40)]
    queue(app, township, [notice(p) for p in people])
    config = sms_config(gateway, "aliyun", NOTIFY_CONCURRENCY=3)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            run(app, township, config)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert gateway.count() == 40 and set(gateway.per_phone().values()) == {1}
    assert {m.state for m in rows(app, township)} == {State.SENT}


# -- quiet hours --------------------------------------------------------------------------------


def test_quiet_hours_hold_sms_and_release_them_in_the_morning(app, township, gateway) -> None:
    night = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    sms, urgent, mail = (
        person(phone_number()),
        person(phone_number()),
        person(email="a@example.org"),
    )
    queue(app, township, [notice(sms), notice(urgent, urgent=True), notice(mail)], now=night)
    config = sms_config(gateway, "aliyun")
    report = run(app, township, config, night)
    assert report.held == 1 and report.sent == 2  # the urgent SMS and the e-mail go at night
    held = next(m for m in rows(app, township) if m.recipient_id == sms.id)
    assert held.state == State.QUEUED and "免打扰" in held.reason
    morning = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert utc(held.next_attempt_at) == morning
    assert gateway.count(sms.phone) == 0
    assert run(app, township, config, morning - timedelta(minutes=1)).claimed == 0
    assert run(app, township, config, morning + timedelta(minutes=1)).sent == 1
    assert gateway.count(sms.phone) == 1


def test_quiet_hours_follow_the_township(app, township, gateway) -> None:
    settings(app, township, quiet_hours="22:00-07:00")
    sms = person(phone_number())
    at_2130 = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)
    queue(app, township, [notice(sms)], now=at_2130)
    assert run(app, township, sms_config(gateway, "aliyun"), at_2130).sent == 1


# -- caps and provider limits -------------------------------------------------------------------


def test_daily_cap_per_number_holds_the_rest_until_tomorrow(app, township, gateway) -> None:
    settings(app, township, sms_per_number_daily=2)
    someone = person(phone_number())
    queue(app, township, [notice(someone, period=f"p{i}") for i in range(3)])
    config = sms_config(gateway, "aliyun")
    report = run(app, township, config)
    assert (report.sent, report.held) == (2, 1)
    held = [m for m in rows(app, township) if m.state == State.QUEUED]
    assert len(held) == 1 and "上限" in held[0].reason
    tomorrow = DAYTIME + timedelta(days=1)
    assert run(app, township, config, tomorrow).sent == 1
    assert gateway.count(someone.phone) == 3


def test_daily_cap_per_township(app, township, gateway) -> None:
    settings(app, township, sms_per_township_daily=3)
    queue(app, township, [notice(person(phone_number())) for _ in range(5)])
    report = run(app, township, sms_config(gateway, "aliyun"))
    assert (report.sent, report.held) == (3, 2)


def test_provider_rate_limit_answer_is_retried_after_the_window(app, township, gateway) -> None:
    gateway.daily_limit = 1
    someone = person(phone_number())
    queue(app, township, [notice(someone, period="a"), notice(someone, period="b")])
    report = run(app, township, sms_config(gateway, "aliyun"))
    assert (report.sent, report.retrying) == (1, 1)
    limited = next(m for m in rows(app, township) if m.state == State.RETRYING)
    assert limited.error_code == "isv.BUSINESS_LIMIT_CONTROL"
    assert utc(limited.next_attempt_at) >= DAYTIME + timedelta(hours=24)


# -- failures, fallback, bad addresses ----------------------------------------------------------


def test_permanent_sms_failure_falls_back_to_email(app, township, gateway, smtp) -> None:
    someone = person(phone_number(), "zhang@example.org")
    gateway.script(someone.phone, "invalid")
    queue(app, township, [notice(someone)])
    config = sms_config(gateway, "aliyun") | mail_config(smtp)
    report = run(app, township, config)
    assert (report.failed, report.fallbacks, report.sent) == (1, 1, 1)
    failed, mail = rows(app, township)
    assert failed.state == State.FAILED and failed.error_code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert (
        mail.channel == Channel.EMAIL
        and mail.state == State.SENT
        and mail.fallback_of_id == failed.id
    )
    (received,) = smtp.messages
    assert received["to"] == ["zhang@example.org"] and received["subject"] == "请报告去向"
    # the number is marked: the next reminder goes by e-mail straight away, never to the gateway
    queue(app, township, [notice(someone, period="next")])
    newest = rows(app, township)[-1]
    assert newest.channel == Channel.EMAIL
    assert len(gateway.requests) == 1


def test_a_number_marked_invalid_is_suppressed_not_retried(app, township, gateway) -> None:
    someone = person(phone_number())
    gateway.script(someone.phone, "invalid")
    queue(app, township, [notice(someone)])
    run(app, township, sms_config(gateway, "aliyun"))
    # queued before the mark existed (say by another rule): suppressed at dispatch, not sent
    with app.app_context(), tenant_context(township.id):
        db.session.add(
            Message(
                tenant_id=township.id,
                rule="other.rule",
                recipient_kind=RecipientKind.MEMBER,
                recipient_id=someone.id,
                period="x",
                channel=Channel.SMS,
                address=someone.phone,
                body="text",
                next_attempt_at=DAYTIME,
            )
        )
        db.session.commit()
        db.session.remove()
    report = run(app, township, sms_config(gateway, "aliyun"))
    assert report.suppressed == 1 and len(gateway.requests) == 1
    assert rows(app, township)[-1].state == State.SUPPRESSED


def test_invalid_email_is_marked_and_later_mail_suppressed(app, township, smtp) -> None:
    smtp.mailbox.refuse = {"gone@example.org": "550 5.1.1 user unknown"}
    someone = person(email="gone@example.org")
    queue(app, township, [notice(someone)])
    report = run(app, township, mail_config(smtp))
    assert report.failed == 1
    queue(app, township, [notice(someone, period="later")])
    later = rows(app, township)[-1]
    assert later.state == State.SUPPRESSED and "电子邮箱" in later.reason
    assert smtp.messages == []


def test_transient_failures_back_off_then_fail_and_fall_back(app, township, gateway, smtp) -> None:
    # the generic gateway: its 503 takes nothing (Aliyun would answer the reused nonce instead)
    someone = person(phone_number(), "busy@example.org")
    gateway.script(someone.phone, *["busy"] * 4)
    queue(app, township, [notice(someone)])
    config = sms_config(gateway, "http", NOTIFY_MAX_ATTEMPTS=4) | mail_config(smtp)
    now, waits = DAYTIME, []
    for _ in range(3):
        run(app, township, config, now)
        (msg,) = [m for m in rows(app, township) if m.channel == Channel.SMS]
        assert msg.state == State.RETRYING and msg.error_code == "unavailable"
        waits.append((utc(msg.next_attempt_at) - now).total_seconds())
        now = utc(msg.next_attempt_at)
    assert waits == [60, 120, 240]
    report = run(app, township, config, now)
    assert report.failed == 1 and report.fallbacks == 1
    sms, mail = rows(app, township)
    assert sms.state == State.FAILED and "重试4次" in sms.reason and sms.attempts == 4
    assert mail.state == State.SENT and len(smtp.messages) == 1
    # one key for all four attempts, kept on the failed row (the last 503 may have hidden a send)
    keys = [r["payload"]["idempotency_key"] for r in gateway.requests]
    assert keys == [sms.send_key] * 4


def test_timeout_is_retried_with_the_same_key_and_sent_once(app, township, gateway, caplog) -> None:
    caplog.set_level(logging.WARNING)
    someone = person(phone_number())
    gateway.script(someone.phone, ("sleep", 1.0))  # the gateway takes it, but answers too late
    queue(app, township, [notice(someone)])
    config = sms_config(gateway, "aliyun", SMS_TIMEOUT=0.3)
    assert run(app, township, config).retrying == 1
    (msg,) = rows(app, township)
    assert msg.state == State.RETRYING and msg.send_key and msg.error_code == "timeout"
    key = msg.send_key
    deadline = time.monotonic() + 5  # the gateway finishes the slow request in its own time
    while gateway.count(someone.phone) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    report = run(app, township, config, utc(msg.next_attempt_at))
    assert report.sent == 1
    (msg,) = rows(app, township)
    assert msg.state == State.SENT and "未重复发送" in msg.reason
    assert gateway.count(someone.phone) == 1
    assert [r["params"]["SignatureNonce"] for r in gateway.requests] == [key, key]
    assert someone.phone not in caplog.text


def test_unparseable_answer_is_retried_and_the_log_masks_the_number(
    app, township, gateway, caplog
) -> None:
    caplog.set_level(logging.WARNING)
    someone = person(phone_number())
    gateway.script(someone.phone, "garbage")  # the generic gateway's 502 page takes nothing
    queue(app, township, [notice(someone)])
    config = sms_config(gateway, "http")
    assert run(app, township, config).retrying == 1
    (msg,) = rows(app, township)
    assert msg.error_code == "unparseable" and someone.phone not in msg.reason
    assert run(app, township, config, utc(msg.next_attempt_at)).sent == 1
    assert someone.phone not in caplog.text and gateway.count(someone.phone) == 1


# -- a worker that died -------------------------------------------------------------------------


def _claim_and_die(app, township: Township, config: dict, send: bool) -> None:
    """Claim a chunk and prepare it like dispatch() does, optionally send it, never record."""
    from notifications.channels import Outgoing, build
    from notifications.templates import SmsTemplate

    with app.app_context(), tenant_context(township.id):
        try:
            policy = Policy.for_township(config, db.session.get(Township, township.id))
            claimed = claim(db.session, township.id, DAYTIME, 10, policy.lease)
            ready = prepare(db.session, claimed, policy, DAYTIME, DispatchReport())
            db.session.commit()
            if send:
                channel = build(Channel.SMS, config)
                mapping = SmsTemplate.from_dict(config["SMS_TEMPLATES"]["test.rule"])
                for item in ready:
                    out = Outgoing(
                        item.id,
                        item.channel,
                        item.rule,
                        item.address,
                        "",
                        item.body,
                        item.params,
                        mapping,
                        "",
                        item.key,
                    )
                    channel.send(out)
        finally:
            db.session.remove()


@pytest.mark.parametrize("sent_before_dying", [False, True])
def test_rows_of_a_dead_worker_are_reclaimed_after_the_lease(
    app, township, gateway, sent_before_dying
) -> None:
    people = [person(phone_number()) for _ in range(4)]
    queue(app, township, [notice(p) for p in people])
    config = sms_config(gateway, "aliyun", NOTIFY_LEASE_SECONDS=60)
    _claim_and_die(app, township, config, send=sent_before_dying)
    assert {m.state for m in rows(app, township)} == {State.SENDING}
    assert run(app, township, config, DAYTIME + timedelta(seconds=30)).claimed == 0  # lease held
    report = run(app, township, config, DAYTIME + timedelta(seconds=61))
    assert report.claimed == 4 and report.sent == 4
    assert sorted(gateway.per_phone().values()) == [1, 1, 1, 1]
    assert {m.state for m in rows(app, township)} == {State.SENT}


def test_a_late_outcome_does_not_overwrite_a_reclaimed_row(app, township, gateway) -> None:
    from notifications.channels import Outcome, Result
    from notifications.outcomes import record

    queue(app, township, [notice(person(phone_number()))])
    config = sms_config(gateway, "aliyun", NOTIFY_LEASE_SECONDS=60)
    with app.app_context(), tenant_context(township.id):
        policy = Policy.for_township(config, db.session.get(Township, township.id))
        claimed = claim(db.session, township.id, DAYTIME, 10, policy.lease)
        token = claimed[0].claim_token
        (item,) = prepare(db.session, claimed, policy, DAYTIME, DispatchReport())
        db.session.commit()
        db.session.remove()
    assert run(app, township, config, DAYTIME + timedelta(minutes=5)).sent == 1
    with app.app_context(), tenant_context(township.id):
        late = DispatchReport()
        record(
            db.session,
            item,
            token,
            Result(Outcome.PERMANENT, "aliyun", code="late"),
            policy,
            DAYTIME,
            late,
        )
        db.session.commit()
        db.session.remove()
    assert late.failed == 0
    assert rows(app, township)[0].state == State.SENT


def test_delivery_receipts_mark_delivered_or_failed(app, township, gateway) -> None:
    from notifications.outcomes import apply_receipt

    people = [person(phone_number()) for _ in range(2)]
    queue(app, township, [notice(p) for p in people])
    run(app, township, sms_config(gateway, "aliyun"))
    first, second = rows(app, township)
    with app.app_context(), tenant_context(township.id):
        apply_receipt(db.session, "aliyun", first.provider_ref, True, now=DAYTIME)
        apply_receipt(db.session, "aliyun", second.provider_ref, False, "MOBILE_NOT_ON_SERVICE")
        assert apply_receipt(db.session, "aliyun", "no-such-ref", True) is None
        db.session.commit()
        db.session.remove()
    first, second = rows(app, township)
    assert first.state == State.DELIVERED and first.delivered_at is not None
    assert second.state == State.FAILED and "MOBILE_NOT_ON_SERVICE" in second.reason


def test_a_claim_takes_no_more_than_its_chunk(app, township, gateway) -> None:
    """PostgreSQL re-runs a LIMIT ... FOR UPDATE subquery inside an UPDATE: the pick is separate."""
    queue(app, township, [notice(person(phone_number())) for _ in range(20)])
    with app.app_context(), tenant_context(township.id):
        first = claim(db.session, township.id, DAYTIME, 5, 60)
        second = claim(db.session, township.id, DAYTIME, 5, 60)
        db.session.commit()
        db.session.remove()
    assert len(first) == 5 and len(second) == 5
    assert not {m.id for m in first} & {m.id for m in second}
    states = [m.state for m in rows(app, township)]
    assert states.count(State.SENDING) == 10 and states.count(State.QUEUED) == 10
