"""The certificate API: list, due, get, issue, verify, replace, report-loss, return; 422 in Chinese."""

from datetime import timedelta

from tests.certificates.helpers import TODAY, counts, issue
from tests.factories import token_for
from webapp.auth.models import Role
from webapp.certificates.models import add_months


def _headers(app, user) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {token_for(user)}"}


def _body(**extra):
    body = {
        "issued_on": (TODAY - timedelta(days=3)).isoformat(),
        "expires_on": (TODAY + timedelta(days=300)).isoformat(),
        "reason": "外出经商",
        "destination": "浙江省杭州市萧山区",
    }
    body.update(extra)
    return body


def test_issue_verify_replace_lose_return_over_the_api(app, client, world) -> None:
    tw = world.a
    base = f"/api/v1/t/{tw.township.slug}/certificates"
    headers = _headers(app, tw.users[Role.TOWNSHIP_ADMIN])
    created = client.post(base, json=_body(member_id=tw.member.id), headers=headers)
    assert created.status_code == 201, created.get_json()
    cert = created.get_json()
    assert cert["status"] == "valid" and cert["member_name"] == tw.member.name
    assert cert["next_verification_due"] == add_months(TODAY - timedelta(days=3), 6).isoformat()

    verified = client.post(
        f"{base}/{cert['id']}/verify",
        json={"verified_on": TODAY.isoformat(), "branch_id": tw.branch.id, "notes": "按时验证"},
        headers=headers,
    )
    assert verified.status_code == 201, verified.get_json()
    assert verified.get_json()["side"] == "outflow"

    replaced = client.post(f"{base}/{cert['id']}/replace", json=_body(), headers=headers)
    assert replaced.status_code == 201, replaced.get_json()
    new = replaced.get_json()
    assert new["replaces_id"] == cert["id"]
    old = client.get(f"{base}/{cert['id']}", headers=headers).get_json()
    assert old["status"] == "voided" and old["replaced_by_id"] == new["id"]
    assert old["verifications"][0]["notes"] == "按时验证"

    refused = client.post(
        f"{base}/{cert['id']}/verify",
        json={"verified_on": TODAY.isoformat(), "branch_id": tw.branch.id},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["status"] == ["该证已作废，不能验证"]

    lost = client.post(
        f"{base}/{new['id']}/report-loss", json={"lost_on": TODAY.isoformat()}, headers=headers
    )
    assert lost.status_code == 200 and lost.get_json()["status"] == "lost"
    again = client.post(
        f"{base}/{new['id']}/return", json={"returned_on": TODAY.isoformat()}, headers=headers
    )
    assert (
        again.status_code == 422 and "不能交回" in again.get_json()["errors"]["json"]["status"][0]
    )
    listing = client.get(f"{base}?status=lost", headers=headers).get_json()
    assert [row["id"] for row in listing["items"]] == [new["id"]]
    assert listing["meta"]["total"] == 1


def test_bad_api_input_is_422_with_field_messages(app, client, world) -> None:
    tw = world.a
    base = f"/api/v1/t/{tw.township.slug}/certificates"
    headers = _headers(app, tw.users[Role.TOWNSHIP_ADMIN])
    before = counts(app, tw.township.id)
    missing = client.post(base, json={"member_id": tw.member.id}, headers=headers)
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]["json"]) >= {"issued_on", "expires_on", "reason"}
    wrong = client.post(
        base,
        json=_body(
            member_id=tw.member.id,
            expires_on=(TODAY - timedelta(days=30)).isoformat(),
            number="有 空格",
        ),
        headers=headers,
    )
    errors = wrong.get_json()["errors"]["json"]
    assert wrong.status_code == 422
    assert errors["expires_on"] == ["有效期至应晚于发证日期"]
    assert "证号只能包含" in errors["number"][0]
    odd = client.post(base, json=_body(member_id="abc"), headers=headers)
    assert odd.status_code == 422 and odd.get_json()["errors"]["json"]["member_id"] == [
        "格式不正确"
    ]
    elsewhere = client.post(base, json=_body(member_id=world.b.member.id), headers=headers)
    assert elsewhere.status_code == 404
    bad_args = client.get(f"{base}/due?state=later&window_days=-1", headers=headers)
    assert bad_args.status_code == 422
    assert counts(app, tw.township.id)[:2] == before[:2]


def test_due_list_and_branch_reach_over_the_api(app, client, world) -> None:
    tw = world.a
    mine = issue(app, tw, issued_on=TODAY - timedelta(days=250))
    theirs = issue(app, tw, tw.other_member, issued_on=TODAY - timedelta(days=250))
    secretary = _headers(app, tw.users[Role.BRANCH_SECRETARY])
    base = f"/api/v1/t/{tw.township.slug}/certificates"
    due = client.get(f"{base}/due?state=overdue", headers=secretary).get_json()
    assert [row["id"] for row in due["items"]] == [mine.id]
    assert client.get(f"{base}/{theirs.id}", headers=secretary).status_code == 404
    committee = _headers(app, tw.users[Role.COMMITTEE_MEMBER])
    assert (
        client.post(base, json=_body(member_id=tw.member.id), headers=committee).status_code == 403
    )
    member = _headers(app, tw.users[Role.MEMBER])
    assert client.get(base, headers=member).status_code == 403
