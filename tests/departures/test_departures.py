"""Departure, move and return: history kept with dates, categories derived, bad input refused."""

from datetime import date, timedelta

from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.factories import login, make_member, token_for
from webapp.auth.models import Role
from webapp.departures.census import compute_census
from webapp.departures.models import Departure, Whereabouts
from webapp.extensions import db

TODAY = date.today()


def _form(**extra) -> dict[str, str]:
    data = {
        "departed_on": (TODAY - timedelta(days=100)).isoformat(),
        "expected_return": (TODAY + timedelta(days=200)).isoformat(),
        "address": "上海市闵行区莘庄镇",
        "occupation": "厨师",
        "industry": "住宿和餐饮业",
        "employer": "某饭店",
        "phone": "13811112222",
        "wechat": "wx123",
    }
    data.update(extra)
    return data


def _counts(app, township_id: int) -> tuple[int, int]:
    with app.app_context(), tenant_context(township_id):
        return (
            db.session.scalar(select(func.count(Departure.id))),
            db.session.scalar(select(func.count(Whereabouts.id))),
        )


def test_leave_move_return_leave_again_keeps_history(app, client, world) -> None:
    township = world.a.township
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    member = world.a.member
    base = f"/t/{township.slug}/members/{member.id}/departure"
    assert client.post(f"{base}/new", data=_form()).status_code == 302
    moved = (TODAY - timedelta(days=40)).isoformat()
    assert (
        client.post(
            f"{base}/move", data={"moved_on": moved, "address": "浙江省杭州市萧山区"}
        ).status_code
        == 302
    )
    came_back = (TODAY - timedelta(days=10)).isoformat()
    assert (
        client.post(
            f"{base}/return", data={"returned_on": came_back, "notes": "返乡创业"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{base}/new",
            data=_form(
                departed_on=(TODAY - timedelta(days=2)).isoformat(),
                address="",
                whereabouts_unknown="y",
            ),
        ).status_code
        == 302
    )
    with app.app_context(), tenant_context(township.id):
        cats = [compute_census(db.session, TODAY - timedelta(days=d)).categories for d in (60, 20)]
        assert cats[0]["cross_province"] == 1 and cats[1]["in_province"] == 1
        assert compute_census(db.session, TODAY - timedelta(days=5)).mobile == 0
        now = compute_census(db.session, TODAY)
        assert now.mobile == 1 and now.unknown == 1
    page = client.get(f"/t/{township.slug}/members/{member.id}").get_data(as_text=True)
    for text in (
        "上海市闵行区莘庄镇",
        "浙江省杭州市萧山区",
        "跨省流动",
        "省内市外",
        "返乡创业",
        "去向不明",
        "外出登记",
        "去向变更",
        "返回登记",
    ):
        assert text in page, text


def test_bad_departures_change_nothing(app, client, world) -> None:
    township = world.a.township
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    base = f"/t/{township.slug}/members/{world.a.member.id}/departure"
    before = _counts(app, township.id)
    cases = [
        (_form(departed_on=(TODAY + timedelta(days=3)).isoformat()), "外出日期不能晚于今天"),
        (
            _form(expected_return=(TODAY - timedelta(days=200)).isoformat()),
            "预计返回日期不能早于外出日期",
        ),
        (_form(address="火星基地一号"), "无法识别"),
        (_form(phone="12345"), "联系电话应为"),
        (_form(email="bad"), "电子邮箱格式不正确"),
        (_form(departed_on="2024-02-30"), "日期"),
    ]
    for data, message in cases:
        response = client.post(f"{base}/new", data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), message
    no_trip = client.post(f"{base}/return", data={"returned_on": TODAY.isoformat()})
    assert no_trip.status_code == 422 and "当前不在外" in no_trip.get_data(as_text=True)
    assert client.post(f"{base}/new", data=_form()).status_code == 302
    early = client.post(
        f"{base}/return", data={"returned_on": (TODAY - timedelta(days=300)).isoformat()}
    )
    assert early.status_code == 422 and "返回日期不能早于外出日期" in early.get_data(as_text=True)
    twice = client.post(f"{base}/new", data=_form())
    assert twice.status_code == 422 and "已在外" in twice.get_data(as_text=True)
    assert _counts(app, township.id) == (before[0] + 1, before[1] + 1)


def test_ambiguous_address_is_reported(client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    response = client.post(
        f"/t/{world.a.township.slug}/members/{world.a.member.id}/departure/new",
        data=_form(address="朝阳区"),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "北京" in body and "长春" in body


def test_api_departures_and_mobile_list(app, client, world) -> None:
    township = world.a.township
    member = world.a.member
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for(world.a.users[Role.TOWNSHIP_ADMIN])}"}
    base = f"/api/v1/t/{township.slug}/members/{member.id}/departures"
    body = {
        "departed_on": (TODAY - timedelta(days=30)).isoformat(),
        "address": "广东省广州市天河区",
        "occupation": "快递员",
    }
    created = client.post(base, json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["stints"][0]["flow_category"] == "cross_province"
    bad = client.post(
        f"{base}/return",
        json={"returned_on": (TODAY - timedelta(days=60)).isoformat()},
        headers=headers,
    )
    assert bad.status_code == 422 and "returned_on" in bad.get_json()["errors"]["json"]
    listing = client.get(
        f"/api/v1/t/{township.slug}/mobile?category=cross_province", headers=headers
    ).get_json()
    assert [r["member_id"] for r in listing["items"]] == [member.id]
    trips = client.get(base, headers=headers).get_json()
    assert trips[0]["stints"][0]["address"] == "广东省广州市天河区"
    assert "phone" not in trips[0]["stints"][0]


def test_mobile_list_filters(app, client, world) -> None:
    township = world.a.township
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    other = make_member(township, world.a.branch, name="长期在外者")
    for member, days, address in (
        (world.a.member, 30, "上海市闵行区"),
        (other, 500, "浙江省杭州市萧山区"),
    ):
        client.post(
            f"/t/{township.slug}/members/{member.id}/departure/new",
            data=_form(
                departed_on=(TODAY - timedelta(days=days)).isoformat(),
                address=address,
                expected_return=(TODAY - timedelta(days=1)).isoformat(),
            ),
        )
    url = f"/t/{township.slug}/mobile/"
    assert "长期在外者" in client.get(url + "?long_term=1").get_data(as_text=True)
    assert "长期在外者" not in client.get(url + "?category=cross_province").get_data(as_text=True)
    assert "长期在外者" in client.get(url + "?destination=杭州").get_data(as_text=True)
    assert "长期在外者" in client.get(url + "?status=overdue").get_data(as_text=True)
    assert client.get(url + "?as_of=2099-01-01").status_code == 400
    assert client.get(url + "?as_of=garbage").status_code == 400


def test_long_term_threshold_is_a_township_setting(app, client, world) -> None:
    township = world.a.township
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    client.post(
        f"/t/{township.slug}/members/{world.a.member.id}/departure/new",
        data=_form(departed_on=(TODAY - timedelta(days=200)).isoformat()),
    )
    assert (
        ">0<"
        in client.get(f"/t/{township.slug}/census/")
        .get_data(as_text=True)
        .split('id="long-term"')[1][:5]
    )
    bad = client.post(f"/t/{township.slug}/settings", data={"long_term_days": "5"})
    assert bad.status_code == 422 and "30至3650" in bad.get_data(as_text=True)
    assert (
        client.post(f"/t/{township.slug}/settings", data={"long_term_days": "180"}).status_code
        == 302
    )
    page = client.get(f"/t/{township.slug}/census/").get_data(as_text=True)
    assert page.split('id="long-term">')[1].startswith("1<")
    login(client, world.a.users[Role.BRANCH_SECRETARY])
    assert (
        client.post(f"/t/{township.slug}/settings", data={"long_term_days": "90"}).status_code
        == 403
    )
