"""Card PDFs rendered by a real Celery worker: one document for many cards, front and back."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.certificates.helpers import TODAY, issue
from tests.conftest import make_app
from tests.factories import login, make_member, make_user
from tests.workers.harness import Worker, wait_for
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.certificates.models import CertificatePrint
from webapp.certificates.pdf import RENDER_TASK, render_cards
from webapp.extensions import db
from webapp.idnumber import mask_id_number
from workers.tasks.heartbeat import heartbeat_key

pytestmark = pytest.mark.worker

QUEUE = os.environ["CELERY_QUEUE"] + "-cards"
HEARTBEAT_TASK = "workers.tasks.heartbeat.beat"
CARD_MM = (85.6, 54.0)


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
    proc = Worker(tmp_path_factory.mktemp("cards-worker") / "worker.log", QUEUE).start()
    yield proc
    proc.stop()


@pytest.fixture()
def app(database_url: str, redis_client: redis.Redis) -> Iterator[Flask]:
    """The conftest app, sending its jobs to the module's worker."""
    flask_app = make_app(database_url, CELERY_QUEUE=QUEUE)
    yield flask_app
    db.session.remove()
    db.engine.dispose()


def _printed_entries(tenant_id: int, print_id: int) -> int:
    with tenant_context(tenant_id):
        try:
            return db.session.scalar(
                select(func.count(AuditLog.id)).where(
                    AuditLog.action == "certificate.printed", AuditLog.entity_id == print_id
                )
            )
        finally:
            db.session.remove()


def _pdf(tenant_id: int, print_id: int) -> bytes | None:
    with tenant_context(tenant_id):
        try:
            return db.session.scalar(
                select(CertificatePrint.pdf).where(CertificatePrint.id == print_id)
            )
        finally:
            db.session.remove()


def test_batch_of_cards_through_the_worker(app, client, world, worker, artifacts, tmp_path):
    tw = world.a
    extra = make_member(tw.township, tw.other_branch, name="欧阳明月")
    certs = [
        issue(app, tw, tw.member, inflow_branch_id=tw.empty_branch.id),
        issue(app, tw, tw.other_member, issued_on=TODAY - timedelta(days=30)),
        issue(app, tw, extra, number="QX-2026-A"),
    ]
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/t/{tw.township.slug}/certificates"
    response = client.post(f"{base}/print", data={"ids": [str(c.id) for c in certs]})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    print_id = int(response.location.rsplit("/", 1)[1])
    status = wait_for(
        lambda: client.get(f"{base}/prints/{print_id}?format=json").get_json(),
        lambda s: s["status"] in ("done", "failed"),
        90,
        "the worker to render the cards",
    )
    assert status["status"] == "done", worker.log()
    assert status["pages"] == 6  # front and back of three cards, one document

    download = client.get(f"{base}/prints/{print_id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    pdf_path = tmp_path / "cards.pdf"
    pdf_path.write_bytes(download.data)
    info = subprocess.run(["pdfinfo", pdf_path], check=True, capture_output=True, text=True)
    size = next(line for line in info.stdout.splitlines() if line.startswith("Page size"))
    width, height = (float(v) * 25.4 / 72 for v in size.split(":")[1].split("pts")[0].split("x"))
    assert (round(width, 1), round(height, 1)) == CARD_MM, size

    for page, name in ((1, "certificate-card-front"), (2, "certificate-card-back")):
        png = artifacts / f"{name}.png"
        png.unlink(missing_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "300",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(pdf_path),
                str(png.with_suffix("")),
            ],
            check=True,
        )
        assert png.stat().st_size > 10_000

    if shutil.which("zbarimg"):  # decode the printed QR code and follow it, as a phone would
        scanned = subprocess.run(
            ["zbarimg", "-q", "--raw", str(artifacts / "certificate-card-front.png")],
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert scanned.startswith("http://localhost/v/"), scanned
        check = app.test_client().get(scanned.removeprefix("http://localhost"))
        assert check.status_code == 200 and "有效" in check.get_data(as_text=True)
        assert tw.member.name not in check.get_data(as_text=True)

    text = subprocess.run(
        ["pdftotext", "-layout", pdf_path, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "流动党员活动证" in text and tw.township.name in text and "使用须知" in text
    for cert, member, branch in (
        (certs[0], tw.member, tw.branch),
        (certs[1], tw.other_member, tw.other_branch),
        (certs[2], extra, tw.other_branch),
    ):
        assert cert.number in text and member.name in text and branch.name in text
        assert member.id_number not in text and mask_id_number(member.id_number) not in text
        assert member.phone not in text

    with app.app_context():
        assert _printed_entries(tw.township.id, print_id) == 1


def test_rendering_twice_changes_nothing(app, client, world, worker, redis_client):
    tw = world.a
    cert = issue(app, tw)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    response = client.post(f"/t/{tw.township.slug}/certificates/print", data={"ids": [cert.id]})
    print_id = int(response.location.rsplit("/", 1)[1])
    wait_for(
        lambda: client.get(response.location + "?format=json").get_json()["status"],
        lambda s: s in ("done", "failed"),
        90,
        "the first render",
    )
    with app.app_context():
        pdf = _pdf(tw.township.id, print_id)
        assert pdf is not None and pdf.startswith(b"%PDF")
        celery_app = app.extensions["celery"]
        key = heartbeat_key(QUEUE)
        redis_client.delete(key)
        for _ in range(2):
            celery_app.send_task(RENDER_TASK, args=[tw.township.id, print_id])
        celery_app.send_task(HEARTBEAT_TASK)  # one process, FIFO: back means both duplicates ran
        wait_for(lambda: redis_client.exists(key), bool, 60, "the duplicates to be processed")
        with tenant_context(tw.township.id):
            render_cards(db.session, print_id)
        db.session.remove()
        assert _printed_entries(tw.township.id, print_id) == 1
        assert _pdf(tw.township.id, print_id) == pdf
    assert "Traceback" not in worker.log(), worker.log()


def test_task_skips_a_missing_job(app, world):
    from workers.tasks.certificates import render_certificate_cards

    with app.app_context():
        result = render_certificate_cards.apply(args=[world.a.township.id, 10**9])
    assert result.successful()


def test_only_the_requester_or_an_officer_sees_a_print_job(app, client, world):
    tw = world.a
    cert = issue(app, tw)
    login(client, tw.users[Role.BRANCH_SECRETARY])
    response = client.post(f"/t/{tw.township.slug}/certificates/print", data={"ids": [cert.id]})
    assert response.status_code == 302
    job_url = response.location
    assert client.get(job_url).status_code == 200
    with app.app_context():
        colleague = make_user(Role.BRANCH_SECRETARY, tw.township, branch=tw.branch)
    login(client, colleague)
    assert client.get(job_url).status_code == 404
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    assert client.get(job_url).status_code == 200
