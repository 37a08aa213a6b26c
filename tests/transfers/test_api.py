"""Issue 10: transfers over the API with the same rules as the pages: each side acts on its own
side only; the wrong side, a skipped step and bad bodies are refused by name and change nothing."""

import base64

from tests.directory.helpers import add_organisation
from tests.factories import token_for
from tests.transfers.helpers import advance, draft, entry_for, load
from webapp.auth.models import Role
from webapp.transfers.models import Step, Transfer, TransferStatus


def _headers(app, user) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {token_for(user)}"}


def test_a_transfer_end_to_end_over_the_api(app, client, world):
    home, receiver = world.a, world.a2
    with app.app_context():
        entry = entry_for(receiver, receiver.branch.id)
    officer = _headers(app, home.users[Role.TOWNSHIP_ADMIN])
    secretary = _headers(app, home.users[Role.BRANCH_SECRETARY])
    host = _headers(app, receiver.users[Role.TOWNSHIP_ADMIN])
    base = f"/api/v1/t/{home.township.slug}"
    bad = client.post(
        f"{base}/transfers",
        json={"member_id": home.member.id, "organisation_id": 999999},
        headers=officer,
    )
    assert bad.status_code == 422 and "organisation_id" in bad.get_json()["errors"]["json"]
    made = client.post(
        f"{base}/transfers",
        json={"member_id": home.member.id, "organisation_id": entry, "reason": "定居"},
        headers=officer,
    )
    assert made.status_code == 201, made.get_json()
    transfer_id = made.get_json()["id"]
    assert client.post(f"{base}/transfers/{transfer_id}/submit", headers=officer).status_code == 200
    # the officer may not take the branch's step
    wrong = client.post(
        f"{base}/transfers/{transfer_id}/decide", json={"approve": True}, headers=officer
    )
    assert wrong.status_code == 403
    for headers in (secretary, officer):
        done = client.post(
            f"{base}/transfers/{transfer_id}/decide", json={"approve": True}, headers=headers
        )
        assert done.status_code == 200, done.get_json()
    issued = client.get(f"{base}/transfers/{transfer_id}", headers=officer).get_json()
    assert issued["status"] == "issued" and [a["step"] for a in issued["approvals"]] == [
        "branch",
        "township",
    ]
    # the receiver sees its own incoming row, never the sending transfer
    other = f"/api/v1/t/{receiver.township.slug}"
    assert client.get(f"{other}/transfers/{transfer_id}", headers=host).status_code == 404
    rows = client.get(f"{other}/incoming", headers=host).get_json()["items"]
    row = next(r for r in rows if r["letter_number"] == issued["letter_number"])
    assert "id_number" not in row and row["member_name"] == home.member.name
    received = client.post(f"{other}/incoming/{row['id']}/receive", headers=host)
    assert received.status_code == 200 and received.get_json()["status"] == "received"
    again = client.post(f"{other}/incoming/{row['id']}/receive", headers=host)
    assert again.status_code == 422
    with app.app_context():
        assert load(home, Transfer, transfer_id).status == TransferStatus.RECEIVED


def test_off_platform_receipt_over_the_api_checks_the_scan_and_the_number(app, client, world):
    home = world.a
    with app.app_context():
        transfer_id = draft(home, add_organisation(home).id)
        advance(home, transfer_id, Step.BRANCH, Step.TOWNSHIP)
        advance(home, transfer_id, Step.COUNTY, coordinator=world.coordinator_a)
        number = load(home, Transfer, transfer_id).letter_number
    officer = _headers(app, home.users[Role.TOWNSHIP_ADMIN])
    url = f"/api/v1/t/{home.township.slug}/receipts"
    body = {
        "letter_number": number,
        "received_on": "2026-01-01",
        "reference": "回执15号",
        "scan_base64": "not base64!",
    }
    bad = client.post(url, json=body, headers=officer)
    assert bad.status_code == 422 and "scan_base64" in bad.get_json()["errors"]["json"]
    scan = base64.b64encode(b"%PDF-1.4").decode()
    unknown = client.post(
        url, json={**body, "letter_number": "2026-0-0", "scan_base64": scan}, headers=officer
    )
    assert unknown.status_code == 422 and "letter_number" in unknown.get_json()["errors"]["json"]
    with app.app_context():
        issued_on = load(home, Transfer, transfer_id).issued_on
    good = client.post(
        url,
        json={**body, "scan_base64": scan, "received_on": issued_on.isoformat()},
        headers=officer,
    )
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["status"] == "receipted"


def test_county_approval_and_letters_over_the_api(app, client, world):
    home = world.a
    with app.app_context():
        transfer_id = draft(home, entry_for(world.b, world.b.branch.id))
        advance(home, transfer_id, Step.BRANCH, Step.TOWNSHIP)
    url = f"/api/v1/county/transfers/{transfer_id}/decide"
    outsider = client.post(url, json={"approve": True}, headers=_headers(app, world.coordinator_b))
    assert outsider.status_code == 404
    officer = _headers(app, home.users[Role.TOWNSHIP_ADMIN])
    assert client.post(url, json={"approve": True}, headers=officer).status_code == 404
    coordinator = _headers(app, world.coordinator_a)
    done = client.post(url, json={"approve": True}, headers=coordinator)
    assert done.status_code == 200 and done.get_json()["status"] == "issued"

    base = f"/api/v1/t/{home.township.slug}"
    bad = client.post(f"{base}/letters", json={"transfer_ids": [], "mode": "full"}, headers=officer)
    assert bad.status_code == 422
    job = client.post(
        f"{base}/letters", json={"transfer_ids": [transfer_id], "mode": "fill"}, headers=officer
    )
    assert job.status_code == 202, job.get_json()
    job_id = job.get_json()["id"]
    status = client.get(f"{base}/letters/{job_id}", headers=officer).get_json()
    assert status["status"] in ("queued", "rendering", "done")
    assert client.get(f"{base}/letters/{job_id}/pdf", headers=officer).status_code in (200, 404)
