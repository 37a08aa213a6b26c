"""Issue 15, finding 3: one poison file cannot stop the shared worker, nor the reminders.

A real worker (tests/workers/harness.py) with tests/workers/poison.py preloaded: the validation of
a roster carrying its marker segfaults the pool process, as the nested-entity file did before
defusedxml. With acks_late and reject_on_worker_lost the message comes straight back; the worker
must run it CELERY_MAX_DELIVERIES times, then dead-letter it (the township sees "此文件无法读取")
and acknowledge it, and the reminders queued behind it must go out.
"""

import importlib
import io
import os
import zipfile
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from tenants.context import tenant_context
from tests.conftest import make_app
from tests.factories import login
from tests.imports.util import counts, job_of, person, upload, xlsx
from tests.notifications.fakes import SmsGateway
from tests.reminders.test_worker import new_township, phones, queue_sms, rows, worker_env
from tests.workers.harness import Worker, wait_for
from tests.workers.poison import MARKER
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.imports.models import ImportJob, ImportStatus
from workers.celery_app import TASK_MODULES, transport_options
from workers.deliveries import PREFIX
from workers.tasks.notify import DISPATCH

pytestmark = pytest.mark.worker

QUEUE = os.environ["CELERY_QUEUE"] + "-poison"
CAP = 3


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield client
    for pattern in (f"*{QUEUE}*", f"{PREFIX}:{QUEUE}*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def gateway() -> Iterator[SmsGateway]:
    with SmsGateway() as gw:
        yield gw


@pytest.fixture()
def app(database_url: str, redis_client: redis.Redis) -> Iterator[Flask]:
    flask_app = make_app(database_url, CELERY_QUEUE=QUEUE)
    yield flask_app
    db.session.remove()
    db.engine.dispose()


def poisoned_roster(branch: str) -> bytes:
    """A valid roster with one extra, stored member whose name carries the marker."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([person(branch)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr(MARKER.decode() + ".txt", b"", compress_type=zipfile.ZIP_STORED)
    content = out.getvalue()
    assert MARKER in content
    return content


def stored_file(tenant_id: int, job_id: int) -> bytes:
    try:
        with tenant_context(tenant_id):
            return db.session.scalar(select(ImportJob.content).where(ImportJob.id == job_id))
    finally:
        db.session.remove()


def unreadable_entries(tenant_id: int, job_id: int) -> list[AuditLog]:
    try:
        with tenant_context(tenant_id):
            return list(
                db.session.scalars(
                    select(AuditLog).where(
                        AuditLog.action == "roster.unreadable", AuditLog.entity_id == job_id
                    )
                )
            )
    finally:
        db.session.remove()


def test_finding_3_one_poison_file_cannot_stop_reminders(
    app, client, world, gateway, redis_client, tmp_path
) -> None:
    env = worker_env(gateway, CELERY_MAX_DELIVERIES=str(CAP), CELERY_VISIBILITY_TIMEOUT="60")
    worker = Worker(tmp_path / "poison.log", QUEUE, preload="tests.workers.poison", **env)
    tw = world.a
    slug, tid = tw.township.slug, tw.township.id
    numbers, later_numbers = phones("68", 5), phones("69", 5)  # numbers no other test uses
    try:
        worker.start()
        login(client, tw.users[Role.TOWNSHIP_ADMIN])
        before = counts(app, tid)
        job_id = upload(client, slug, poisoned_roster(tw.branch.name))  # validation queued
        with app.app_context():
            township = new_township()
            queue_sms(township.id, numbers)
            app.extensions["celery"].send_task(DISPATCH, args=[township.id])  # behind the poison

            # the poison file is given up after CAP crashed deliveries
            job = wait_for(
                lambda: job_of(app, tid, job_id),
                lambda j: j.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATING),
                120,
                "the poison file to be dead-lettered",
            )
            assert job.status == ImportStatus.UNREADABLE, (job.status, worker.log())
            assert job.message.startswith("此文件无法读取：处理它的程序连续 3 次意外中断")
            assert stored_file(tid, job_id) == b"" and job.finished_at is not None
            assert counts(app, tid) == before
            # the reminders queued behind it went out, each once, and so do those queued after
            later = new_township()
            queue_sms(later.id, later_numbers)
            app.extensions["celery"].send_task(DISPATCH, args=[later.id])
            wait_for(
                lambda: [gateway.per_phone()[p] for p in numbers + later_numbers],
                lambda sent: sent == [1] * len(numbers + later_numbers),
                60,
                "the reminders to be sent",
            )
            assert {m.state.value for m in rows(township.id) + rows(later.id)} == {"sent"}
            (entry,) = unreadable_entries(tid, job_id)
            assert entry.actor_name == "system" and entry.after["attempts"] == CAP

        # exactly CAP deliveries ran (and died); the next was acknowledged without running
        log = worker.log()
        assert log.count("exited with 'signal 11 (SIGSEGV)'") == CAP, log
        assert "marked dead" in log
        assert worker.proc is not None and worker.proc.poll() is None  # the worker lives on
        unacked = transport_options(QUEUE, 3600)["unacked_key"]
        wait_for(lambda: redis_client.hlen(unacked), lambda n: n == 0, 10, "the acknowledgement")
        assert redis_client.llen(QUEUE) == 0
        assert list(redis_client.scan_iter(match=f"{PREFIX}:{QUEUE}:*")) == []

        # the township sees it on the import page, and the list
        page = client.get(f"/t/{slug}/imports/{job_id}").get_data(as_text=True)
        assert "此文件无法读取" in page and "只导入无误的行" not in page
        assert "此文件无法读取" in client.get(f"/t/{slug}/imports/").get_data(as_text=True)
    finally:
        worker.stop()


def test_finding_3_every_task_has_a_retry_limit_and_the_delivery_cap(app) -> None:
    celery_app = app.extensions["celery"]
    for module in TASK_MODULES:  # what the worker imports at start-up
        importlib.import_module(module)
    ours = {name: t for name, t in celery_app.tasks.items() if name.startswith("workers.")}
    assert len(ours) == 13
    for name, task in ours.items():
        assert isinstance(task.max_retries, int) and 0 < task.max_retries <= 5, name
        assert type(task).__call__ is type(ours["workers.tasks.notify.noop"]).__call__, name
    dead_letters = ("imports.validate_import", "imports.run_import", "reports.render_report")
    for name in (
        *dead_letters,
        "certificates.render_cards",
        "letters.render_letters",
        "evaluations.compute_evidence",
    ):
        assert ours[f"workers.tasks.{name}"].dead_letter is not None


def test_finding_4_the_worker_replaces_a_pool_process_over_the_memory_ceiling(
    database_url, redis_client, tmp_path
) -> None:
    """CELERY_MAX_MEMORY_KB reaches the worker: at 1 KiB every pool process is over it, so each
    task is the last of its process."""
    queue = QUEUE + "-memory"
    flask_app = make_app(database_url, CELERY_QUEUE=queue, CELERY_MAX_MEMORY_KB=1)
    assert flask_app.extensions["celery"].conf.worker_max_memory_per_child == 1
    worker = Worker(tmp_path / "memory.log", queue, CELERY_MAX_MEMORY_KB="1")
    try:
        worker.start()
        (first,) = worker.pool_pids()
        flask_app.extensions["celery"].send_task("workers.tasks.heartbeat.beat")
        wait_for(
            worker.pool_pids, lambda pids: len(pids) == 1 and pids[0] != first, 30, "a new child"
        )
    finally:
        worker.stop()
        db.session.remove()
        db.engine.dispose()
        for key in redis_client.scan_iter(match=f"*{queue}*"):
            redis_client.delete(key)
