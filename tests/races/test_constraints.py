"""Each "only one" rule is kept by the database too, and a write that loses to one committed by
someone else after its own check answers what the check answers (API and form), on both backends.

The competing write runs in a session of its own just before the request's first flush
(helpers.committed_meanwhile): the moment a real race loses the check.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tenants.context import tenant_context
from tenants.models import Township
from tests.duties.helpers import mobile_member
from tests.factories import login, make_member
from tests.races.helpers import bearer, committed_meanwhile
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.departures.models import Departure
from webapp.departures.services import do_register_departure
from webapp.dues.models import DuesPaidMonth, DuesPayment, DuesRate
from webapp.dues.services import do_record_payment, do_set_rate
from webapp.duties.assignments import do_auto_assign
from webapp.duties.models import ContactAssignment
from webapp.extensions import db
from webapp.members.models import Member

TODAY = date.today()
AWAY = "该党员已在外，请先登记返回或登记去向变更"
TRIP = {"departed_on": TODAY - timedelta(days=30), "address": "上海市闵行区莘庄镇"}


def _count(app, tenant_id: int, stmt) -> int:
    with app.app_context(), tenant_context(tenant_id):
        n = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        db.session.remove()
    return n


def _audits(app, tenant_id: int, action: str, member_id: int) -> list[AuditLog]:
    with app.app_context(), tenant_context(tenant_id):
        rows = list(
            db.session.scalars(
                select(AuditLog)
                .where(AuditLog.action == action, AuditLog.entity_id == member_id)
                .order_by(AuditLog.id)
            )
        )
        db.session.remove()
    return rows


def _open_trips(app, tw, member_id: int) -> int:
    stmt = select(Departure.id).where(
        Departure.member_id == member_id, Departure.returned_on.is_(None)
    )
    return _count(app, tw.township.id, stmt)


def _register_elsewhere(tw, member_id: int):
    admin = tw.users[Role.TOWNSHIP_ADMIN]

    def write(other) -> None:
        township = other.get(Township, tw.township.id)
        do_register_departure(other, admin, township, other.get(Member, member_id), dict(TRIP))

    return write


def test_finding_21_database_keeps_one_open_departure_per_member(app, world) -> None:
    tw = world.a
    member_id = make_member(tw.township, tw.branch).id
    with app.app_context(), tenant_context(tw.township.id):
        day = TODAY - timedelta(days=90)
        db.session.add(Departure(tenant_id=tw.township.id, member_id=member_id, departed_on=day))
        db.session.add(  # a closed trip next to the open one is fine
            Departure(
                tenant_id=tw.township.id, member_id=member_id, departed_on=day, returned_on=day
            )
        )
        db.session.commit()
        db.session.add(Departure(tenant_id=tw.township.id, member_id=member_id, departed_on=day))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert _open_trips(app, tw, member_id) == 1


def test_finding_21_departure_registered_meanwhile_is_refused_like_the_check(
    app, client, world
) -> None:
    tw = world.a
    headers = bearer(app, tw.users[Role.TOWNSHIP_ADMIN])
    member_id = make_member(tw.township, tw.branch).id
    url = f"/api/v1/t/{tw.township.slug}/members/{member_id}/departures"
    body = {"departed_on": TRIP["departed_on"].isoformat(), "address": TRIP["address"]}
    with committed_meanwhile(tw.township.id, _register_elsewhere(tw, member_id)) as ran:
        response = client.post(url, json=body, headers=headers)
    assert ran and response.status_code == 422
    assert response.get_json()["errors"]["json"]["departed_on"] == [AWAY]
    assert _open_trips(app, tw, member_id) == 1
    assert len(_audits(app, tw.township.id, "departure.registered", member_id)) == 1

    form_member_id = make_member(tw.township, tw.branch).id
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = f"/t/{tw.township.slug}/members/{form_member_id}/departure/new"
    form = {"departed_on": body["departed_on"], "address": TRIP["address"]}
    with committed_meanwhile(tw.township.id, _register_elsewhere(tw, form_member_id)) as ran:
        response = client.post(page, data=form)
    assert ran and response.status_code == 422 and AWAY in response.get_data(as_text=True)
    assert _open_trips(app, tw, form_member_id) == 1
    assert len(_audits(app, tw.township.id, "departure.registered", form_member_id)) == 1


def _paid_months(app, tw, member_id: int) -> list[date]:
    with app.app_context(), tenant_context(tw.township.id):
        months = list(
            db.session.scalars(
                select(DuesPaidMonth.month)
                .where(DuesPaidMonth.member_id == member_id)
                .order_by(DuesPaidMonth.month)
            )
        )
        db.session.remove()
    return months


def _pay_elsewhere(tw, member_id: int, first: date, months: int = 1):
    secretary = tw.users[Role.BRANCH_SECRETARY]
    data = {"first_month": first, "months": months, "amount": "10.00", "paid_on": TODAY}

    def write(other) -> None:
        do_record_payment(other, secretary, other.get(Member, member_id), data)

    return write


def test_finding_22_database_keeps_each_member_month_paid_once(app, world) -> None:
    tw = world.a
    member_id = make_member(tw.township, tw.branch).id
    with app.app_context(), tenant_context(tw.township.id):
        secretary = tw.users[Role.BRANCH_SECRETARY]
        data = {"first_month": date(2026, 1, 1), "months": 3, "amount": "30", "paid_on": TODAY}
        payment = do_record_payment(db.session, secretary, db.session.get(Member, member_id), data)
        db.session.add(
            DuesPaidMonth(
                tenant_id=tw.township.id,
                member_id=member_id,
                payment_id=payment.id,
                month=date(2026, 2, 1),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(DuesPayment, payment.id))  # its months are free again
        db.session.commit()
        db.session.remove()
    assert _paid_months(app, tw, member_id) == []


def test_finding_22_month_paid_meanwhile_is_refused_like_the_check(app, client, world) -> None:
    tw = world.a
    headers = bearer(app, tw.users[Role.BRANCH_SECRETARY])
    member_id = make_member(tw.township, tw.branch).id
    url = f"/api/v1/t/{tw.township.slug}/members/{member_id}/dues/payments"
    body = {"first_month": "2026-02-01", "months": 2, "amount": "20", "paid_on": TODAY.isoformat()}
    # the other clerk's payment covers March only: an overlap, not the same first month
    meanwhile = _pay_elsewhere(tw, member_id, date(2026, 3, 1))
    with committed_meanwhile(tw.township.id, meanwhile) as ran:
        response = client.post(url, json=body, headers=headers)
    assert ran and response.status_code == 422
    message = "2026年03月的党费已登记缴纳，请勿重复登记"
    assert response.get_json()["errors"]["json"]["first_month"] == [message]
    assert _paid_months(app, tw, member_id) == [date(2026, 3, 1)]
    assert len(_audits(app, tw.township.id, "dues.paid", member_id)) == 1

    login(client, tw.users[Role.BRANCH_SECRETARY])
    page = f"/t/{tw.township.slug}/dues/members/{member_id}/payments"
    form = {"first_month": "2026-04", "months": "1", "amount": "10", "paid_on": TODAY.isoformat()}
    meanwhile = _pay_elsewhere(tw, member_id, date(2026, 4, 1))
    with committed_meanwhile(tw.township.id, meanwhile) as ran:
        response = client.post(page, data=form)
    text = response.get_data(as_text=True)
    assert ran and response.status_code == 422 and "2026年04月的党费已登记缴纳" in text
    assert _paid_months(app, tw, member_id) == [date(2026, 3, 1), date(2026, 4, 1)]
    assert len(_audits(app, tw.township.id, "dues.paid", member_id)) == 2


def _open_assignments(app, tw, member_id: int) -> int:
    stmt = select(ContactAssignment.id).where(
        ContactAssignment.member_id == member_id, ContactAssignment.valid_to.is_(None)
    )
    return _count(app, tw.township.id, stmt)


def _auto_assign_elsewhere(tw):
    secretary = tw.users[Role.BRANCH_SECRETARY]

    def write(other) -> None:
        do_auto_assign(other, secretary, other.get(type(tw.branch), tw.branch.id))

    return write


def test_finding_23_auto_assign_run_meanwhile_gives_one_contact_and_no_500(
    app, client, world
) -> None:
    tw = world.a
    headers = bearer(app, tw.users[Role.BRANCH_SECRETARY])
    with app.app_context():
        member_id = mobile_member(tw, TODAY - timedelta(days=20)).id
    url = f"/api/v1/t/{tw.township.slug}/duties/branches/{tw.branch.id}/auto-assign"
    with committed_meanwhile(tw.township.id, _auto_assign_elsewhere(tw)) as ran:
        response = client.post(url, headers=headers)
    assert ran and response.status_code == 200
    assert response.get_json() == []  # the other run gave this member a contact already
    assert _open_assignments(app, tw, member_id) == 1
    assert len(_audits(app, tw.township.id, "duty.assigned", member_id)) == 1

    with app.app_context():
        form_member_id = mobile_member(tw, TODAY - timedelta(days=20)).id
    login(client, tw.users[Role.BRANCH_SECRETARY])
    page = f"/t/{tw.township.slug}/duties/branches/{tw.branch.id}/assignments/auto"
    with committed_meanwhile(tw.township.id, _auto_assign_elsewhere(tw)) as ran:
        response = client.post(page, follow_redirects=True)
    assert ran and response.status_code == 200
    assert "在外的党员都已有联系人" in response.get_data(as_text=True)
    assert _open_assignments(app, tw, form_member_id) == 1


def _rates(app, tw, member_id: int) -> list[DuesRate]:
    with app.app_context(), tenant_context(tw.township.id):
        rows = list(db.session.scalars(select(DuesRate).where(DuesRate.member_id == member_id)))
        db.session.remove()
    return rows


def _rate_elsewhere(tw, member_id: int):
    secretary = tw.users[Role.BRANCH_SECRETARY]
    data = {"monthly_amount": "5.00", "start_month": date(2026, 1, 1)}

    def write(other) -> None:
        do_set_rate(other, secretary, other.get(Member, member_id), data)

    return write


def test_finding_24_first_rate_set_meanwhile_is_saved_over_not_500(app, client, world) -> None:
    tw = world.a
    headers = bearer(app, tw.users[Role.BRANCH_SECRETARY])
    member_id = make_member(tw.township, tw.branch).id
    url = f"/api/v1/t/{tw.township.slug}/members/{member_id}/dues"
    body = {"monthly_amount": "12.50", "start_month": "2026-02-01"}
    with committed_meanwhile(tw.township.id, _rate_elsewhere(tw, member_id)) as ran:
        response = client.put(url, json=body, headers=headers)
    assert ran and response.status_code == 200
    [rate] = _rates(app, tw, member_id)
    assert (rate.monthly_amount, rate.start_month) == (Decimal("12.50"), date(2026, 2, 1))
    first, second = _audits(app, tw.township.id, "dues.rate_set", member_id)
    assert first.before is None and second.before == {
        "monthly_amount": "5.00",
        "start_month": "2026-01-01",
    }

    form_member_id = make_member(tw.township, tw.branch).id
    login(client, tw.users[Role.BRANCH_SECRETARY])
    page = f"/t/{tw.township.slug}/dues/members/{form_member_id}/rate"
    with committed_meanwhile(tw.township.id, _rate_elsewhere(tw, form_member_id)) as ran:
        response = client.post(page, data={"monthly_amount": "8", "start_month": "2026-03"})
    assert ran and response.status_code == 302
    [rate] = _rates(app, tw, form_member_id)
    assert rate.monthly_amount == Decimal("8.00")
