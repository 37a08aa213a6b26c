"""The article's township (section 一) reproduced: the page, the JSON and the CSV show its figures."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tenants.context import tenant_context
from tests.factories import build_article_township, login, token_for
from webapp.auth.models import Role
from webapp.departures.census import compute_census, percent
from webapp.departures.models import Departure
from webapp.extensions import db

ARTICLE = {
    "members": 957,
    "mobile": 195,
    "share": "20.38",
    "cross_province": (40, "20.51"),
    "in_province": (9, "4.62"),
    "in_prefecture": (14, "7.18"),
    "in_county": (128, "65.64"),
    "unknown": 4,
    "long_term": (38, "19.49"),
}


@pytest.fixture()
def article_township(app):
    with app.app_context():
        return build_article_township()


def test_percent_rounds_half_up() -> None:
    assert percent(195, 957) == "20.38" and percent(9, 195) == "4.62" and percent(0, 0) == "0.00"


def test_article_census_page_json_and_csv(app, client, article_township) -> None:
    township, admin = article_township
    login(client, admin)
    page = client.get(f"/t/{township.slug}/census/").get_data(as_text=True)
    for text in (
        "957",
        "195",
        "20.38%",
        "20.51%",
        "4.62%",
        "7.18%",
        "65.64%",
        "19.49%",
        "去向不明",
        ">4<",
        ">38<",
    ):
        assert text in page, text
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for(admin)}"}
    body = client.get(f"/api/v1/t/{township.slug}/census", headers=headers).get_json()
    assert body["members"] == 957 and body["mobile"] == {"count": 195, "share_of_members": "20.38"}
    got = {c["category"]: (c["count"], c["share_of_mobile"]) for c in body["categories"]}
    for key in ("cross_province", "in_province", "in_prefecture", "in_county"):
        assert got[key] == ARTICLE[key], key
    assert body["unclassified"]["count"] == 4
    assert sum(c for c, _ in got.values()) + body["unclassified"]["count"] == 195
    assert (body["long_term"]["count"], body["long_term"]["share_of_mobile"]) == ARTICLE[
        "long_term"
    ]
    top = [d["name"] for d in body["destinations"]]
    assert any("上海" in name for name in top) and any("广州" in name for name in top)
    assert len(body["branches"]) == 60 and sum(b["mobile"] for b in body["branches"]) == 195
    csv_response = client.get(f"/t/{township.slug}/census/?format=csv")
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    csv_body = csv_response.get_data(as_text=True)
    assert "去向不明,4," in csv_body and "流动党员,195,20.38" in csv_body


def test_census_as_of_a_past_date(app, article_township) -> None:
    township, _ = article_township
    with app.app_context(), tenant_context(township.id):
        earliest = db.session.scalar(select(Departure.departed_on).order_by(Departure.departed_on))
        before_anyone_left = compute_census(db.session, earliest - timedelta(days=1))
        assert before_anyone_left.mobile == 0 and 0 < before_anyone_left.members <= 957
        a_year_ago = compute_census(db.session, date.today() - timedelta(days=365))
        assert 0 < a_year_ago.mobile < 195


def test_county_census_sums_only_assigned(app, client, world) -> None:
    from tests.factories import login as log_in

    for tw, days in ((world.a, 30), (world.a2, 400), (world.b, 30)):
        admin = (
            world.a.users[Role.TOWNSHIP_ADMIN] if tw is world.a else tw.users[Role.TOWNSHIP_ADMIN]
        )
        log_in(client, admin)
        client.post(
            f"/t/{tw.township.slug}/members/{tw.member.id}/departure/new",
            data={
                "departed_on": (date.today() - timedelta(days=days)).isoformat(),
                "address": "上海市闵行区",
            },
        )
    log_in(client, world.coordinator_a)
    page = client.get("/county/census/").get_data(as_text=True)
    assert world.a.township.name in page and world.a2.township.name in page
    assert world.b.township.name not in page
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for(world.coordinator_a)}"}
    body = client.get("/api/v1/county/census", headers=headers).get_json()
    assert [t["slug"] for t in body["townships"]] == sorted(
        [world.a.township.slug, world.a2.township.slug],
        key=lambda s: {
            world.a.township.slug: world.a.township.name,
            world.a2.township.slug: world.a2.township.name,
        }[s],
    )
    assert body["members"] == 4 and body["mobile"]["count"] == 2 and body["long_term"]["count"] == 1
    assert {t["slug"]: t["mobile"] for t in body["townships"]} == {
        world.a.township.slug: 1,
        world.a2.township.slug: 1,
    }
    log_in(client, world.a.users[Role.TOWNSHIP_ADMIN])
    assert client.get("/county/census/").status_code == 403
