"""Issue 15, "Reminders sent twice", through a real Celery worker on the real Redis.

- 19: the generic HTTP gateway delivers an SMS and loses the answer, the retry gets a 500, the
  next attempt is served: one delivery, one key, the message sent once;
- 20: the worker is SIGKILLed three times while it sends a batch of e-mails to a real SMTP server
  (aiosmtpd), restarted each time, until every e-mail is sent. SMTP has no idempotency key, so
  the e-mail the server had accepted when the worker died, but whose acceptance was not yet
  recorded, goes again: at most one copy per kill.
"""

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC

import pytest
import redis

from notifications.models import Channel, RecipientKind, State
from notifications.service import Notice, Recipient, notify
from tenants.context import tenant_context
from tests.conftest import make_app
from tests.notifications.conftest import SMS_TEMPLATES
from tests.notifications.fakes import HTTP_TOKEN
from tests.notifications.lossy import LossyGateway, SlowMailbox, SlowSmtpServer
from tests.reminders.test_worker import (
    DAYTIME,
    TEMPLATES,
    new_township,
    phones,
    queue_sms,
    rows,
    send,
)
from tests.workers.harness import Worker, wait_for
from webapp.extensions import db
from workers.tasks.notify import DISPATCH, SWEEP

pytestmark = pytest.mark.worker

QUEUE = os.environ["CELERY_QUEUE"] + "-mailkill"
MAILS, KILLS = 40, 3


def mail_env(port: int) -> dict[str, str]:
    return {
        "CELERY_QUEUE": QUEUE,
        "SMS_PROVIDER": "dev",
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_DEFAULT_SENDER": "lianxin@example.org",
        "MAIL_TIMEOUT": "5",
        "NOTIFY_LEASE_SECONDS": "3",
        "NOTIFY_CONCURRENCY": "4",
        "NOTIFY_BATCH_SIZE": "24",
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }


@pytest.fixture()
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield client
    for key in client.scan_iter(match=f"*{QUEUE}*"):
        client.delete(key)
    client.close()


def test_finding_19_delivered_then_500_then_served_reaches_the_member_once_through_the_worker(
    database_url, redis_client, tmp_path
) -> None:
    queue = QUEUE + "-sms"
    (number,) = phones("67", 1)
    with LossyGateway(late=2.0) as lossy:
        lossy.actions = ["deliver_then_timeout", "500"]
        env = {
            "CELERY_QUEUE": queue,
            "SMS_PROVIDER": "http",
            "SMS_ENDPOINT": lossy.url(),
            "SMS_SECRET": HTTP_TOKEN,
            "SMS_TEMPLATES": json.dumps(SMS_TEMPLATES),
            "SMS_TIMEOUT": "0.5",
            "MAIL_BACKEND": "dev",
            "NOTIFY_QUIET_HOURS": "00:00-00:00",
            "CELERY_VISIBILITY_TIMEOUT": "5",
        }
        worker = Worker(tmp_path / "sms.log", queue, **env).start()
        flask_app = make_app(database_url, CELERY_QUEUE=queue)
        try:
            with flask_app.app_context():
                township = new_township()
                queue_sms(township.id, [number])
                now = DAYTIME
                for attempt in (1, 2, 3):
                    send(flask_app, DISPATCH, township.id, now.isoformat())
                    (msg,) = wait_for(
                        lambda: rows(township.id),
                        lambda r, n=attempt: r[0].attempts == n and r[0].state != State.SENDING,
                        30,
                        f"attempt {attempt} to be recorded",
                    )
                    if attempt < 3:
                        assert msg.state == State.RETRYING, msg.reason
                        later = msg.next_attempt_at
                        now = later if later.tzinfo else later.replace(tzinfo=UTC)
                assert msg.state == State.SENT, worker.log()
                assert lossy.delivered_to(number) == 1, lossy.deliveries
                assert [r["key"] for r in lossy.requests] == [msg.send_key] * 3
        finally:
            worker.stop()
            db.session.remove()
            db.engine.dispose()


def queue_mail(township_id: int, addresses: list[str]) -> None:
    notices = [
        Notice(
            rule="test.rule",
            period="2026-03",
            recipient=Recipient(RecipientKind.MEMBER, 700000 + i, "党员", "", address),
            templates=TEMPLATES,
            values={"name": "党员", "date": "2026-03-31"},
        )
        for i, address in enumerate(addresses)
    ]
    try:
        with tenant_context(township_id):
            notify(db.session, township_id, notices, DAYTIME)
            db.session.commit()
    finally:
        db.session.remove()


def test_finding_20_sigkill_mid_mail_batch_repeats_at_most_one_mail_per_kill(
    database_url, redis_client, tmp_path
) -> None:
    mailbox = SlowMailbox(delay=0.1)  # about ten e-mails a second
    addresses = [f"kill-test-{i}@example.org" for i in range(MAILS)]

    def ours() -> list[dict]:
        # the sweep also sends what earlier tests left due in other townships: not counted
        return [m for m in mailbox.messages if set(m["to"]) <= set(addresses)]

    flask_app = make_app(database_url, CELERY_QUEUE=QUEUE)
    workers: list[Worker] = []
    with SlowSmtpServer(mailbox) as smtp, flask_app.app_context():
        env = mail_env(smtp.port)
        try:
            township = new_township()
            queue_mail(township.id, addresses)
            assert {m.channel for m in rows(township.id)} == {Channel.EMAIL}
            for kill in range(KILLS):
                worker = Worker(tmp_path / "mail.log", QUEUE, **env).start()
                workers.append(worker)
                reached = len(ours()) + 6
                if kill == 0:
                    send(flask_app, DISPATCH, township.id)
                else:  # what is left, as beat's sweep finds it
                    send(flask_app, SWEEP)
                wait_for(
                    lambda: len(ours()),
                    lambda n, reached=reached: n >= reached,
                    60,
                    "the batch to be under way",
                )
                worker.kill()
                assert any(m.state == State.SENDING for m in rows(township.id))
            workers.append(Worker(tmp_path / "mail.log", QUEUE, **env).start())
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:  # beat's sweep, every second instead of 30
                if all(m.state == State.SENT for m in rows(township.id)):
                    break
                send(flask_app, SWEEP)
                time.sleep(1)
            final = rows(township.id)
            assert {m.state for m in final} == {State.SENT}, workers[-1].log()
            mine = ours()
            per_address = Counter(a for m in mine for a in m["to"])
            copies = sum(n - 1 for n in per_address.values())
            assert set(per_address) == set(addresses)
            print(f"\ncopies after {KILLS} kills: {copies}")
            assert copies <= KILLS, per_address
            assert max(per_address.values()) <= 2
            # a copy is the same message: the same Message-ID, from the key the message kept
            ids = Counter(m["message_id"] for m in mine)
            assert len(ids) == MAILS
        finally:
            for worker in workers:
                worker.stop()
            db.session.remove()
            db.engine.dispose()
