"""介绍信 PDFs: asked for over HTTP, rendered for real (WeasyPrint), read back with poppler.

Rendering with the CJK font takes seconds per document, so each test renders one batch.
"""

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tenants.context import tenant_context
from tenants.models import Township
from tests.factories import login, make_member, make_user
from tests.transfers.helpers import draft, entry_for, issued_to, load, officer
from tests.transfers.letter_helpers import request_letters
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.certificates.pdf import qr_data_uri
from webapp.extensions import db
from webapp.transfers.letter_models import LetterPrint
from webapp.transfers.letters import (
    DEFAULT_POSITIONS,
    RENDER_TASK,
    daxie,
    letter_contents,
    positions,
    render_letters,
)
from webapp.transfers.models import Letter, Transfer

A4_MM = (210.0, 297.0)


@pytest.fixture()
def sent(app, monkeypatch) -> list[tuple[str, list[Any]]]:
    """The tasks the app sends to Celery (after commit), caught instead of queued."""
    calls: list[tuple[str, list[Any]]] = []
    monkeypatch.setattr(
        app.extensions["celery"], "send_task", lambda name, args: calls.append((name, args))
    )
    return calls


def _letter(tw, transfer_id: int) -> Letter:
    with tenant_context(tw.township.id):
        row = db.session.scalar(select(Letter).where(Letter.transfer_id == transfer_id))
        db.session.expunge(row)
        db.session.remove()
    return row


def _entries(tw, action: str) -> list[AuditLog]:
    with tenant_context(tw.township.id):
        rows = db.session.scalars(
            select(AuditLog)
            .where(AuditLog.action == action, AuditLog.tenant_id == tw.township.id)
            .order_by(AuditLog.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return list(rows)


def _render(app, tw, job_id: int) -> None:
    with app.app_context(), tenant_context(tw.township.id):
        render_letters(db.session, job_id)
        db.session.remove()


def _pdf_text(pdf: bytes, path: Path) -> str:
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _page_mm(path: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    size = next(line for line in info.stdout.splitlines() if line.startswith("Page size"))
    width, height = (float(v) * 25.4 / 72 for v in size.split(":")[1].split("pts")[0].split("x"))
    return round(width), round(height)


def test_daxie_writes_days_in_financial_numerals() -> None:
    cases = {
        0: "零",
        7: "柒",
        10: "拾",
        15: "拾伍",
        30: "叁拾",
        90: "玖拾",
        100: "壹佰",
        105: "壹佰零伍",
        110: "壹佰壹拾",
        180: "壹佰捌拾",
        999: "玖佰玖拾玖",
    }
    assert {n: daxie(n) for n in cases} == cases
    for bad in (-1, 1000):
        with pytest.raises(ValueError):
            daxie(bad)


def test_township_positions_override_the_defaults_field_by_field() -> None:
    township = Township(
        settings={
            "letter_positions": {
                "letter.name": [50, 140.5],
                "letter.age": ["x", 1],  # not numbers
                "stub.day": [500, 10],  # off the page
                "nonsense": [1, 1],  # no such field
            }
        }
    )
    merged = positions(township)
    assert merged["letter.name"] == [50.0, 140.5]
    assert merged["letter.age"] == DEFAULT_POSITIONS["letter.age"]
    assert merged["stub.day"] == DEFAULT_POSITIONS["stub.day"]
    assert set(merged) == set(DEFAULT_POSITIONS)
    assert positions(Township(settings={"letter_positions": "garbage"})) == DEFAULT_POSITIONS


def test_a_batch_of_three_letters_is_one_document_of_three_pages(
    app, client, world, sent, artifacts, tmp_path
) -> None:
    home, receiver = world.a, world.a2
    with app.app_context():
        extra = make_member(home.township, home.other_branch, name="欧阳明月")
        ids = [issued_to(home, receiver, m.id) for m in (home.member, home.other_member, extra)]
        with tenant_context(home.township.id):
            db.session.execute(
                update(Transfer).where(Transfer.id == ids[0]).values(dues_paid_to="2026-04")
            )
            db.session.commit()
            db.session.remove()
        request_letters(home, [ids[2]])  # printed once already: its second print is 补打
    sent.clear()
    login(client, officer(home))
    base = f"/t/{home.township.slug}/transfers/letters"
    response = client.post(f"{base}/print", data={"ids": [str(i) for i in ids], "mode": "full"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_id = int(response.location.rsplit("/", 1)[1])
    assert sent == [(RENDER_TASK, [home.township.id, job_id])]
    assert client.get(f"{base}/prints/{job_id}?format=json").get_json()["status"] == "queued"
    assert "介绍信 3 份" in client.get(f"{base}/prints/{job_id}").get_data(as_text=True)

    _render(app, home, job_id)
    status = client.get(f"{base}/prints/{job_id}?format=json").get_json()
    assert status["status"] == "done" and status["pages"] == 3
    download = client.get(f"{base}/prints/{job_id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    pdf_path = tmp_path / "letters.pdf"
    text = _pdf_text(download.data, pdf_path)
    assert _page_mm(pdf_path) == A4_MM
    transfers = [load(home, Transfer, i) for i in ids]
    for transfer, member in zip(transfers, (home.member, home.other_member, extra), strict=True):
        assert transfer.letter_number in text and member.name in text
        assert member.id_number in text  # handed over with the letter, on paper only
    for words in ("存根", "介绍信", "回执", "党费交至", "2026年4月", "叁拾", "（盖章）", "请接洽"):
        assert words in text.replace(" ", ""), words
    assert text.count("补打") == 3  # the third letter's three parts
    assert text.index("补打") > text.index(transfers[1].letter_number)

    assert [_letter(home, i).prints for i in ids] == [1, 1, 2]
    first, batch = _entries(home, "transfer.letter_print_requested")
    assert first.after["reprint"] is False
    assert batch.after["reprint"] is True and batch.after["mode"] == "full"
    assert batch.after["numbers"] == [t.letter_number for t in transfers]
    assert batch.after["reprinted"] == [transfers[2].letter_number]
    assert len(_entries(home, "transfer.letter_printed")) == 1
    (downloaded,) = _entries(home, "transfer.letter_downloaded")
    assert downloaded.entity_id == job_id
    for entry in (first, batch, downloaded):
        assert home.member.id_number not in str(entry.after)

    png = artifacts / "transfer-letter.png"
    png.unlink(missing_ok=True)
    page1 = ["-f", "1", "-l", "1", "-singlefile"]
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", *page1, str(pdf_path), str(png.with_suffix(""))],
        check=True,
    )
    assert png.stat().st_size > 10_000


def test_fill_print_places_only_the_values(app, client, world, sent, tmp_path) -> None:
    home = world.a
    with app.app_context():
        transfer_id = issued_to(home, world.a2)
    login(client, officer(home))
    base = f"/t/{home.township.slug}/transfers/letters"
    response = client.post(f"{base}/print", data={"ids": str(transfer_id), "mode": "fill"})
    job_id = int(response.location.rsplit("/", 1)[1])
    assert "套打" in client.get(response.location).get_data(as_text=True)
    _render(app, home, job_id)
    assert client.get(f"{base}/prints/{job_id}?format=json").get_json()["pages"] == 1
    text = _pdf_text(client.get(f"{base}/prints/{job_id}/download").data, tmp_path / "fill.pdf")
    transfer = load(home, Transfer, transfer_id)
    for value in (transfer.letter_number, home.member.name, home.member.id_number, "叁拾"):
        assert value in text
    for label in ("存根", "回执", "介绍信", "盖章", "补打", "同志"):
        assert label not in text
    assert _entries(home, "transfer.letter_print_requested")[0].after["mode"] == "fill"

    # every full-mode part carries the QR code of the version in force; it opens the public check
    token = _letter(home, transfer_id).token
    with app.app_context(), tenant_context(home.township.id):
        job = db.session.get(LetterPrint, job_id)
        (content,) = letter_contents(db.session, job, db.session.get(Township, home.township.id))
        db.session.remove()
    assert content.qr == qr_data_uri(f"http://localhost/l/{token}")
    check = client.get(f"/l/{token}").get_data(as_text=True)
    assert transfer.letter_number in check and "有效" in check and home.member.name not in check


def test_only_issued_letters_are_printed_and_nothing_is_queued_otherwise(
    app, client, world, sent
) -> None:
    home = world.a
    with app.app_context():
        issued = issued_to(home, world.a2)
        waiting = draft(home, entry_for(world.a2, world.a2.branch.id), home.other_member.id)
    login(client, officer(home))
    url = f"/t/{home.township.slug}/transfers/letters/print"
    for data, message in (
        ({"ids": [str(issued), str(waiting)], "mode": "full"}, "只能打印已开具、尚未接收的介绍信"),
        ({"ids": ["x"], "mode": "full"}, "请至少选择一份已开具的介绍信"),
        ({"ids": [str(issued)], "mode": "poster"}, "请选择打印方式"),
        ({"ids": [str(10**9)], "mode": "full"}, "所选转接不存在或您无权打印"),
        ({"ids": [str(i) for i in range(1, 202)], "mode": "full"}, "一次最多打印200份"),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 302
        assert response.location.endswith(f"/t/{home.township.slug}/transfers/")
        assert message in client.get(response.location).get_data(as_text=True), message
    assert sent == []
    assert _letter(home, issued).prints == 0
    assert _entries(home, "transfer.letter_print_requested") == []
    with tenant_context(home.township.id):
        assert db.session.scalar(select(func.count(LetterPrint.id))) == 0
        db.session.remove()


def test_a_secretary_prints_own_branch_letters_and_sees_only_own_jobs(
    app, client, world, sent
) -> None:
    home = world.a
    with app.app_context():
        own = issued_to(home, world.a2)  # tw.member, on the secretary's branch
        other = issued_to(home, world.a2, home.other_member.id)
        colleague = make_user(Role.BRANCH_SECRETARY, home.township, branch=home.branch)
    login(client, home.users[Role.BRANCH_SECRETARY])
    url = f"/t/{home.township.slug}/transfers/letters/print"
    refused = client.post(url, data={"ids": [str(other)]}, follow_redirects=True)
    assert "所选转接不存在或您无权打印" in refused.get_data(as_text=True)
    response = client.post(url, data={"ids": [str(own)]})
    assert response.status_code == 302 and "/letters/prints/" in response.location
    assert client.get(response.location).status_code == 200
    login(client, colleague)
    assert client.get(response.location).status_code == 404
    assert client.get(response.location + "/download").status_code == 404
    login(client, home.users[Role.MEMBER])
    assert client.post(url, data={"ids": [str(own)]}).status_code in (403, 404)
    assert len(sent) == 1


def test_the_show_page_offers_both_prints_for_an_issued_letter(app, client, world) -> None:
    home = world.a
    with app.app_context():
        transfer_id = issued_to(home, world.a2)
        waiting = draft(home, entry_for(world.a2, world.a2.branch.id), home.other_member.id)
    login(client, officer(home))
    page = client.get(f"/t/{home.township.slug}/transfers/{transfer_id}").get_data(as_text=True)
    assert 'id="print-letter"' in page and "打印介绍信" in page and "套打" in page
    page = client.get(f"/t/{home.township.slug}/transfers/{waiting}").get_data(as_text=True)
    assert 'id="print-letter"' not in page


def test_the_task_skips_a_missing_job(app, world) -> None:
    from workers.tasks.letters import render_transfer_letters

    assert render_transfer_letters.name == RENDER_TASK
    with app.app_context():
        result = render_transfer_letters.apply(args=[world.a.township.id, 10**9])
    assert result.successful()
