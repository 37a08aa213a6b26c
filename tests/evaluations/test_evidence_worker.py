"""The evidence task in a real Celery worker: queued after commit, progress to done, and a second
run that changes nothing."""

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import select

from tenants.context import tenant_context
from tests.conftest import make_app
from tests.factories import make_branch, make_county, make_member, make_township, make_user
from tests.workers.harness import Worker, wait_for
from webapp.auth.models import Role
from webapp.evaluations.jobs import do_request_evidence
from webapp.evaluations.models import EvaluationYear, EvidenceCard
from webapp.evaluations.services import do_open_year
from webapp.extensions import db

pytestmark = pytest.mark.worker

QUEUE = os.environ["CELERY_QUEUE"] + "-eval"
TODAY = date.today()


@pytest.fixture(scope="module")
def worker(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    proc = Worker(Path(tmp_path_factory.mktemp("eval")) / "worker.log", QUEUE).start()
    yield proc
    proc.stop()
    for key in client.scan_iter(match=f"*{QUEUE}*"):
        client.delete(key)
    client.close()


@pytest.fixture()
def app(database_url: str, worker: Worker) -> Iterator[Flask]:
    flask_app = make_app(database_url, CELERY_QUEUE=QUEUE)
    yield flask_app
    db.session.remove()
    db.engine.dispose()


def _state(tenant_id: int, year_id: int) -> tuple[str, int, int, list]:
    try:
        with tenant_context(tenant_id):
            year = db.session.get(EvaluationYear, year_id)
            stamps = sorted(db.session.scalars(select(EvidenceCard.computed_at)))
            return year.evidence_state, year.evidence_done, year.evidence_total, stamps
    finally:
        db.session.remove()


def test_the_worker_computes_every_card_once(app, worker) -> None:
    with app.app_context():
        township = make_township(make_county())
        branch = make_branch(township, "任务测试支部")
        for _ in range(5):
            make_member(township, branch)
        admin = make_user(Role.TOWNSHIP_ADMIN, township)
        data = {
            "year": TODAY.year,
            "self_until": TODAY + timedelta(days=1),
            "ballot_until": TODAY + timedelta(days=2),
            "grading_until": TODAY + timedelta(days=3),
            "quorum_percent": 80,
            "excellent_cap_divisor": 3,
        }
        with tenant_context(township.id):
            year_id = do_open_year(db.session, admin, township, data, TODAY).id
            year = db.session.get(EvaluationYear, year_id)
            assert do_request_evidence(db.session, admin, year)
            assert not do_request_evidence(db.session, admin, year), "one run at a time"
        db.session.remove()
        first = wait_for(lambda: _state(township.id, year_id), lambda s: s[0] == "done", 60)
        assert first[1:3] == (5, 5) and len(first[3]) == 5
        with tenant_context(township.id):
            assert do_request_evidence(db.session, admin, db.session.get(EvaluationYear, year_id))
        db.session.remove()
        again = wait_for(lambda: _state(township.id, year_id), lambda s: s[0] == "done", 60)
        assert again[3] == first[3], "the second run found the same records and wrote nothing"
