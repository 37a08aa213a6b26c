"""三个一、四带头 (record, confirm, reject) and family support (request, services, status), API."""

from datetime import date, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.activities.helpers import auth, contribution, count, support
from tests.factories import login
from webapp.auth.models import Role
from webapp.contributions.models import (
    Contribution,
    ReviewStatus,
    SupportRequest,
    SupportService,
    SupportStatus,
)
from webapp.extensions import db

TODAY = date.today()


def _form(member: int, **extra: str) -> dict[str, str]:
    data = {
        "member_id": str(member),
        "kind": "business_info",
        "description": "把义乌小商品市场的招工信息转告村里",
        "happened_on": (TODAY - timedelta(days=2)).isoformat(),
    }
    data.update(extra)
    return data


def test_record_and_confirm_a_contribution(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    url = f"/t/{tw.township.slug}/contributions/new"
    for bad, message in (
        ({"happened_on": (TODAY + timedelta(days=1)).isoformat()}, "日期不能晚于今天"),
        ({"description": "好"}, "请具体填写内容"),
        ({"kind": "nonsense"}, 'data-field="kind"'),
        ({"member_id": ""}, "请选择党员"),
    ):
        response = client.post(url, data=_form(tw.member.id, **bad))
        assert response.status_code == 422 and message in response.get_data(as_text=True), bad
    assert count(app, tw.township.id, Contribution) == 0
    assert client.post(url, data=_form(tw.member.id)).status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        row_id = db.session.scalar(select(Contribution.id))
    login(client, tw.users[Role.BRANCH_SECRETARY])
    listing = client.get(f"/t/{tw.township.slug}/contributions/?status=pending")
    assert "传递一条致富信息" in listing.get_data(as_text=True)
    confirm = f"/t/{tw.township.slug}/contributions/{row_id}/confirm"
    assert client.post(confirm).status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        row = db.session.get(Contribution, row_id)
        assert row.status == ReviewStatus.CONFIRMED
        assert row.confirmed_by_id == tw.users[Role.BRANCH_SECRETARY].id
        assert row.confirmed_at is not None
    client.post(confirm)  # a second review is refused and changes nothing
    with app.app_context(), tenant_context(tw.township.id):
        assert db.session.get(Contribution, row_id).status == ReviewStatus.CONFIRMED


def test_reject_needs_a_reason(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        row_id = contribution(tw.member)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{tw.township.slug}/contributions/{row_id}/reject"
    client.post(url, data={"reason": ""})
    with app.app_context(), tenant_context(tw.township.id):
        assert db.session.get(Contribution, row_id).status == ReviewStatus.PENDING
    client.post(url, data={"reason": "缺少村委会证明"})
    with app.app_context(), tenant_context(tw.township.id):
        row = db.session.get(Contribution, row_id)
        assert row.status == ReviewStatus.REJECTED and row.reject_reason == "缺少村委会证明"


def test_foreign_member_and_row_are_404(app, client, world) -> None:
    login(client, world.b.users[Role.TOWNSHIP_ADMIN])
    slug = world.b.township.slug
    response = client.post(f"/t/{slug}/contributions/new", data=_form(world.a.member.id))
    assert response.status_code == 404
    with app.app_context():
        victim = contribution(world.a.member)
        victim_support = support(world.a.member)
    assert client.post(f"/t/{slug}/contributions/{victim}/confirm").status_code == 404
    assert client.get(f"/t/{slug}/support/{victim_support}").status_code == 404
    assert count(app, world.b.township.id, Contribution) == 0


def test_family_support_flow(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.BRANCH_SECRETARY])
    base = f"/t/{tw.township.slug}/support"
    assert "还没有帮扶需求" in client.get(f"{base}/").get_data(as_text=True)
    made = client.post(
        f"{base}/new",
        data={"member_id": str(tw.member.id), "need": "farming", "description": "家中秋收缺劳力"},
    )
    assert made.status_code == 302
    support_id = int(made.location.rstrip("/").rsplit("/", 1)[1])
    bad = client.post(
        f"{base}/{support_id}/services",
        data={"served_on": TODAY.isoformat(), "served_by": "", "what": "帮忙收割稻谷两亩"},
    )
    assert bad.status_code == 422 and "请填写服务人或服务队" in bad.get_data(as_text=True)
    good = client.post(
        f"{base}/{support_id}/services",
        data={
            "served_on": TODAY.isoformat(),
            "served_by": "村静心服务队",
            "what": "帮忙收割稻谷两亩",
        },
    )
    assert good.status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        row = db.session.get(SupportRequest, support_id)
        assert row.status == SupportStatus.IN_PROGRESS and len(row.services) == 1
    assert client.post(f"{base}/{support_id}/status", data={"status": "closed"}).status_code == 302
    closed = client.post(
        f"{base}/{support_id}/services",
        data={"served_on": TODAY.isoformat(), "served_by": "服务队", "what": "回访家属"},
    )
    assert closed.status_code == 422 and "已办结" in closed.get_data(as_text=True)
    assert count(app, tw.township.id, SupportService) == 1


def test_api_contributions_and_support(app, client, world) -> None:
    tw = world.a
    headers = auth(app, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/api/v1/t/{tw.township.slug}"
    body = {
        "member_id": tw.member.id,
        "kind": "return_business",
        "description": "回乡办起了茶叶合作社",
        "happened_on": TODAY.isoformat(),
    }
    made = client.post(f"{base}/contributions", json=body, headers=headers)
    assert made.status_code == 201 and made.get_json()["status"] == "pending"
    row_id = made.get_json()["id"]
    confirmed = client.post(f"{base}/contributions/{row_id}/confirm", headers=headers)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    again = client.post(f"{base}/contributions/{row_id}/confirm", headers=headers)
    assert again.status_code == 422
    foreign = client.post(
        f"{base}/contributions", json={**body, "member_id": world.b.member.id}, headers=headers
    )
    assert foreign.status_code == 404
    future = client.post(
        f"{base}/contributions",
        json={**body, "happened_on": (TODAY + timedelta(days=5)).isoformat()},
        headers=headers,
    )
    assert future.status_code == 422 and "不能晚于今天" in str(future.get_json())
    opened = client.post(
        f"{base}/support",
        json={"member_id": tw.member.id, "need": "safety", "description": "老人独居，需定期探望"},
        headers=headers,
    )
    assert opened.status_code == 201
    served = client.post(
        f"{base}/support/{opened.get_json()['id']}/services",
        json={"served_on": TODAY.isoformat(), "served_by": "网格员", "what": "上门检查用电安全"},
        headers=headers,
    )
    assert served.status_code == 201 and served.get_json()["status"] == "in_progress"
    listed = client.get(f"{base}/support?status=in_progress", headers=headers).get_json()
    assert listed["meta"]["total"] == 1
