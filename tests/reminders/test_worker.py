"""A real Celery worker on the real Redis, sending to the fake Aliyun gateway over HTTP.

- SIGKILL the worker in the middle of a dispatch batch, start another: every message is taken by
  the gateway exactly once (counted there);
- beat's due-check run ten times for the same period: one message per member;
- quiet hours hold and release, a daily cap, a provider timeout, the fallback to e-mail, all
  through the worker with "now" passed in (nothing sleeps until morning).
"""

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from notifications.models import Channel, Message, RecipientKind, State
from notifications.service import Notice, Recipient, notify
from notifications.templates import MessageTemplate
from tenants.context import system_context_unsafe, tenant_context
from tenants.models import Township
from tests.conftest import make_app
from tests.factories import make_branch, make_county, make_member, make_township
from tests.notifications.conftest import SMS_TEMPLATES
from tests.notifications.fakes import ALIYUN_KEY, ALIYUN_SECRET, SmsGateway
from tests.workers.harness import Worker, wait_for
from webapp.departures.models import Departure
from webapp.extensions import db
from workers.celery_app import transport_options
from workers.tasks.heartbeat import heartbeat_key
from workers.tasks.notify import DISPATCH, RUN_TOWNSHIP, SWEEP

pytestmark = pytest.mark.worker

QUEUE = os.environ["CELERY_QUEUE"] + "-notify"
VISIBILITY_TIMEOUT = 5
LEASE = 3
TEMPLATES = {
    Channel.SMS: MessageTemplate("", "${name}同志：请于${date}前报告去向。"),
    Channel.EMAIL: MessageTemplate("请报告去向", "${name}同志：请于${date}前报告去向。"),
}
DAYTIME = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def worker_env(gateway: SmsGateway, **extra: str) -> dict[str, str]:
    env = {
        "SMS_PROVIDER": "aliyun",
        "SMS_ENDPOINT": gateway.url("aliyun"),
        "SMS_ACCESS_KEY": ALIYUN_KEY,
        "SMS_SECRET": ALIYUN_SECRET,
        "SMS_SIGN_NAME": "连心测试",
        "SMS_TEMPLATES": json.dumps(SMS_TEMPLATES),
        "SMS_TIMEOUT": "1.0",
        "MAIL_BACKEND": "dev",
        "NOTIFY_QUIET_HOURS": "00:00-00:00",  # none, unless a township sets its own
        "NOTIFY_LEASE_SECONDS": str(LEASE),
        "NOTIFY_CONCURRENCY": "4",
        "NOTIFY_BATCH_SIZE": "24",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def gateway() -> Iterator[SmsGateway]:
    with SmsGateway() as gw:
        yield gw


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield client
    for key in client.scan_iter(match=f"*{QUEUE}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def worker(database_url, redis_client, gateway, tmp_path_factory) -> Iterator[Worker]:
    proc = Worker(tmp_path_factory.mktemp("notify") / "worker.log", QUEUE, **worker_env(gateway))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture()
def app(database_url: str, redis_client) -> Iterator[Flask]:
    flask_app = make_app(database_url, CELERY_QUEUE=QUEUE)
    yield flask_app
    db.session.remove()
    db.engine.dispose()


def send(app: Flask, task: str, *args: Any) -> None:
    app.extensions["celery"].send_task(task, args=list(args))


def drain(app: Flask, client: redis.Redis, timeout: float = 30) -> None:
    """Wait until the worker has run everything queued before this call (one process, FIFO)."""
    key = heartbeat_key(QUEUE)
    client.delete(key)
    send(app, "workers.tasks.heartbeat.beat")
    wait_for(lambda: client.exists(key), bool, timeout, "the worker to reach the heartbeat")


def rows(township_id: int) -> list[Message]:
    try:
        with tenant_context(township_id):
            return list(db.session.scalars(select(Message).order_by(Message.id)))
    finally:
        db.session.remove()


def queue_sms(township_id: int, phones: list[str], period: str = "2026-03") -> None:
    notices = [
        Notice(
            rule="test.rule",
            period=period,
            recipient=Recipient(RecipientKind.MEMBER, int(phone[2:]), "党员", phone),
            templates=TEMPLATES,
            values={"name": "党员", "date": "2026-03-31"},
        )
        for phone in phones
    ]
    try:
        with tenant_context(township_id):
            notify(db.session, township_id, notices, DAYTIME)
            db.session.commit()
    finally:
        db.session.remove()


def new_township(**settings: Any) -> Township:
    township = make_township(make_county())
    if settings:
        with system_context_unsafe():
            row = db.session.get(Township, township.id)
            row.settings = {"notifications": settings}
            db.session.commit()
            db.session.remove()
    return township


def phones(prefix: str, n: int) -> list[str]:
    return [f"13{prefix}{i:07d}" for i in range(n)]


# -- a worker killed mid-batch ------------------------------------------------------------------


def test_sigkill_mid_batch_then_restart_delivers_every_message_once(
    database_url, redis_client, gateway, tmp_path
) -> None:
    queue = QUEUE + "-kill"
    unacked = transport_options(queue, VISIBILITY_TIMEOUT)
    env = worker_env(gateway, CELERY_QUEUE=queue)
    first, second = (
        Worker(tmp_path / "kill.log", queue, **env),
        Worker(tmp_path / "kill.log", queue, **env),
    )
    flask_app = make_app(database_url, CELERY_QUEUE=queue)
    numbers = phones("61", 60)
    gateway.delay = 0.2  # four at a time: about three seconds for the batch
    try:
        with flask_app.app_context():
            township = new_township()
            queue_sms(township.id, numbers)
            first.start()
            send(flask_app, DISPATCH, township.id)
            wait_for(
                lambda: sum(gateway.per_phone()[p] for p in numbers),
                lambda n: n >= 12,
                30,
                "the batch to be under way",
            )
            first.kill()
            taken = sum(gateway.per_phone()[p] for p in numbers)
            states = [m.state for m in rows(township.id)]
            assert taken < 60 and State.SENDING in states, (taken, states)
            # the dispatch message is neither lost nor acknowledged: it waits for a worker
            assert redis_client.hlen(unacked["unacked_key"]) >= 1

            second.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # beat's sweep, every second instead of 30
                if all(m.state == State.SENT for m in rows(township.id)):
                    break
                send(flask_app, SWEEP)
                time.sleep(1)
            final = rows(township.id)
            assert {m.state for m in final} == {State.SENT}, second.log()
            counts = gateway.per_phone()
            assert [counts[p] for p in numbers] == [1] * 60
            replays = [m for m in final if "未重复发送" in m.reason]
            assert len(replays) >= 1  # in flight at the kill: the retry found its nonce used
    finally:
        gateway.delay = 0.0
        first.stop()
        second.stop()
        db.session.remove()
        db.engine.dispose()
        for key in redis_client.scan_iter(match=f"*{queue}*"):
            redis_client.delete(key)


# -- beat's due-check, ten times ----------------------------------------------------------------


def test_beat_due_check_ten_times_queues_and_sends_one_message_each(
    app, worker, gateway, redis_client
) -> None:
    now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    with app.app_context():
        township = new_township()
        branch = make_branch(township)
        members = [make_member(township, branch, phone=p) for p in phones("62", 5)]
        with tenant_context(township.id):
            for m in members:
                db.session.add(
                    Departure(
                        tenant_id=township.id,
                        member_id=m.id,
                        departed_on=date(2025, 12, 1),
                        expected_return=date(2026, 3, 1),
                    )
                )
            db.session.commit()
            db.session.remove()
        for _ in range(10):
            send(app, RUN_TOWNSHIP, township.id, now.isoformat())
        drain(app, redis_client)
        wait_for(
            lambda: [m.state for m in rows(township.id)],
            lambda s: s and set(s) == {State.SENT},
            30,
            "the reminders to go out",
        )
        drain(app, redis_client)
        sent = rows(township.id)
        assert sorted(m.recipient_id for m in sent) == sorted(m.id for m in members)
        assert {m.period for m in sent} == {"2026-03-01"}
        counts = gateway.per_phone()
        assert [counts[m.phone] for m in members] == [1] * 5
    assert "Traceback" not in worker.log(), worker.log()


# -- quiet hours, caps, timeouts, fallback, through the worker ---------------------------------


def test_quiet_hours_hold_and_release_through_the_worker(
    app, worker, gateway, redis_client
) -> None:
    night = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    morning = datetime(2026, 3, 11, 0, 5, tzinfo=UTC)  # 08:05
    (number,) = phones("63", 1)
    with app.app_context():
        township = new_township(quiet_hours="21:00-08:00")
        queue_sms(township.id, [number])
        send(app, DISPATCH, township.id, night.isoformat())
        drain(app, redis_client)
        (held,) = rows(township.id)
        assert held.state == State.QUEUED and "免打扰" in held.reason
        assert gateway.count(number) == 0
        send(app, DISPATCH, township.id, morning.isoformat())
        drain(app, redis_client)
        assert rows(township.id)[0].state == State.SENT and gateway.count(number) == 1


def test_daily_cap_through_the_worker(app, worker, gateway, redis_client) -> None:
    (number,) = phones("64", 1)
    with app.app_context():
        township = new_township(sms_per_number_daily=2)
        for period in ("a", "b", "c"):
            queue_sms(township.id, [number], period)
        send(app, DISPATCH, township.id, DAYTIME.isoformat())
        drain(app, redis_client)
        states = sorted(m.state.value for m in rows(township.id))
        assert states == ["queued", "sent", "sent"] and gateway.count(number) == 2
        send(app, DISPATCH, township.id, (DAYTIME + timedelta(days=1)).isoformat())
        drain(app, redis_client)
        assert gateway.count(number) == 3


def test_provider_timeout_is_retried_once_through_the_worker(
    app, worker, gateway, redis_client
) -> None:
    (number,) = phones("65", 1)
    gateway.script(number, ("sleep", 2.0))
    with app.app_context():
        township = new_township()
        queue_sms(township.id, [number])
        send(app, DISPATCH, township.id, DAYTIME.isoformat())
        drain(app, redis_client)
        (msg,) = rows(township.id)
        assert msg.state == State.RETRYING and msg.error_code == "timeout"
        wait_for(lambda: gateway.count(number), lambda n: n == 1, 10, "the slow request to finish")
        later = (
            msg.next_attempt_at
            if msg.next_attempt_at.tzinfo
            else msg.next_attempt_at.replace(tzinfo=UTC)
        )
        send(app, DISPATCH, township.id, later.isoformat())
        drain(app, redis_client)
        assert rows(township.id)[0].state == State.SENT and gateway.count(number) == 1


def test_fallback_to_email_through_the_worker(app, worker, gateway, redis_client) -> None:
    (number,) = phones("66", 1)
    gateway.script(number, "invalid")
    with app.app_context():
        township = new_township()
        notice = Notice(
            rule="test.rule",
            period="fb",
            recipient=Recipient(
                RecipientKind.MEMBER, 660000001, "党员", number, "dangyuan@example.org"
            ),
            templates=TEMPLATES,
            values={"name": "党员", "date": "2026-03-31"},
        )
        with tenant_context(township.id):
            notify(db.session, township.id, [notice], DAYTIME)
            db.session.commit()
            db.session.remove()
        send(app, DISPATCH, township.id, DAYTIME.isoformat())
        drain(app, redis_client)
        sms, mail = rows(township.id)
        assert (sms.channel, sms.state, sms.error_code) == (
            Channel.SMS,
            State.FAILED,
            "isv.MOBILE_NUMBER_ILLEGAL",
        )
        assert (mail.channel, mail.state, mail.fallback_of_id) == (
            Channel.EMAIL,
            State.SENT,
            sms.id,
        )
