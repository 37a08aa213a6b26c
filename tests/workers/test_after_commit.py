"""Jobs reach the broker only after the transaction that queued them commits (jobs.enqueue_after_commit),
against the real Redis, on a queue of this module's own that no worker consumes."""

import base64
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from sqlalchemy import text

from tests.conftest import make_app
from tests.factories import make_county, make_township, make_user
from tests.workers.test_worker import BASE_QUEUE, HEARTBEAT_TASK, request_roster
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.jobs import enqueue_after_commit
from webapp.reports.services import RENDER_TASK


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield client
    client.close()


def queued_messages(client: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """The messages waiting on queue: task name and positional args of each."""
    out = []
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        out.append({"task": message["headers"]["task"], "args": args})
    return out


# -- queued only after commit ------------------------------------------------------------------


@pytest.fixture()
def jobs_queue(database_url: str, redis_client: redis.Redis) -> Iterator[str]:
    """An app context whose Celery sends to a queue nobody consumes; yields the queue's name."""
    queue = f"{BASE_QUEUE}-jobs"
    redis_client.delete(queue)
    flask_app = make_app(database_url, CELERY_QUEUE=queue)
    with flask_app.app_context():
        yield queue
        db.session.remove()
    db.engine.dispose()
    redis_client.delete(queue)


def test_rollback_sends_nothing_commit_sends_once(jobs_queue, redis_client):
    session = db.session
    enqueue_after_commit(session, HEARTBEAT_TASK, "rolled back")
    session.rollback()
    assert redis_client.llen(jobs_queue) == 0

    enqueue_after_commit(session, HEARTBEAT_TASK, "committed")
    assert redis_client.llen(jobs_queue) == 0  # not before the commit
    session.commit()
    assert queued_messages(redis_client, jobs_queue) == [
        {"task": HEARTBEAT_TASK, "args": ["committed"]}
    ]


def test_rollback_after_statements_sends_nothing(jobs_queue, redis_client):
    session = db.session
    session.execute(text("SELECT 1"))
    enqueue_after_commit(session, HEARTBEAT_TASK, 1)
    session.rollback()
    session.commit()
    assert redis_client.llen(jobs_queue) == 0


def test_savepoints_neither_send_nor_drop_outer_jobs(jobs_queue, redis_client):
    session = db.session
    enqueue_after_commit(session, HEARTBEAT_TASK, "outer")
    with session.begin_nested():
        enqueue_after_commit(session, HEARTBEAT_TASK, "released")
    assert redis_client.llen(jobs_queue) == 0  # a released savepoint is not a commit
    savepoint = session.begin_nested()
    enqueue_after_commit(session, HEARTBEAT_TASK, "rolled back savepoint")
    savepoint.rollback()
    session.commit()
    sent = [m["args"] for m in queued_messages(redis_client, jobs_queue)]
    assert sorted(sent) == [["outer"], ["released"]]


def test_outer_rollback_drops_jobs_of_released_savepoints(jobs_queue, redis_client):
    session = db.session
    with session.begin_nested():
        enqueue_after_commit(session, HEARTBEAT_TASK, "inner")
    session.rollback()
    session.commit()
    assert redis_client.llen(jobs_queue) == 0


def test_close_without_commit_drops_jobs(jobs_queue, redis_client):
    session = db.session
    enqueue_after_commit(session, HEARTBEAT_TASK, "closed")
    session.close()
    session.commit()
    assert redis_client.llen(jobs_queue) == 0


def test_requesting_a_roster_queues_one_render(jobs_queue, redis_client):
    township = make_township(make_county())
    admin = make_user(Role.TOWNSHIP_ADMIN, township)
    report_id = request_roster(township.id, admin, township)
    assert queued_messages(redis_client, jobs_queue) == [
        {"task": RENDER_TASK, "args": [township.id, report_id]}
    ]
