"""Party dues: amounts, payments (home or inflow branch), arrears across years, delete, API."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from tenants.context import tenant_context
from tests.activities.helpers import auth, count, payment
from tests.factories import login, make_branch
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.branches.models import BranchKind
from webapp.dues.models import DuesPayment, DuesRate
from webapp.dues.queries import standings
from webapp.dues.services import add_months, months_between
from webapp.extensions import db

TODAY = date.today()


def _rate(client, tw, amount: str, start: str = "2025-11") -> object:
    url = f"/t/{tw.township.slug}/dues/members/{tw.member.id}/rate"
    return client.post(url, data={"monthly_amount": amount, "start_month": start})


def test_month_arithmetic_crosses_years() -> None:
    assert add_months(date(2025, 11, 1), 3) == date(2026, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert months_between(date(2025, 11, 1), date(2026, 2, 15)) == 4
    assert months_between(date(2026, 3, 1), date(2026, 2, 1)) == 0


def test_negative_or_odd_amounts_refused_and_nothing_written(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.BRANCH_SECRETARY])
    for amount, message in (
        ("-5", "月缴党费不能为负数"),
        ("1.234", "最多保留两位小数"),
        ("abc", "请填写月缴党费"),
        ("NaN", "请填写月缴党费"),
    ):
        response = _rate(client, tw, amount)
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and message in body, amount
        assert 'data-field="monthly_amount"' in body
    assert count(app, tw.township.id, DuesRate) == 0
    with app.app_context(), tenant_context(tw.township.id):
        assert not db.session.scalars(
            select(AuditLog).where(
                AuditLog.action == "dues.rate_set", AuditLog.tenant_id == tw.township.id
            )
        ).all()
    assert _rate(client, tw, "0").status_code == 302  # zero is allowed (e.g. hardship)
    assert _rate(client, tw, "12.5").status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        rate = db.session.scalar(select(DuesRate))
        assert rate.monthly_amount == Decimal("12.50") and isinstance(rate.monthly_amount, Decimal)


def test_arrears_across_the_year_boundary(app, world) -> None:
    tw = world.a
    with app.app_context(), tenant_context(tw.township.id):
        db.session.add(
            DuesRate(
                tenant_id=tw.township.id,
                member_id=tw.member.id,
                monthly_amount=Decimal("10.00"),
                start_month=date(2025, 11, 1),
            )
        )
        db.session.commit()
    with app.app_context():
        payment(tw.member, date(2025, 11, 1), months=2)  # Nov and Dec 2025
    with app.app_context(), tenant_context(tw.township.id):
        feb = standings(db.session, date(2026, 2, 15), member_id=tw.member.id)[0]
        assert (feb.due, feb.paid, feb.arrears) == (4, 2, 2)
        assert feb.arrears_amount == Decimal("20.00")
        dec = standings(db.session, date(2025, 12, 31), member_id=tw.member.id)[0]
        assert (dec.due, dec.paid, dec.arrears) == (2, 2, 0)
        behind = standings(db.session, date(2026, 2, 15), in_arrears=True)
        assert [s.member.id for s in behind] == [tw.member.id]


def test_payment_at_an_inflow_branch_and_overlap_refused(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        mobile = make_branch(tw.township, "义乌临时流动党支部", kind=BranchKind.MOBILE)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    assert _rate(client, tw, "10").status_code == 302
    url = f"/t/{tw.township.slug}/dues/members/{tw.member.id}/payments"
    data = {
        "first_month": "2025-12",
        "months": "3",
        "amount": "30.00",
        "paid_on": (TODAY - timedelta(days=1)).isoformat(),
        "branch_id": str(mobile.id),
        "receipt_note": "流入地支部代收，收据号 0012",
    }
    assert client.post(url, data=data).status_code == 302
    page = client.get(f"/t/{tw.township.slug}/dues/members/{tw.member.id}").get_data(as_text=True)
    assert "义乌临时流动党支部" in page and "流入地" in page
    again = client.post(url, data={**data, "first_month": "2026-02", "months": "1"})
    assert again.status_code == 422 and "2026年02月的党费已登记缴纳" in again.get_data(as_text=True)
    for bad, field in (
        ({"amount": "-1"}, "缴纳金额不能为负数"),
        ({"months": "0"}, "缴纳月数应为1至24个月"),
        ({"paid_on": (TODAY + timedelta(days=2)).isoformat()}, "缴纳日期不能晚于今天"),
        ({"first_month": "2027-13"}, 'data-field="first_month"'),
    ):
        response = client.post(url, data={**data, "first_month": "2024-01", **bad})
        assert response.status_code == 422 and field in response.get_data(as_text=True), bad
    with app.app_context(), tenant_context(tw.township.id):
        rows = db.session.scalars(select(DuesPayment)).all()
        assert len(rows) == 1 and rows[0].branch_id == mobile.id
        assert rows[0].amount == Decimal("30.00")


def test_delete_payment_is_confirmed_and_audited(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        payment_id = payment(tw.member, TODAY.replace(day=1))
    login(client, tw.users[Role.BRANCH_SECRETARY])
    page = client.get(f"/t/{tw.township.slug}/dues/members/{tw.member.id}").get_data(as_text=True)
    assert "确定删除这条缴纳记录吗" in page
    response = client.post(f"/t/{tw.township.slug}/dues/payments/{payment_id}/delete")
    assert response.status_code == 302
    assert count(app, tw.township.id, DuesPayment) == 0
    with app.app_context(), tenant_context(tw.township.id):
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "dues.payment_deleted"))
        assert entry.before["amount"] == "10.00"


def test_list_filters_and_foreign_member_404(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    assert _rate(client, tw, "5", start=TODAY.replace(day=1).strftime("%Y-%m")).status_code == 302
    base = f"/t/{tw.township.slug}/dues/"
    body = client.get(base + "?arrears=1").get_data(as_text=True)
    assert tw.member.name in body and tw.other_member.name not in body
    body = client.get(base + f"?branch={tw.other_branch.id}").get_data(as_text=True)
    assert tw.other_member.name in body and tw.member.name not in body
    assert "没有符合条件的党员" in client.get(base + "?q=不存在的人").get_data(as_text=True)
    victim = world.b.member.id
    assert client.get(f"/t/{tw.township.slug}/dues/members/{victim}").status_code == 404
    url = f"/t/{tw.township.slug}/dues/members/{victim}/rate"
    assert (
        client.post(url, data={"monthly_amount": "1", "start_month": "2026-01"}).status_code == 404
    )
    assert count(app, world.b.township.id, DuesRate) == 0


def test_api_rate_payment_and_list(app, client, world) -> None:
    tw = world.a
    headers = auth(app, tw.users[Role.BRANCH_SECRETARY])
    base = f"/api/v1/t/{tw.township.slug}"
    bad = client.put(
        f"{base}/members/{tw.member.id}/dues",
        json={"monthly_amount": -3, "start_month": "2025-12-01"},
        headers=headers,
    )
    assert bad.status_code == 422 and "不能为负数" in str(bad.get_json())
    assert count(app, tw.township.id, DuesRate) == 0
    ok = client.put(
        f"{base}/members/{tw.member.id}/dues",
        json={"monthly_amount": "8.80", "start_month": "2025-12-01"},
        headers=headers,
    )
    assert ok.status_code == 200 and ok.get_json()["monthly_amount"] == "8.80"
    paid = client.post(
        f"{base}/members/{tw.member.id}/dues/payments",
        json={"first_month": "2025-12-01", "amount": 8.8, "paid_on": TODAY.isoformat()},
        headers=headers,
    )
    assert paid.status_code == 201 and paid.get_json()["amount"] == "8.80"
    assert paid.get_json()["branch_id"] == tw.branch.id
    listed = client.get(f"{base}/dues?arrears=true", headers=headers).get_json()
    mine = next(i for i in listed["items"] if i["member_id"] == tw.member.id)
    assert mine["months_paid"] == 1 and mine["arrears_months"] == mine["months_due"] - 1
    gone = client.delete(f"{base}/dues/payments/{paid.get_json()['id']}", headers=headers)
    assert gone.status_code == 204
    other = client.get(f"{base}/members/{world.b.member.id}/dues", headers=headers)
    assert other.status_code == 404
