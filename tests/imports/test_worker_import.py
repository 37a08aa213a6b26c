"""The whole import through a real Celery worker: upload, preview, import, progress to 100."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from tests.conftest import make_app
from tests.factories import login
from tests.imports.util import away, counts, person, upload, xlsx
from tests.workers.harness import Worker, wait_for
from webapp.auth.models import Role
from webapp.extensions import db

pytestmark = pytest.mark.worker

QUEUE = os.environ["CELERY_QUEUE"] + "-imports"
ROWS = 450  # three batches


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield client
    for key in client.scan_iter(match=f"*{QUEUE}*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def worker(
    database_url: str, redis_client: redis.Redis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """One real worker on this module's own queue."""
    assert os.environ["DATABASE_URL"] == database_url
    log: Path = tmp_path_factory.mktemp("import-worker") / "worker.log"
    proc = Worker(log, QUEUE).start()
    yield proc
    proc.stop()


@pytest.fixture()
def app(database_url: str, worker: Worker) -> Iterator[Flask]:
    """The conftest app, sending its jobs to the worker's queue."""
    flask_app = make_app(database_url, CELERY_QUEUE=QUEUE)
    yield flask_app
    db.session.remove()
    db.engine.dispose()


def test_import_through_a_real_worker(app, client, world, worker) -> None:
    tw = world.a
    slug, tid = tw.township.slug, tw.township.id
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    rows = [person(tw.branch.name, **(away() if i % 3 == 0 else {})) for i in range(ROWS - 1)] + [
        person("没有这个支部")
    ]
    before = counts(app, tid)
    job_id = upload(client, slug, xlsx(rows))
    url = f"/t/{slug}/imports/{job_id}?format=json"

    state = wait_for(
        lambda: client.get(url).get_json(),
        lambda s: s["status"] in ("previewed", "failed"),
        90,
        "the worker to validate the file",
    )
    assert state["status"] == "previewed", worker.log()
    assert state["progress"] == 100
    assert (state["total_rows"], state["valid_rows"], state["error_rows"]) == (ROWS, ROWS - 1, 1)
    assert counts(app, tid) == before, "validation writes nothing"

    response = client.post(
        f"/t/{slug}/imports/{job_id}/run", data={"mode": "valid_only", "confirm": "yes"}
    )
    assert response.status_code == 302
    seen: list[int] = []

    def probe() -> dict:
        body = client.get(url).get_json()
        seen.append(body["progress"])
        return body

    state = wait_for(probe, lambda s: s["status"] in ("done", "failed"), 120, "the import")
    assert state["status"] == "done", worker.log()
    assert state["progress"] == 100 and seen == sorted(seen)
    trips = len([i for i in range(ROWS - 1) if i % 3 == 0])
    assert state["counts"]["result"] == {"created": ROWS - 1, "departures": trips, "skipped": 1}
    assert counts(app, tid) == (before[0] + ROWS - 1, before[1] + trips)
    page = client.get(f"/t/{slug}/imports/{job_id}").get_data(as_text=True)
    assert f"新增 {ROWS - 1} 人" in page and "没有这个支部" in page
