"""The duty API: assignments, contacts, coverage, 三个一; 422 with field messages, 403/404 as the UI."""

from datetime import date, timedelta

from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.duties.helpers import mobile_member, trip
from tests.factories import token_for
from webapp.auth.models import Role
from webapp.duties.models import Contact, ThreeOnesItem
from webapp.duties.periods import half_of, quarter_of
from webapp.extensions import db

TODAY = date.today()
GOOD = "视频通话，了解在上海的工作和学习情况，转达了支部的学习安排。"


def _auth(app, user) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {token_for(user)}"}


def test_assign_log_and_read_coverage(app, client, world) -> None:
    tw = world.a
    base = f"/api/v1/t/{tw.township.slug}"
    headers = _auth(app, tw.users[Role.BRANCH_SECRETARY])
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=20))
    auto = client.post(f"{base}/duties/branches/{tw.branch.id}/auto-assign", headers=headers)
    assert auto.status_code == 200 and [a["member_id"] for a in auto.get_json()] == [member.id]
    cm = tw.users[Role.COMMITTEE_MEMBER]
    moved = client.post(
        f"{base}/duties/members/{member.id}/assignment", json={"officer_id": cm.id}, headers=headers
    )
    assert moved.status_code == 201 and moved.get_json()["officer_name"] == cm.display_name
    history = client.get(f"{base}/duties/members/{member.id}/assignment", headers=headers)
    assert [a["officer_id"] for a in history.get_json()] == [cm.id]  # same-day correction
    roster = client.get(f"{base}/duties/assignments?branch_id={tw.branch.id}", headers=headers)
    assert member.id in {r["member_id"] for r in roster.get_json()["items"]}

    def coverage() -> dict:
        response = client.get(f"{base}/duties/coverage?branch_id={tw.branch.id}", headers=headers)
        assert response.status_code == 200
        return response.get_json()

    assert coverage()["total"]["overdue"] == 1
    body = {"contacted_on": TODAY.isoformat(), "channel": "video", "substance": GOOD}
    cm_headers = _auth(app, cm)
    logged = client.post(
        f"{base}/duties/members/{member.id}/contacts", json=body, headers=cm_headers
    )
    assert logged.status_code == 201 and logged.get_json()["channel_label"] == "视频"
    after = coverage()
    assert after["quarter"]["key"] == quarter_of(TODAY).key
    assert (after["total"]["due"], after["total"]["visited"]) == (1, 1)
    assert after["officers"][0]["name"] == cm.display_name
    assert after["items"][0]["status"] == "visited"
    listed = client.get(f"{base}/duties/members/{member.id}/contacts", headers=headers).get_json()
    assert listed["meta"]["total"] == 1 and listed["items"][0]["substance"] == GOOD
    ended = client.delete(f"{base}/duties/members/{member.id}/assignment", headers=headers)
    assert ended.status_code == 204


def test_bad_input_is_422_with_field_messages_and_writes_nothing(app, client, world) -> None:
    tw = world.a
    base = f"/api/v1/t/{tw.township.slug}"
    headers = _auth(app, tw.users[Role.TOWNSHIP_ADMIN])
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=20))
    url = f"{base}/duties/members/{member.id}/contacts"
    future = (TODAY + timedelta(days=1)).isoformat()
    cases = [
        ({"contacted_on": future, "channel": "phone", "substance": GOOD}, "contacted_on"),
        ({"contacted_on": TODAY.isoformat(), "channel": "phone", "substance": "你好"}, "substance"),
        ({"contacted_on": TODAY.isoformat(), "channel": "fax", "substance": GOOD}, "channel"),
        ({"channel": "phone", "substance": GOOD}, "contacted_on"),
    ]
    for body, field in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422, body
        assert field in response.get_json()["errors"]["json"], body
    bad_officer = client.post(
        f"{base}/duties/members/{member.id}/assignment",
        json={"officer_id": world.b.users[Role.COMMITTEE_MEMBER].id},
        headers=headers,
    )
    assert "officer_id" in bad_officer.get_json()["errors"]["json"]
    bad_quarter = client.get(f"{base}/duties/coverage?quarter=2999Q1", headers=headers)
    assert bad_quarter.status_code == 422
    item = {"half": "1999H1", "kind": "call", "status": "done", "note": "打过电话"}
    bad_item = client.put(f"{base}/three-ones/members/{member.id}", json=item, headers=headers)
    errors = bad_item.get_json()["errors"]["json"]
    assert bad_item.status_code == 422 and {"half", "happened_on"} <= set(errors)
    with app.app_context(), tenant_context(tw.township.id):
        assert db.session.scalar(select(func.count(Contact.id))) == 0
        assert db.session.scalar(select(func.count(ThreeOnesItem.id))) == 0


def test_three_ones_api_for_officers_and_the_member_themself(app, client, world) -> None:
    tw = world.a
    base = f"/api/v1/t/{tw.township.slug}"
    half = half_of(TODAY).key
    with app.app_context():
        trip(tw.member, TODAY - timedelta(days=40))
    officer = _auth(app, tw.users[Role.COMMITTEE_MEMBER])
    member = _auth(app, tw.users[Role.MEMBER])
    activity = {
        "half": half,
        "kind": "activity",
        "status": "done",
        "happened_on": TODAY.isoformat(),
        "note": "支部组织生活会（线上）",
    }
    recorded = client.put(
        f"{base}/three-ones/members/{tw.member.id}", json=activity, headers=officer
    )
    assert recorded.status_code == 200 and not recorded.get_json()["by_member"]
    letter = {**activity, "kind": "letter", "note": "思想汇报：外出务工半年的体会"}
    mine = client.put(f"{base}/three-ones/mine", json=letter, headers=member)
    assert mine.status_code == 200 and mine.get_json()["by_member"]
    overwrite = client.put(f"{base}/three-ones/mine", json=activity, headers=member)
    assert overwrite.status_code == 422
    # a member may not use the officers' endpoint, for anyone
    other = client.put(
        f"{base}/three-ones/members/{tw.other_member.id}", json=activity, headers=member
    )
    assert other.status_code == 403
    own = client.get(f"{base}/three-ones/mine?half={half}", headers=member).get_json()
    assert own["items"]["letter"]["status"] == "done" and own["items"]["call"] is None
    board = client.get(f"{base}/three-ones?branch_id={tw.branch.id}", headers=officer).get_json()
    row = next(r for r in board["items"] if r["member_id"] == tw.member.id)
    assert row["items"] == {"activity": "done", "letter": "done", "call": "missing"}
    assert board["total"]["items"]["call"]["missing"] >= 1
    # officers of another branch of the township: 404 for this member
    secretary_b = world.a2.users[Role.BRANCH_SECRETARY]
    foreign = client.put(
        f"{base}/three-ones/members/{tw.member.id}", json=activity, headers=_auth(app, secretary_b)
    )
    assert foreign.status_code == 404


def test_branch_roles_see_only_their_branch(app, client, world) -> None:
    tw = world.a
    base = f"/api/v1/t/{tw.township.slug}"
    headers = _auth(app, tw.users[Role.COMMITTEE_MEMBER])
    with app.app_context():
        other = tw.other_member
        trip(other, TODAY - timedelta(days=10))
    body = client.get(f"{base}/duties/coverage", headers=headers).get_json()
    assert other.id not in {r["member_id"] for r in body["items"]}
    assert (
        client.get(f"{base}/duties/members/{other.id}/contacts", headers=headers).status_code == 404
    )
    assert (
        client.post(
            f"{base}/duties/branches/{tw.branch.id}/auto-assign", headers=headers
        ).status_code
        == 403
    )
