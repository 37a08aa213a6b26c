"""A real Celery worker, as a subprocess on the test database: rendering, queueing, crashes.

Every queue here is this module's own (named after the run's CELERY_QUEUE), so leftover messages
of other test modules are never picked up, and its Redis keys are removed at the end.
"""

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.conftest import make_app
from tests.factories import login, make_branch, make_county, make_township, make_user
from tests.workers.harness import Worker, wait_for
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.demo import make_member as demo_member
from webapp.extensions import db
from webapp.idnumber import mask_id_number, mask_phone
from webapp.reports.models import Report, ReportStatus
from webapp.reports.services import RENDER_TASK, do_request_roster
from workers.celery_app import transport_options
from workers.tasks.heartbeat import heartbeat_key

pytestmark = pytest.mark.worker

BASE_QUEUE = os.environ["CELERY_QUEUE"] + "-w"
HEARTBEAT_TASK = "workers.tasks.heartbeat.beat"


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield client
    for key in client.scan_iter(match=f"*{BASE_QUEUE}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def worker_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("worker-logs")


@pytest.fixture(scope="module")
def worker(database_url: str, redis_client: redis.Redis, worker_logs: Path) -> Iterator[Worker]:
    """One real worker on this module's queue, for as long as the module runs."""
    assert os.environ["DATABASE_URL"] == database_url
    proc = Worker(worker_logs / "worker.log", BASE_QUEUE).start()
    yield proc
    proc.stop()


@pytest.fixture()
def app(
    request: pytest.FixtureRequest, database_url: str, redis_client: redis.Redis
) -> Iterator[Flask]:
    """The conftest app, sending to the worker's queue when the test uses the worker.

    Tests without it send to a queue nobody consumes, so the module's worker (when an earlier
    test started it) does not render their reports behind their back.
    """
    uses_worker = "worker" in request.fixturenames
    queue = BASE_QUEUE if uses_worker else f"{BASE_QUEUE}-idle"
    flask_app = make_app(database_url, CELERY_QUEUE=queue)
    yield flask_app
    db.session.remove()
    db.engine.dispose()


def report_state(report_id: int, tenant_id: int) -> dict[str, Any]:
    """The report row as the database has it now (fresh session; call in an app context)."""
    try:
        with tenant_context(tenant_id):
            row = db.session.execute(
                select(Report.status, Report.pages, Report.finished_at).where(
                    Report.id == report_id
                )
            ).one()
            return {"status": row.status, "pages": row.pages, "finished_at": row.finished_at}
    finally:
        db.session.remove()


def report_pdf(report_id: int, tenant_id: int) -> bytes | None:
    try:
        with tenant_context(tenant_id):
            return db.session.scalar(select(Report.pdf).where(Report.id == report_id))
    finally:
        db.session.remove()


def rendered_entries(report_id: int, tenant_id: int) -> int:
    try:
        with tenant_context(tenant_id):
            return db.session.scalar(
                select(func.count(AuditLog.id)).where(
                    AuditLog.tenant_id == tenant_id,
                    AuditLog.action == "report.rendered",
                    AuditLog.entity_type == "report",
                    AuditLog.entity_id == report_id,
                )
            )
    finally:
        db.session.remove()


def wait_until_finished(report_id: int, tenant_id: int, worker: Worker, timeout: float = 60):
    state = wait_for(
        lambda: report_state(report_id, tenant_id),
        lambda s: s["status"] in (ReportStatus.DONE, ReportStatus.FAILED),
        timeout,
        f"report {report_id} to be rendered",
    )
    assert state["status"] == ReportStatus.DONE, worker.log()
    return state


def request_roster(tenant_id: int, user: Any, township: Any) -> int:
    """Ask for a whole-township roster as user; returns the report id (call in an app context)."""
    try:
        with tenant_context(tenant_id):
            return do_request_roster(db.session, user, township, None).id
    finally:
        db.session.remove()


def big_township(members: int) -> tuple[Any, Any]:
    """A township with many members (slow to render) and its admin."""
    township = make_township(make_county())
    branches = [make_branch(township) for _ in range(3)]
    rng, used = random.Random(), set()
    with tenant_context(township.id):
        db.session.add_all(
            demo_member(rng, township, branches[i % 3], used) for i in range(members)
        )
        db.session.commit()
    db.session.remove()
    return township, make_user(Role.TOWNSHIP_ADMIN, township)


# -- a. the roster PDF through the web ----------------------------------------------------------


def test_roster_pdf_through_the_web(app, client, world, worker, artifacts, tmp_path):
    tw = world.a
    with app.app_context():
        # a few more members, so the page looks like a roster
        rng, used = random.Random(7), set()
        with tenant_context(tw.township.id):
            db.session.add_all(
                demo_member(rng, tw.township, (tw.branch, tw.other_branch)[i % 2], used)
                for i in range(12)
            )
            db.session.commit()
        db.session.remove()
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/t/{tw.township.slug}/reports"

    response = client.post(f"{base}/", data={"branch_id": ""})
    assert response.status_code == 302, response.data[:500]
    report_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    status = wait_for(
        lambda: client.get(f"{base}/{report_id}?format=json").get_json(),
        lambda s: s["status"] in ("done", "failed"),
        60,
        "the worker to render the roster",
    )
    assert status["status"] == "done", worker.log()
    assert status["progress"] == 100 and status["pages"] >= 1

    download = client.get(f"{base}/{report_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF")

    pdf_path = tmp_path / "roster.pdf"
    pdf_path.write_bytes(download.data)
    page1 = artifacts / "roster-page1.png"
    page1.unlink(missing_ok=True)
    first_page = ["-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", *first_page, pdf_path, page1.with_suffix("")],
        check=True,
    )
    assert page1.stat().st_size > 10_000

    # The text layer: Chinese survives (fonts embedded with a Unicode map), numbers are masked.
    text_layer = subprocess.run(
        ["pdftotext", "-layout", pdf_path, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "党员花名册" in text_layer and tw.township.name in text_layer
    for member in (tw.member, tw.other_member):
        assert member.name in text_layer
        assert member.id_number not in text_layer
        assert mask_id_number(member.id_number) in text_layer
        assert member.phone not in text_layer
        assert mask_phone(member.phone) in text_layer


# -- c. idempotency -----------------------------------------------------------------------------


def test_rendering_twice_changes_nothing(app, world, worker, redis_client):
    tw = world.a
    with app.app_context():
        report_id = request_roster(tw.township.id, tw.users[Role.TOWNSHIP_ADMIN], tw.township)
        first = wait_until_finished(report_id, tw.township.id, worker)
        pdf = report_pdf(report_id, tw.township.id)
        assert pdf is not None and pdf.startswith(b"%PDF")

        # Deliver the task twice more, then a heartbeat: one process, FIFO, so once the
        # heartbeat is back both duplicates have run.
        celery_app = app.extensions["celery"]
        key = heartbeat_key(BASE_QUEUE)
        redis_client.delete(key)
        for _ in range(2):
            celery_app.send_task(RENDER_TASK, args=[tw.township.id, report_id])
        celery_app.send_task(HEARTBEAT_TASK)
        wait_for(lambda: redis_client.exists(key), bool, 30, "the duplicates to be processed")

        # and once more in this process
        from webapp.reports.services import render_roster

        with tenant_context(tw.township.id):
            render_roster(db.session, report_id)
        db.session.remove()

        assert rendered_entries(report_id, tw.township.id) == 1
        assert report_pdf(report_id, tw.township.id) == pdf
        assert report_state(report_id, tw.township.id) == first
    assert "Traceback" not in worker.log(), worker.log()


def test_concurrent_renders_store_one_result(app, world, monkeypatch):
    """Two deliveries rendering at once (a redelivery, say): one PDF stored, one audit entry."""
    import threading

    from webapp.reports import services

    tw = world.a
    with app.app_context():
        report_id = request_roster(tw.township.id, tw.users[Role.TOWNSHIP_ADMIN], tw.township)
    both_started = threading.Barrier(2, timeout=30)
    original_rows = services._roster_rows

    def rows_when_both_started(session, report):
        both_started.wait()  # both are past the "already done?" check
        return original_rows(session, report)

    monkeypatch.setattr(services, "_roster_rows", rows_when_both_started)
    errors: list[BaseException] = []

    def render() -> None:
        try:
            with app.app_context(), tenant_context(tw.township.id):
                services.render_roster(db.session, report_id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.session.remove()

    threads = [threading.Thread(target=render) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        assert report_state(report_id, tw.township.id)["status"] == ReportStatus.DONE
        assert rendered_entries(report_id, tw.township.id) == 1


def test_task_skips_a_missing_report(app, world):
    from workers.tasks.reports import render_report

    with app.app_context():
        result = render_report.apply(args=[world.a.township.id, 10**9])
    assert result.successful()


def test_task_marks_the_report_failed_after_its_retries(app, world, monkeypatch):
    from workers.tasks import reports as report_tasks

    tw = world.a
    calls: list[int] = []

    def broken(session, report_id):
        calls.append(report_id)
        raise RuntimeError("weasyprint fell over")

    monkeypatch.setattr(report_tasks, "render_roster", broken)
    with app.app_context():
        report_id = request_roster(tw.township.id, tw.users[Role.TOWNSHIP_ADMIN], tw.township)
        result = report_tasks.render_report.apply(args=[tw.township.id, report_id])
        assert result.failed()
        assert len(calls) == 1 + report_tasks.render_report.max_retries
        try:
            with tenant_context(tw.township.id):
                report = db.session.get(Report, report_id)
                assert report.status == ReportStatus.FAILED
                assert report.error == "生成失败：RuntimeError"
        finally:
            db.session.remove()


# -- d. health ----------------------------------------------------------------------------------


def test_healthz_sees_the_running_worker(client, worker):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True} and body["broker"] == {"ok": True}
    assert body["worker"]["ok"] is True and 0 <= body["worker"]["age_seconds"] < 90


def test_healthz_without_a_worker_is_degraded(database_url, redis_client):
    queue = f"{BASE_QUEUE}-nobody"
    redis_client.delete(heartbeat_key(queue))
    flask_app = make_app(database_url, CELERY_QUEUE=queue)
    try:
        response = flask_app.test_client().get("/healthz")
    finally:
        db.session.remove()
        db.engine.dispose()
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "degraded" and body["broker"]["ok"] is True
    assert body["worker"] == {"ok": False, "age_seconds": None}


# -- e. a crashed worker loses nothing ----------------------------------------------------------

VISIBILITY_TIMEOUT = 5


def test_killed_worker_loses_no_report(database_url, redis_client, worker_logs):
    """acks_late: SIGKILL the whole worker mid-render; the next worker finishes the report.

    reject_on_worker_lost: SIGKILL only the pool process; the same worker renders it again.
    """
    queue = f"{BASE_QUEUE}-crash"
    unacked = transport_options(queue, VISIBILITY_TIMEOUT)
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    log = worker_logs / "crash.log"
    flask_app = make_app(database_url, CELERY_QUEUE=queue)
    first = Worker(log, queue, **env)
    second = Worker(log, queue, **env)
    try:
        with flask_app.app_context():
            township, admin = big_township(300)  # a few seconds to render
            tid = township.id
            first.start()

            # 1. The whole worker dies while rendering.
            report_id = request_roster(tid, admin, township)
            wait_for(
                lambda: report_state(report_id, tid)["status"],
                lambda s: s != ReportStatus.QUEUED,
                30,
                "the first worker to start rendering",
            )
            first.kill()
            assert report_state(report_id, tid)["status"] == ReportStatus.RENDERING, (
                "rendered before the kill; give big_township more members"
            )
            # The message is neither lost nor back on the queue: it waits, unacknowledged.
            assert redis_client.llen(queue) == 0
            assert redis_client.hlen(unacked["unacked_key"]) == 1
            (_tag, delivered_at), *_ = redis_client.zrange(
                unacked["unacked_index_key"], 0, -1, withscores=True
            )
            # A worker hands back messages older than the visibility timeout when it starts.
            time.sleep(max(0.0, delivered_at + VISIBILITY_TIMEOUT + 0.5 - time.time()))
            second.start()
            state = wait_until_finished(report_id, tid, second)
            assert state["pages"] > 5
            assert rendered_entries(report_id, tid) == 1
            # acknowledged (after the task returned, so a moment after the commit)
            wait_for(lambda: redis_client.hlen(unacked["unacked_key"]), lambda n: n == 0, 10)

            # 2. Only the pool process dies: the worker rejects the message back onto the queue.
            report_id = request_roster(tid, admin, township)
            wait_for(
                lambda: report_state(report_id, tid)["status"],
                lambda s: s != ReportStatus.QUEUED,
                30,
                "the second worker to start rendering",
            )
            (pool_pid,) = second.pool_pids()
            os.kill(pool_pid, signal.SIGKILL)
            assert report_state(report_id, tid)["status"] == ReportStatus.RENDERING
            wait_until_finished(report_id, tid, second)
            assert rendered_entries(report_id, tid) == 1
            assert "WorkerLostError" in second.log()
    finally:
        first.stop()
        second.stop()
        db.session.remove()
        db.engine.dispose()
