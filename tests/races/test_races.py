"""The outside race test, in the suite: the same request twice at the same instant, 50 rounds per
case, each copy on its own thread, client and database connection; then the database is checked.

PostgreSQL only: SQLite lets one writer in at a time, so two requests cannot race inside the
database there (test_constraints.py shows the refusals on both backends).
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.conftest import BACKEND
from tests.duties.helpers import mobile_member
from tests.factories import make_member
from tests.races.helpers import ROUNDS, at_once, bearer
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.departures.models import Departure
from webapp.dues.models import DuesPaidMonth, DuesRate
from webapp.dues.services import add_months
from webapp.duties.models import ContactAssignment
from webapp.extensions import db

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql",
    reason="SQLite serialises writers, so requests cannot race in the database; "
    "tests/races/test_constraints.py covers the refusals there",
)

TODAY = date.today()


def _scalar(app, tenant_id: int, stmt) -> int:
    with app.app_context(), tenant_context(tenant_id):
        value = db.session.scalar(stmt)
        db.session.remove()
    return value


def _new_member_id(app, tw) -> int:
    with app.app_context():
        return make_member(tw.township, tw.branch).id


def test_finding_21_two_departures_at_once_leave_one_open(app, world, violations) -> None:
    tw = world.a
    headers = bearer(app, tw.users[Role.TOWNSHIP_ADMIN])
    body = {"departed_on": (TODAY - timedelta(days=10)).isoformat(), "address": "上海市闵行区"}
    for _round in range(ROUNDS):
        member_id = _new_member_id(app, tw)
        url = f"/api/v1/t/{tw.township.slug}/members/{member_id}/departures"
        statuses = at_once(app, lambda c, url=url: c.post(url, json=body, headers=headers))
        assert sorted(statuses) == [201, 422]
        open_trips = select(func.count(Departure.id)).where(
            Departure.member_id == member_id, Departure.returned_on.is_(None)
        )
        assert _scalar(app, tw.township.id, open_trips) == 1
    violations.check("the one-open-trip index")


def test_finding_22_same_month_paid_twice_at_once_is_stored_once(app, world, violations) -> None:
    tw = world.a
    headers = bearer(app, tw.users[Role.BRANCH_SECRETARY])
    member_id = _new_member_id(app, tw)
    url = f"/api/v1/t/{tw.township.slug}/members/{member_id}/dues/payments"
    for round_ in range(ROUNDS):
        month = add_months(date(2022, 1, 1), round_)
        body = {"first_month": month.isoformat(), "amount": "10", "paid_on": TODAY.isoformat()}
        statuses = at_once(app, lambda c, body=body: c.post(url, json=body, headers=headers))
        assert sorted(statuses) == [201, 422]
        paid = select(func.count(DuesPaidMonth.id)).where(
            DuesPaidMonth.member_id == member_id, DuesPaidMonth.month == month
        )
        assert _scalar(app, tw.township.id, paid) == 1
    months = select(func.count(DuesPaidMonth.id)).where(DuesPaidMonth.member_id == member_id)
    assert _scalar(app, tw.township.id, months) == ROUNDS
    violations.check("the one-payment-per-month key")


def test_finding_23_two_auto_assign_runs_at_once_answer_200(app, world, violations) -> None:
    tw = world.a
    headers = bearer(app, tw.users[Role.BRANCH_SECRETARY])
    url = f"/api/v1/t/{tw.township.slug}/duties/branches/{tw.branch.id}/auto-assign"
    for _round in range(ROUNDS):
        with app.app_context():
            member_id = mobile_member(tw, TODAY - timedelta(days=5)).id
        answers: list[list[int]] = []

        def run(client, answers=answers):
            response = client.post(url, headers=headers)
            if response.status_code == 200:
                answers.append([a["member_id"] for a in response.get_json()])
            return response

        assert at_once(app, run) == [200, 200]
        assert sorted(answers) == [[], [member_id]]  # one run gave the contact, one found none
        in_force = select(func.count(ContactAssignment.id)).where(
            ContactAssignment.member_id == member_id, ContactAssignment.valid_to.is_(None)
        )
        assert _scalar(app, tw.township.id, in_force) == 1
    violations.check("the one-in-force index")


def test_finding_24_first_rate_set_twice_at_once_never_500(app, world, violations) -> None:
    tw = world.a
    headers = bearer(app, tw.users[Role.BRANCH_SECRETARY])
    body = {"monthly_amount": "12.50", "start_month": "2026-01-01"}
    for _round in range(ROUNDS):
        member_id = _new_member_id(app, tw)
        url = f"/api/v1/t/{tw.township.slug}/members/{member_id}/dues"
        assert at_once(app, lambda c, url=url: c.put(url, json=body, headers=headers)) == [200, 200]
        rates = select(func.count(DuesRate.id)).where(DuesRate.member_id == member_id)
        assert _scalar(app, tw.township.id, rates) == 1
        audited = select(func.count(AuditLog.id)).where(
            AuditLog.action == "dues.rate_set", AuditLog.entity_id == member_id
        )
        assert _scalar(app, tw.township.id, audited) == 2  # both saves, the second over the first
    violations.check("the one-rate-per-member key")
