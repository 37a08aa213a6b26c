"""Issue 10: the directory and placements over the API, with the same rules as the pages."""

from datetime import date

from tests.directory.helpers import SHENZHEN, add_organisation
from tests.factories import token_for, uid
from tests.placements.helpers import DEPARTED, send_away
from webapp.auth.models import Role


def _headers(app, user) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {token_for(user)}"}


def test_directory_and_placement_over_the_api(app, client, world):
    tw = world.a
    headers = _headers(app, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/api/v1/t/{tw.township.slug}"
    name = f"深圳某党支部{uid()}"
    bad = client.post(
        f"{base}/directory", json={**SHENZHEN, "name": name, "division_code": "1"}, headers=headers
    )
    assert bad.status_code == 422 and "division_code" in bad.get_json()["errors"]["json"]
    made = client.post(f"{base}/directory", json={**SHENZHEN, "name": name}, headers=headers)
    assert made.status_code == 201, made.get_json()
    org_id = made.get_json()["id"]
    found = client.get(f"{base}/directory", query_string={"q": name}, headers=headers).get_json()
    assert [o["id"] for o in found["items"]] == [org_id]
    assert found["items"][0]["township"] == tw.township.name

    url = f"{base}/members/{tw.member.id}/placements"
    body = {"organisation_id": org_id, "placed_on": DEPARTED.isoformat()}
    home = client.post(url, json=body, headers=headers)
    assert home.status_code == 422 and "member" in home.get_json()["errors"]["json"]
    with app.app_context():
        send_away(tw, tw.member.id)
    placed = client.post(url, json=body, headers=headers)
    assert placed.status_code == 201 and placed.get_json()["status"] == "pending"
    placement_id = placed.get_json()["id"]
    today = date.today().isoformat()
    reported = client.post(
        f"{base}/placements/{placement_id}/report", json={"reported_on": today}, headers=headers
    )
    assert reported.status_code == 200 and reported.get_json()["status"] == "active"
    wrong = client.post(
        f"{base}/placements/{placement_id}/end",
        json={"closed_on": today, "end_reason": "vanished"},
        headers=headers,
    )
    assert wrong.status_code == 422
    ended = client.post(
        f"{base}/placements/{placement_id}/end",
        json={"closed_on": today, "end_reason": "returned"},
        headers=headers,
    )
    assert ended.status_code == 200 and ended.get_json()["status"] == "ended"
    listed = client.get(url, headers=headers).get_json()
    assert [p["id"] for p in listed] == [placement_id]

    other = _headers(app, world.a2.users[Role.TOWNSHIP_ADMIN])
    foreign = f"/api/v1/t/{world.a2.township.slug}/placements/{placement_id}/end"
    assert (
        client.post(
            foreign, json={"closed_on": today, "end_reason": "other"}, headers=other
        ).status_code
        == 404
    )


def test_branch_roles_cannot_add_organisations_over_the_api(app, client, world):
    tw = world.a
    with app.app_context():
        add_organisation(tw)
    headers = _headers(app, tw.users[Role.COMMITTEE_MEMBER])
    base = f"/api/v1/t/{tw.township.slug}"
    assert client.get(f"{base}/directory", headers=headers).status_code == 200
    refused = client.post(f"{base}/directory", json=SHENZHEN, headers=headers)
    assert refused.status_code == 403
