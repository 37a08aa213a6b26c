"""A destination known only to its city or province is accepted and classified as far as it can be;
the census counts it; a bad census date or place is named on its form field, in Chinese (422)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tenants.context import tenant_context
from tests.factories import login, make_member
from webapp.auth.models import Role
from webapp.departures.census import compute_census
from webapp.departures.models import FlowCategory, Whereabouts
from webapp.extensions import db

TODAY = date.today()


def _register(client, tw, member_id: int, address: str, days: int = 30):
    return client.post(
        f"/t/{tw.township.slug}/members/{member_id}/departure/new",
        data={"departed_on": (TODAY - timedelta(days=days)).isoformat(), "address": address},
    )


def _stint(app, tw, member_id: int) -> Whereabouts:
    with app.app_context(), tenant_context(tw.township.id):
        stint = db.session.scalars(
            select(Whereabouts).where(Whereabouts.member_id == member_id)
        ).one()
        db.session.expunge(stint)
        return stint


@pytest.mark.parametrize(
    ("address", "code", "province", "prefecture", "category"),
    [
        ("广东深圳", "440300", "440000", "440300", FlowCategory.CROSS_PROVINCE),  # city only
        ("广东", "440000", "440000", None, FlowCategory.CROSS_PROVINCE),  # province only
        ("上海", "310000", "310000", "310100", FlowCategory.CROSS_PROVINCE),  # a municipality
        ("浙江杭州", "330100", "330000", "330100", FlowCategory.IN_PROVINCE),
        ("绍兴", "330600", "330000", "330600", None),  # the home city: which county?
        ("浙江", "330000", "330000", None, None),  # the home province: which city?
    ],
)
def test_a_place_is_accepted_at_the_level_the_officer_knows(
    app, client, world, address, code, province, prefecture, category
) -> None:
    tw = world.a  # 新昌县, 绍兴市, 浙江省
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    assert _register(client, tw, tw.member.id, address).status_code == 302
    stint = _stint(app, tw, tw.member.id)
    assert (stint.destination_code, stint.destination_province) == (code, province)
    assert (stint.destination_prefecture, stint.flow_category) == (prefecture, category)
    assert stint.address == address


def test_the_census_counts_places_known_to_city_or_province(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    with app.app_context():
        members = [make_member(tw.township, tw.branch) for _ in range(4)]
    for member, address in zip(members, ("广东深圳", "广东", "浙江杭州", "浙江"), strict=True):
        assert _register(client, tw, member.id, address).status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        census = compute_census(db.session, TODAY)
    assert census.mobile == 4
    assert census.categories[FlowCategory.CROSS_PROVINCE.value] == 2
    assert census.categories[FlowCategory.IN_PROVINCE.value] == 1
    assert census.unknown == 1  # 浙江: counted, never dropped, though it cannot be placed
    assert ("广东省深圳市", 1) in census.destinations and ("浙江省杭州市", 1) in census.destinations
    page = client.get(f"/t/{tw.township.slug}/census/").get_data(as_text=True)
    assert "只登记到本省或本市" in page


def test_a_move_to_a_city_is_accepted(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    assert _register(client, tw, tw.member.id, "上海市闵行区", days=60).status_code == 302
    moved = client.post(
        f"/t/{tw.township.slug}/members/{tw.member.id}/departure/move",
        data={"moved_on": (TODAY - timedelta(days=5)).isoformat(), "address": "江苏苏州"},
    )
    assert moved.status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        current = db.session.scalars(
            select(Whereabouts).where(
                Whereabouts.member_id == tw.member.id, Whereabouts.valid_to.is_(None)
            )
        ).one()
        assert (current.destination_code, current.flow_category) == (
            "320500",
            FlowCategory.CROSS_PROVINCE,
        )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("火星基地一号", "去向地址“火星基地一号”无法识别"),
        ("朝阳区", "去向地址中“朝阳区”对应多个地区"),
    ],
)
def test_a_place_that_cannot_be_found_is_named_on_the_form(client, world, address, message) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    response = _register(client, tw, tw.member.id, address)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="error" data-field="address">{message}' in body


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ((TODAY + timedelta(days=1)).isoformat(), f"统计日期不能晚于今天（{TODAY.isoformat()}）"),
        ("2099-01-01", "统计日期不能晚于今天"),
        ("garbage", "统计日期格式应为 YYYY-MM-DD"),
        ("1900-01-01", "统计日期不能早于1921年7月1日"),
    ],
)
def test_a_bad_census_date_is_named_on_the_date_field(client, world, as_of, message) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    for url in (f"/t/{tw.township.slug}/census/", "/county/census/"):
        if url.startswith("/county"):
            login(client, world.coordinator_a)
        response = client.get(f"{url}?as_of={as_of}")
        body = response.get_data(as_text=True)
        assert response.status_code == 422, url
        assert 'aria-invalid="true"' in body and 'data-field="as_of"' in body
        assert message in body and "下面是今天的统计" in body
        assert f'max="{TODAY.isoformat()}"' in body
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    csv = client.get(f"/t/{tw.township.slug}/census/?as_of={as_of}&format=csv")
    assert csv.status_code == 422 and csv.mimetype == "text/html"


def test_a_good_census_date_is_used(client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    day = (TODAY - timedelta(days=3)).isoformat()
    response = client.get(f"/t/{tw.township.slug}/census/?as_of={day}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and f'value="{day}"' in body and "as_of-error" not in body
