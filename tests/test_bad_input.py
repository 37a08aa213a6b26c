"""Malformed input gets a clear 4xx and changes nothing."""

from datetime import date

from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.activities.helpers import activity
from tests.conftest import make_app
from tests.factories import login, token_for
from webapp.auth.models import Role
from webapp.branches.models import Branch
from webapp.departures.models import Departure
from webapp.extensions import db
from webapp.members.models import Member


def _counts(app, world) -> tuple[int, int]:
    with app.app_context(), tenant_context(world.a.township.id):
        return (
            db.session.scalar(select(func.count(Member.id))),
            db.session.scalar(select(func.count(Branch.id))),
        )


def _departures(app, world) -> int:
    with app.app_context(), tenant_context(world.a.township.id):
        return db.session.scalar(select(func.count(Departure.id)))


def test_member_form_shows_every_error_in_chinese_and_saves_nothing(app, client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    before = _counts(app, world)
    response = client.post(
        f"/t/{world.a.township.slug}/members/new",
        data={
            "name": "",
            "gender": "male",
            "id_number": "1234",
            "birth_date": "2099-13-01",
            "join_date": "",
            "branch_id": "abc",
            "status": "full",
            "phone": "12",
            "email": "no-at",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "请填写姓名",
        "身份证号应为18位",
        "手机号应为11位数字",
        "电子邮箱格式不正确",
        "请填写入党日期",
        "未保存任何内容",
    ):
        assert message in body, message
    assert _counts(app, world) == before


def test_branch_form_errors(app, client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    before = _counts(app, world)
    url = f"/t/{world.a.township.slug}/branches/new"
    assert "请填写支部名称" in client.post(url, data={"name": "", "kind": "regular"}).get_data(
        as_text=True
    )
    dup = client.post(url, data={"name": world.a.branch.name, "kind": "regular"})
    assert dup.status_code == 422 and "同名支部" in dup.get_data(as_text=True)
    bad_kind = client.post(url, data={"name": "新支部X", "kind": "secret"})
    assert bad_kind.status_code == 422
    bad_phone = client.post(url, data={"name": "新支部Y", "kind": "regular", "phone": "abc"})
    assert "联系电话只能包含数字" in bad_phone.get_data(as_text=True)
    assert _counts(app, world) == before


def test_deleting_a_branch_with_members_is_refused(app, client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    response = client.post(
        f"/t/{world.a.township.slug}/branches/{world.a.branch.id}/delete", follow_redirects=True
    )
    assert "还有 1 名党员" in response.get_data(as_text=True)
    assert _counts(app, world)[1] == 3


def test_api_bodies(app, client, world) -> None:
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for(world.a.users[Role.TOWNSHIP_ADMIN])}"}
    before = _counts(app, world)
    base = f"/api/v1/t/{world.a.township.slug}/branches"
    not_json = client.post(
        base, data="name=x", headers={**headers, "Content-Type": "application/json"}
    )
    assert not_json.status_code in (400, 422)
    wrong_type = client.post(base, json={"name": 12345, "kind": "mobile"}, headers=headers)
    assert wrong_type.status_code == 422 and "name" in wrong_type.get_json()["errors"]["json"]
    a_list = client.post(base, json=["not", "an", "object"], headers=headers)
    assert a_list.status_code == 422
    too_long = client.post(base, json={"name": "长" * 65}, headers=headers)
    assert too_long.status_code == 422
    bad_page = client.get(f"{base}?page=0&per_page=1000", headers=headers)
    assert bad_page.status_code == 422 and {"page", "per_page"} <= set(
        bad_page.get_json()["errors"]["query"]
    )
    assert _counts(app, world) == before


def test_unknown_slugs_and_ids(client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    assert client.get("/t/no-such-township/").status_code == 404
    assert client.get(f"/t/{world.a.township.slug}/members/999999999").status_code == 404
    assert client.get(f"/t/{world.a.township.slug}/members/abc").status_code == 404
    body = client.get("/t/no-such-township/").get_data(as_text=True)
    assert "页面或记录不存在" in body


def test_garbage_page_numbers_fall_back_to_page_one(client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    assert client.get(f"/t/{world.a.township.slug}/members/?page=abc").status_code == 200
    assert client.get(f"/t/{world.a.township.slug}/members/?page=-5&branch=x").status_code == 200


def test_oversized_bodies_are_refused(database_url, world) -> None:
    app = make_app(database_url, MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    before = _counts(app, world)
    response = client.post(
        f"/t/{world.a.township.slug}/branches/new", data={"name": "x" * 5000, "kind": "regular"}
    )
    assert response.status_code == 413 and "上传内容过大" in response.get_data(as_text=True)
    assert _counts(app, world) == before


def test_finding_27_a_departure_of_whitespace_is_refused_on_the_form_and_the_api(
    app, client, world
) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for(tw.users[Role.TOWNSHIP_ADMIN])}"}
    before = _counts(app, world), _departures(app, world)
    today = date.today().isoformat()
    form = client.post(
        f"/t/{tw.township.slug}/members/{tw.member.id}/departure/new",
        data={"departed_on": today, "address": " \t\u3000 ", "occupation": "   "},
    )
    assert form.status_code == 422
    assert "请填写去向地址" in form.get_data(as_text=True)
    api = client.post(
        f"/api/v1/t/{tw.township.slug}/members/{tw.member.id}/departures",
        json={"departed_on": today, "address": "   "},
        headers=headers,
    )
    assert api.status_code == 422, api.get_json()
    assert (_counts(app, world), _departures(app, world)) == before


def test_finding_27_form_text_is_trimmed_and_control_characters_are_named(
    app, client, world
) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    before = _counts(app, world)
    url = f"/t/{world.a.township.slug}/branches/new"
    blank = client.post(url, data={"name": " \t ", "kind": "regular"})
    assert blank.status_code == 422 and "请填写支部名称" in blank.get_data(as_text=True)
    nul = client.post(url, data={"name": "新支部\x00", "kind": "regular"})
    assert nul.status_code == 422
    assert "支部名称不能包含空字符（NUL）" in nul.get_data(as_text=True)
    escape = client.post(url, data={"name": "新支部\x1b[2J", "kind": "regular"})
    assert "支部名称不能包含换行、制表符或其他控制字符" in escape.get_data(as_text=True)
    assert _counts(app, world) == before


def test_finding_26_form_numbers_beyond_their_column_are_refused(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    before = _counts(app, world)
    response = client.post(
        f"/t/{tw.township.slug}/dues/members/{tw.member.id}/payments",
        data={
            "first_month": date.today().strftime("%Y-%m"),
            "months": str(10**40),
            "amount": "10.00",
            "paid_on": date.today().isoformat(),
        },
        follow_redirects=True,
    )
    assert response.status_code in (200, 422)
    assert "数值超出允许范围" in response.get_data(as_text=True)
    for value in (str(2**63), "9" * 5000):
        support = client.post(
            f"/t/{tw.township.slug}/support/new",
            data={"member_id": value, "need": "living", "description": "需要帮助照顾老人"},
        )
        assert support.status_code == 422 and "请选择党员" in support.get_data(as_text=True)
    assert _counts(app, world) == before


def test_finding_25_a_json_body_nested_too_deep_or_with_a_huge_number_answers_400(
    app, client, world
) -> None:
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for(world.a.users[Role.TOWNSHIP_ADMIN])}"}
    headers["Content-Type"] = "application/json"
    base = f"/api/v1/t/{world.a.township.slug}/branches"
    before = _counts(app, world)
    deep = client.post(base, data="[" * 10_000 + "]" * 10_000, headers=headers)
    assert deep.status_code == 400 and "嵌套过深" in deep.get_json()["message"]
    huge = client.post(base, data='{"name": "x", "kind": ' + "7" * 5000 + "}", headers=headers)
    assert huge.status_code == 400 and "数字过长" in huge.get_json()["message"]
    at_limit = client.post(base, data="[" * 32 + "]" * 32, headers=headers)
    assert at_limit.status_code == 422  # 32 levels parse; the schema then wants an object
    assert _counts(app, world) == before


def test_finding_27_attendance_rows_posted_without_a_form_refuse_nul(app, client, world) -> None:
    tw = world.a
    with app.app_context(), tenant_context(tw.township.id):
        activity_id = activity(tw.branch)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    response = client.post(
        f"/t/{tw.township.slug}/activities/{activity_id}/attendance",
        data={f"mode_{tw.member.id}": "absent", f"explanation_{tw.member.id}": "外出\x00务工"},
    )
    assert response.status_code == 422
    assert "说明不能包含空字符（NUL）" in response.get_data(as_text=True)


def test_ancient_as_of_dates_are_refused_not_overflowed(client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    slug = world.a.township.slug
    for url in (
        f"/t/{slug}/mobile/?as_of=0001-01-01&long_term=1",
        f"/t/{slug}/certificates/due?as_of=0001-01-01",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "统计日期不能早于1921-07-01" in response.get_data(as_text=True)
