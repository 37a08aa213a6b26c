"""A payment's amount is its months times the rate; one rate for many members at once."""

from decimal import Decimal

from sqlalchemy import select

from tenants.context import tenant_context
from tests.activities.helpers import auth, count
from tests.dues.test_dues import TODAY, _rate
from tests.factories import login, make_member
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.dues.models import DuesPayment, DuesRate
from webapp.extensions import db


def _rates(app, tw) -> dict[int, Decimal]:
    with app.app_context(), tenant_context(tw.township.id):
        return {r.member_id: r.monthly_amount for r in db.session.scalars(select(DuesRate))}


def _audited(app, tw, action: str) -> list[int]:
    with app.app_context(), tenant_context(tw.township.id):
        rows = db.session.scalars(
            select(AuditLog).where(AuditLog.tenant_id == tw.township.id, AuditLog.action == action)
        )
        return sorted(r.entity_id for r in rows)


def test_fifty_for_three_months_at_twenty_is_refused(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.BRANCH_SECRETARY])
    assert _rate(client, tw, "20").status_code == 302
    url = f"/t/{tw.township.slug}/dues/members/{tw.member.id}/payments"
    data = {"first_month": "2026-01", "months": "3", "paid_on": TODAY.isoformat()}
    wrong = client.post(url, data={**data, "amount": "50"})
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "金额应为3个月×20.00元=60.00元" in body
    assert 'data-field="amount"' in body
    assert count(app, tw.township.id, DuesPayment) == 0
    assert client.post(url, data={**data, "amount": "60"}).status_code == 302
    assert count(app, tw.township.id, DuesPayment) == 1


def test_api_payment_amount_is_checked_against_the_rate(app, client, world) -> None:
    tw = world.b
    headers = auth(app, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/api/v1/t/{tw.township.slug}/members/{tw.member.id}/dues"
    client.put(base, json={"monthly_amount": "20", "start_month": "2026-01-01"}, headers=headers)
    bad = client.post(
        f"{base}/payments",
        json={"first_month": "2026-01-01", "months": 3, "amount": 50, "paid_on": TODAY.isoformat()},
        headers=headers,
    )
    assert bad.status_code == 422 and "amount" in bad.get_json()["errors"]["json"]
    assert count(app, tw.township.id, DuesPayment) == 0


def _bulk(client, tw, query: str = "", **data):
    return client.post(f"/t/{tw.township.slug}/dues/rates{query}", data=data)


def test_bulk_rate_for_ticked_members_is_one_commit_audited_each(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        third = make_member(tw.township, tw.branch, name="批量设定甲")
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = client.get(f"/t/{tw.township.slug}/dues/").get_data(as_text=True)
    assert "批量设定月缴党费" in page and 'name="member_ids"' in page and "data-confirm" in page

    ids = [tw.member.id, tw.other_member.id, third.id]
    for bad, message in (
        ({"monthly_amount": "-2"}, "月缴党费不能为负数"),
        ({"start_month": ""}, "起缴月份"),
    ):
        form = {"member_ids": ids, "monthly_amount": "15", "start_month": "2026-07", **bad}
        response = _bulk(client, tw, **form)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    none = _bulk(client, tw, monthly_amount="15", start_month="2026-07")
    assert none.status_code == 422 and "请勾选要设定月缴党费的党员" in none.get_data(as_text=True)
    assert _rates(app, tw) == {} and _audited(app, tw, "dues.rate_set") == []

    done = _bulk(client, tw, member_ids=ids, monthly_amount="15", start_month="2026-07")
    assert done.status_code == 302
    assert _rates(app, tw) == {i: Decimal("15.00") for i in ids}
    assert _audited(app, tw, "dues.rate_set") == sorted(ids)


def test_bulk_rate_for_everyone_the_filter_matches(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    response = _bulk(
        client,
        tw,
        f"?branch={tw.branch.id}",
        all_matching="1",
        branch=str(tw.branch.id),
        monthly_amount="8",
        start_month="2026-01",
    )
    assert response.status_code == 302
    rates = _rates(app, tw)
    assert rates.get(tw.member.id) == Decimal("8.00")
    assert tw.other_member.id not in rates  # another branch: outside the filter


def test_bulk_rate_refuses_other_townships_and_other_branches(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    foreign = _bulk(
        client,
        tw,
        member_ids=[tw.member.id, world.b.member.id],
        monthly_amount="5",
        start_month="2026-01",
    )
    assert foreign.status_code == 404
    assert _rates(app, tw) == {} and _rates(app, world.b) == {}
    login(client, tw.users[Role.BRANCH_SECRETARY])
    other_branch = _bulk(
        client,
        tw,
        member_ids=[tw.member.id, tw.other_member.id],
        monthly_amount="5",
        start_month="2026-01",
    )
    assert other_branch.status_code == 404 and _rates(app, tw) == {}
    mine = _bulk(client, tw, member_ids=[tw.member.id], monthly_amount="5", start_month="2026-01")
    assert mine.status_code == 302 and _rates(app, tw) == {tw.member.id: Decimal("5.00")}


def test_api_bulk_rates(app, client, world) -> None:
    tw = world.a
    headers = auth(app, tw.users[Role.TOWNSHIP_ADMIN])
    url = f"/api/v1/t/{tw.township.slug}/dues/rates"
    body = {"member_ids": [tw.member.id, tw.other_member.id], "start_month": "2026-02-01"}
    bad = client.put(url, json={**body, "monthly_amount": "1.234"}, headers=headers)
    assert bad.status_code == 422 and "monthly_amount" in bad.get_json()["errors"]["json"]
    foreign = client.put(
        url,
        json={**body, "member_ids": [world.b.member.id], "monthly_amount": "3"},
        headers=headers,
    )
    assert foreign.status_code == 404
    ok = client.put(url, json={**body, "monthly_amount": "3"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json() == {"updated": 2}
    assert _rates(app, tw) == {tw.member.id: Decimal("3.00"), tw.other_member.id: Decimal("3.00")}
    assert _rates(app, world.b) == {}
