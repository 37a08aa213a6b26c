"""The officer's first day: the demo shows every feature with data, read back through the same
queries the pages use, and 大市聚镇 still reproduces the article's census."""

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import func, select

from migrations import alembic_config
from tenants.context import system_context_unsafe, tenant_context
from tenants.models import Township
from tests.conftest import BACKEND, RUN_ID, create_database, drop_database, make_app
from webapp.activities.models import Activity, Attendance, AttendanceMode
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.certificates.models import Certificate, Verification
from webapp.certificates.queries import DueFilters, due_certificates
from webapp.contributions.models import Contribution, ReviewStatus, SupportRequest, SupportService
from webapp.demo import DEMO_PASSWORD, load_demo
from webapp.departures.census import compute_census
from webapp.departures.models import Departure, Whereabouts
from webapp.dues.models import DuesPayment, DuesRate
from webapp.dues.queries import standings
from webapp.duties.board import compute_board
from webapp.duties.models import Contact, ContactAssignment
from webapp.duties.periods import half_of, quarter_of
from webapp.duties.queries import compute_coverage
from webapp.extensions import db
from webapp.placements.models import Placement, PlacementStatus
from webapp.reminders.rules import load_rules
from webapp.reminders.settings import rule_setting


def _count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count(model.id)).where(*where))


def _facts(today: date) -> dict[str, Any]:
    """What an officer of 大市聚镇 sees on the first day, counted from the demo database."""
    dashiju = db.session.scalar(select(Township).where(Township.slug == "dashiju"))
    f: dict[str, Any] = {"township_id": dashiju.id}
    with tenant_context(dashiju.id):
        census = compute_census(db.session, today)
        f["census"] = (census.members, census.mobile, census.unknown, census.long_term)
        f["categories"] = dict(census.total.categories)
        f["certificates"] = _count(Certificate)
        f["verifications"] = _count(Verification)
        overdue = DueFilters(as_of=today, months=6, state="overdue")
        f["overdue"] = len(db.session.execute(due_certificates(overdue)).all())
        f["recent_checks"] = _count(
            Certificate, Certificate.last_verified_on >= today - timedelta(days=30)
        )
        f["mobile"] = _count(Departure, Departure.returned_on.is_(None))
        f["activities"] = _count(Activity, Activity.held_on <= today)
        f["planned"] = _count(Activity, Activity.held_on > today)
        modes = db.session.execute(
            select(Attendance.mode, func.count(Attendance.id)).group_by(Attendance.mode)
        )
        f["modes"] = dict(modes.tuples().all())
        f["assignments"] = _count(ContactAssignment)
        f["coverage"] = [
            compute_coverage(db.session, q, today).total
            for q in (quarter_of(today).previous(), quarter_of(today))
        ]
        f["boards"] = [
            compute_board(db.session, h).total for h in (half_of(today).previous(), half_of(today))
        ]
        rows = standings(db.session, today)
        f["rates"] = _count(DuesRate)
        f["members_with_rate"] = sum(1 for r in rows if r.rate is not None)
        f["paid_up"] = sum(1 for r in rows if r.rate is not None and r.arrears == 0)
        f["in_arrears"] = sum(1 for r in rows if r.arrears > 0)
        f["long_arrears"] = sum(1 for r in rows if r.arrears >= 3)
        f["payments"] = _count(DuesPayment)
        f["contributions"] = dict(
            db.session.execute(
                select(Contribution.status, func.count(Contribution.id)).group_by(
                    Contribution.status
                )
            )
            .tuples()
            .all()
        )
        f["support"] = (_count(SupportRequest), _count(SupportService))
        f["details"] = _count(
            Whereabouts,
            Whereabouts.valid_to.is_(None),
            Whereabouts.wechat != "",
            Whereabouts.living != "",
            Whereabouts.notes.contains("家中联系人"),
            Whereabouts.occupation != "",
        )
        f["employers"] = _count(Whereabouts, Whereabouts.employer != "")
    member_login = db.session.scalar(select(User).where(User.username == "dsj_member"))
    f["member_placement"] = db.session.scalar(
        select(Placement.status).where(
            Placement.member_id == member_login.member_id, Placement.closed_on.is_(None)
        )
    )
    f["member_contacted"] = _count(Contact, Contact.member_id == member_login.member_id)
    officers = db.session.execute(
        select(User.username, User.branch_id, User.password_hash).where(
            User.tenant_id == dashiju.id, User.role == Role.COMMITTEE_MEMBER
        )
    ).all()
    f["committee_branches"] = len({b for _u, b, _h in officers})
    f["committee_names"] = {u for u, _b, _h in officers}
    f["secretary_branches"] = len(
        set(
            db.session.scalars(
                select(User.branch_id).where(
                    User.tenant_id == dashiju.id, User.role == Role.BRANCH_SECRETARY
                )
            )
        )
    )
    f["branches"] = _count(Branch, Branch.tenant_id == dashiju.id)
    f["rules_on"] = [
        (t.slug, rule.key)
        for t in db.session.scalars(select(Township))
        for rule in load_rules().values()
        if rule_setting(t, rule).enabled
    ]
    return f


def _analyze(url: str) -> None:
    """Table statistics, as autovacuum gathers them a while after a bulk load: without them
    PostgreSQL plans the duty pages' queries for empty tables (the app role may not ANALYZE)."""
    if BACKEND == "postgresql":
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("ANALYZE")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    url = create_database(
        tmp_path_factory.mktemp("demo"), f"lianxin_demo_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    )
    command.upgrade(alembic_config(url), "head")
    app = make_app(url)
    today = date.today()
    try:
        with app.app_context(), system_context_unsafe():
            load_demo(db.session)
            db.session.commit()
            _analyze(url)
            facts = _facts(today)
            db.session.remove()
        client = app.test_client()
        facts["login"] = client.post(
            "/login", data={"username": "wy_dsj02", "password": DEMO_PASSWORD}
        ).status_code
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        yield SimpleNamespace(**facts)
    finally:
        drop_database(url)


def test_the_census_is_still_the_articles(demo) -> None:
    assert demo.census == (957, 195, 4, 38)
    assert demo.categories == {
        "cross_province": 40,
        "in_province": 9,
        "in_prefecture": 14,
        "in_county": 128,
    }


def test_most_mobile_members_hold_a_certificate_some_overdue_some_checked_lately(demo) -> None:
    assert demo.mobile * 0.75 <= demo.certificates < demo.mobile
    assert demo.verifications > demo.certificates / 2
    assert 0 < demo.overdue < demo.certificates / 3
    assert demo.recent_checks > 0


def test_a_year_of_branch_life_with_attendance_at_home_online_and_at_the_inflow_branch(
    demo,
) -> None:
    assert demo.activities >= 60 * 10 and demo.planned == 60
    for mode in AttendanceMode:
        assert demo.modes.get(mode, 0) > 0, mode


def test_committee_members_contact_most_members_each_quarter_some_not_yet(demo) -> None:
    assert 0.8 * demo.mobile <= demo.assignments < demo.mobile
    for tally in demo.coverage:
        assert tally.due > 0 and tally.visited > tally.due / 2
        assert tally.overdue > tally.unassigned > 0  # some assigned members not reached either
    assert demo.member_contacted > 0


def test_three_ones_this_half_year_and_last_some_complete_some_missing(demo) -> None:
    for tally in demo.boards:
        assert tally.due > 0 and 0 < tally.complete < tally.due
        for kind, states in tally.states.items():
            assert states["done"] > 0 and states["missing"] > 0, kind


def test_dues_set_for_every_member_most_paid_up_some_behind(demo) -> None:
    assert demo.rates == demo.members_with_rate >= 950
    assert demo.paid_up > 0.75 * demo.rates
    assert 0 < demo.long_arrears < demo.in_arrears
    assert demo.payments > demo.rates


def test_contributions_and_family_support_are_recorded(demo) -> None:
    assert demo.contributions[ReviewStatus.CONFIRMED] > demo.contributions[ReviewStatus.PENDING] > 0
    assert demo.contributions[ReviewStatus.REJECTED] > 0
    requests, services = demo.support
    assert requests > 0 and services > 0


def test_members_away_have_their_contact_job_and_living_details(demo) -> None:
    assert demo.details == demo.mobile
    assert demo.employers == demo.mobile - 4  # not the four whose whereabouts are unknown


def test_the_demo_member_is_away_and_reported_in_at_an_inflow_branch(demo) -> None:
    assert demo.member_placement == PlacementStatus.ACTIVE


def test_most_branches_have_a_committee_member_and_every_branch_a_secretary(demo) -> None:
    assert demo.committee_branches >= 50 and demo.committee_branches < demo.branches
    assert demo.secretary_branches == demo.branches == 60
    assert {"dsj_committee", "wy_dsj02", "wy_dsj59"} <= demo.committee_names
    assert "wy_dsj10" not in demo.committee_names  # one branch in ten has none yet
    assert demo.login == 302  # the officers sign in with the demo password


def test_reminder_rules_stay_off(demo) -> None:
    assert demo.rules_on == []
