"""Issue 15, "Reminders sent twice": one idempotency key per message for its whole life (19), and
each e-mail's outcome recorded the moment the SMTP server accepts it (20).

Against a generic HTTP gateway that loses its answers after delivering, and a real SMTP server
(aiosmtpd) that checks the database before it accepts each next message.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from notifications.channels.aliyun import NONCE_WINDOW
from notifications.channels.aliyun import classify as aliyun_classify
from notifications.models import Channel, Message, State
from tenants.context import tenant_context
from tests.notifications.conftest import DAYTIME, mail_config, sms_config
from tests.notifications.lossy import LossyGateway, SlowMailbox, SlowSmtpServer
from tests.notifications.test_dispatch import notice, person, phone_number, queue, rows, run, utc
from webapp.extensions import db


@pytest.fixture()
def lossy() -> Iterator[LossyGateway]:
    with LossyGateway(late=1.0) as gw:
        yield gw


@pytest.fixture()
def township(app):
    from tests.factories import make_county, make_township

    with app.app_context():
        return make_township(make_county())


# -- 19: one key for the message's whole life ---------------------------------------------------


@pytest.mark.parametrize("lost_answer", ["deliver_then_timeout", "deliver_then_500"])
def test_finding_19_delivered_then_500_then_retry_reaches_the_member_once(
    app, township, lossy, lost_answer
) -> None:
    someone = person(phone_number())
    # attempt 1 is delivered but its answer is lost; attempt 2 gets a 500; attempt 3 goes through
    lossy.actions = [lost_answer, "500"]
    queue(app, township, [notice(someone)])
    config = sms_config(lossy, "http", SMS_TIMEOUT=0.3)
    now, sent = DAYTIME, 0
    for attempt in (1, 2, 3):
        report = run(app, township, config, now)
        sent += report.sent
        (msg,) = rows(app, township)
        assert msg.attempts == attempt
        if attempt < 3:
            assert msg.state == State.RETRYING, msg.reason
            now = utc(msg.next_attempt_at)
    assert run(app, township, config, now).claimed == 0  # nothing left to send
    assert lossy.delivered_to(someone.phone) == 1, lossy.deliveries
    assert sent == 1 and msg.state == State.SENT and msg.sent_at is not None
    keys = [r["key"] for r in lossy.requests]
    assert len(keys) == 3 and set(keys) == {msg.send_key}
    assert [r["payload"].get("idempotency_key") for r in lossy.requests] == keys


def test_finding_19_only_a_refusal_of_the_content_ends_the_key(app, township, gateway) -> None:
    someone, other = person(phone_number()), person(phone_number())
    gateway.script(someone.phone, "busy", "busy")  # 503 twice, then served
    gateway.script(other.phone, "invalid")  # 422: refused for good
    queue(app, township, [notice(someone), notice(other)])
    config = sms_config(gateway, "http")
    now = DAYTIME
    for _ in range(3):
        run(app, township, config, now)
        now = now.replace(hour=now.hour + 1)
    by_phone = {m.address: m for m in rows(app, township)}
    served, refused = by_phone[someone.phone], by_phone[other.phone]
    keys = [
        r["payload"]["idempotency_key"] for r in gateway.requests if r["phone"] == someone.phone
    ]
    assert keys == [served.send_key] * 3 and served.state == State.SENT
    assert refused.state == State.FAILED and refused.send_key is None
    assert gateway.count(someone.phone) == 1 and gateway.count(other.phone) == 0


def test_finding_19_aliyun_flow_control_waits_out_the_spent_nonce() -> None:
    body = '{"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}'
    result = aliyun_classify(200, body.encode())
    assert result.retry_after == NONCE_WINDOW and NONCE_WINDOW > 15 * 60


# -- 20: every e-mail's acceptance is durable before the next one goes -------------------------


def _state_by_key(app, tenant_id: int, key: str) -> State | None:
    with app.app_context(), tenant_context(tenant_id):
        try:
            return db.session.scalar(select(Message.state).where(Message.send_key == key))
        finally:
            db.session.remove()


def test_finding_20_each_accepted_mail_is_recorded_before_the_next_is_sent(app, township) -> None:
    accepted: list[str] = []

    def before_accept(message_id: str) -> None:
        # the SMTP server, about to accept this message, looks up every one it accepted before
        for earlier in accepted:
            state = _state_by_key(app, township.id, earlier)
            assert state == State.SENT, f"{earlier} accepted but recorded as {state}"
        accepted.append(message_id.strip("<>").partition(".lianxin@")[0])

    mailbox = SlowMailbox(delay=0.01, before_accept=before_accept)
    people = [person(email=f"m{i}@example.org") for i in range(12)]
    queue(app, township, [notice(p) for p in people])
    with SlowSmtpServer(mailbox) as smtp:
        report = run(app, township, mail_config(smtp, NOTIFY_CONCURRENCY=4))
    assert report.sent == 12 and len(mailbox.messages) == 12
    assert mailbox.problems == []
    final = rows(app, township)
    assert {m.channel for m in final} == {Channel.EMAIL} and {m.state for m in final} == {
        State.SENT
    }
    assert sorted(accepted) == sorted(m.send_key for m in final)


def test_finding_19_a_resend_keeps_the_key_unless_the_address_changed(
    app, township, gateway
) -> None:
    from notifications.service import reopen

    someone = person(phone_number())
    gateway.script(someone.phone, *["busy"] * 2)  # 503 until the retries run out
    queue(app, township, [notice(someone)])
    config = sms_config(gateway, "http", NOTIFY_MAX_ATTEMPTS=2)
    run(app, township, config)
    (msg,) = rows(app, township)
    run(app, township, config, utc(msg.next_attempt_at))
    (failed,) = rows(app, township)
    assert failed.state == State.FAILED and failed.send_key == msg.send_key

    def resend(address: str | None, hours: int) -> Message:
        with app.app_context(), tenant_context(township.id):
            try:
                row = db.session.get(Message, failed.id)
                reopen(db.session, row, address, DAYTIME)
                if address is not None:  # and fail again, to be resent once more
                    gateway.script(address, *["busy"] * 2)
                db.session.commit()
            finally:
                db.session.remove()
        for hour in range(hours):
            run(app, township, config, DAYTIME + timedelta(hours=hour + 1))
        (again,) = rows(app, township)
        return again

    corrected = phone_number()
    moved = resend(corrected, 2)  # a new number is a new message: a new key
    assert moved.state == State.FAILED and moved.send_key not in (None, msg.send_key)
    again = resend(None, 1)  # the same number: the gateway can recognise an earlier attempt
    assert again.state == State.SENT and again.send_key == moved.send_key
    keys = [(r["phone"], r["payload"]["idempotency_key"]) for r in gateway.requests]
    assert keys == [(someone.phone, msg.send_key)] * 2 + [(corrected, moved.send_key)] * 3
    assert gateway.count(corrected) == 1 and gateway.count(someone.phone) == 0
