"""Branch scorecards against hand-computed numbers; branch targets; the county page."""

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from tenants.context import tenant_context
from tenants.models import Township
from tests.activities.helpers import activity
from tests.duties.helpers import contact, trip
from tests.factories import World, login, make_member, token_for
from webapp.activities.models import Attendance, AttendanceMode
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.duties.models import ThreeOnesItem, ThreeOnesKind, ThreeOnesStatus
from webapp.duties.periods import half_of, quarter_of
from webapp.extensions import db
from webapp.risk.scorecards import compute_scorecards, span_of

TODAY = date.today()


def _history(world: World) -> None:
    """Branch: world member at home + two mobile members; one visited, one with 三个一 done.

    Hand-computed for this quarter: visits 1/2 = 50.0 %; 三个一 1/2 = 50.0 %;
    one activity today with 3 members expected and 2 attending = 66.7 %.
    """
    tw = world.a
    away_since = quarter_of(TODAY).start - timedelta(days=10)
    done, idle = make_member(tw.township, tw.branch), make_member(tw.township, tw.branch)
    for m in (done, idle):
        trip(m, away_since)
    contact(done, TODAY)
    held = activity(tw.branch, TODAY)
    with tenant_context(tw.township.id):
        for m, mode in ((tw.member, AttendanceMode.HOME), (done, AttendanceMode.ONLINE)):
            db.session.add(
                Attendance(tenant_id=tw.township.id, activity_id=held, member_id=m.id, mode=mode)
            )
        for kind in ThreeOnesKind:
            db.session.add(
                ThreeOnesItem(
                    tenant_id=tw.township.id,
                    member_id=done.id,
                    half=half_of(TODAY).key,
                    kind=kind,
                    status=ThreeOnesStatus.DONE,
                    happened_on=TODAY,
                    note="已完成",
                )
            )
        db.session.commit()


def _card(world: World, period: str = "quarter") -> dict:
    tw = world.a
    with tenant_context(tw.township.id):
        town = db.session.get(Township, tw.township.id)
        cards, _total = compute_scorecards(db.session, town, span_of(period, TODAY), TODAY)
        return next(c for c in cards if c.key == tw.branch.id).as_dict()["measures"]


def test_scorecard_numbers(app: Flask, world: World) -> None:
    _history(world)
    m = _card(world)
    assert (m["visit"]["done"], m["visit"]["due"], m["visit"]["percent"]) == (1, 2, 50.0)
    assert (m["three_ones"]["done"], m["three_ones"]["due"]) == (1, 2)
    assert (m["attendance"]["done"], m["attendance"]["due"], m["attendance"]["percent"]) == (
        2,
        3,
        66.7,
    )
    assert m["visit"]["target"] == 100 and m["visit"]["met"] is False
    assert m["attendance"]["target"] == 80 and m["attendance"]["met"] is False
    # the year adds the earlier quarters, in which the two were away and never visited
    y = _card(world, "year")
    assert y["attendance"]["due"] == 3


def test_branch_targets_override_and_bad_input(
    app: Flask, world: World, client: FlaskClient
) -> None:
    _history(world)
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/risk/scorecards/{tw.branch.id}/targets"
    res = client.post(url, data={"visit": "", "three_ones": "", "attendance": "150"})
    assert res.status_code == 422 and "0至100之间的整数" in res.get_data(as_text=True)
    with tenant_context(tw.township.id):
        assert not (db.session.get(Township, tw.township.id).settings or {}).get("branch_targets")
    assert (
        client.post(url, data={"visit": "", "three_ones": "", "attendance": "60"}).status_code
        == 302
    )
    m = _card(world)
    assert m["attendance"]["target"] == 60 and m["attendance"]["met"] is True
    assert m["visit"]["target"] == 100
    with tenant_context(tw.township.id):
        assert db.session.query(AuditLog).filter_by(action="scorecard.targets_set").count() == 1
    body = client.get(f"/t/{tw.township.slug}/risk/scorecards").get_data(as_text=True)
    assert "score-ok" in body and "score-bad" in body


def test_bad_period_is_refused(app: Flask, world: World, client: FlaskClient) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    assert client.get(f"/t/{tw.township.slug}/risk/scorecards?period=2999").status_code == 400
    with app.app_context():
        token = token_for(tw.users[Role.TOWNSHIP_ADMIN])
    res = client.get(
        f"/api/v1/t/{tw.township.slug}/scorecards?period=2026Q9",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert res.status_code == 422 and "period" in res.get_json()["errors"]["json"]


def test_api_scorecards(app: Flask, world: World, client: FlaskClient) -> None:
    _history(world)
    tw = world.a
    with app.app_context():
        token = token_for(tw.users[Role.BRANCH_SECRETARY])
    res = client.get(
        f"/api/v1/t/{tw.township.slug}/scorecards", headers={"Authorization": f"Bearer {token}"}
    )
    body = res.get_json()
    assert [b["id"] for b in body["branches"]] == [tw.branch.id]  # own branch only
    assert body["branches"][0]["measures"]["visit"]["percent"] == 50.0


def test_county_scorecards_show_only_assigned(
    app: Flask, world: World, client: FlaskClient
) -> None:
    login(client, world.coordinator_a)
    body = client.get("/county/scorecards/").get_data(as_text=True)
    assert world.a.township.name in body and world.a2.township.name in body
    assert world.b.township.name not in body
    login(client, world.coordinator_b)
    body = client.get("/county/scorecards/").get_data(as_text=True)
    assert world.b.township.name in body and world.a.township.name not in body
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    assert client.get("/county/scorecards/").status_code == 403
