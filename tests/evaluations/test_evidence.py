"""Evidence cards from hand-built records: no data is never zero or full marks; a re-run writes
nothing; a changed record rewrites only its member's card."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from tenants.context import tenant_context
from tests.factories import make_branch, make_county, make_member, make_township, make_user
from webapp.activities.models import Activity, ActivityKind, Attendance, AttendanceMode
from webapp.auth.models import Role
from webapp.departures.models import Departure
from webapp.dues.models import DuesPaidMonth, DuesPayment, DuesRate
from webapp.duties.models import (
    Contact,
    ContactChannel,
    ThreeOnesItem,
    ThreeOnesKind,
    ThreeOnesStatus,
)
from webapp.evaluations.evidence import compute_cards
from webapp.evaluations.models import EvaluationYear, Evaluee, EvidenceCard, Grade
from webapp.evaluations.rubric import score, suggest, weights_problem
from webapp.evaluations.services import do_open_year
from webapp.extensions import db

YEAR = 2025
AS_OF = date(2025, 12, 31)


def _year_data() -> dict:
    return {
        "year": YEAR,
        "self_until": date(2026, 1, 10),
        "ballot_until": date(2026, 1, 20),
        "grading_until": date(2026, 1, 31),
        "quorum_percent": 80,
        "excellent_cap_divisor": 3,
    }


def test_rubric_weights_and_suggestions() -> None:
    assert weights_problem({"three_ones": 100}) == "请为每一项填写权重"
    bad = dict.fromkeys(
        ("three_ones", "attendance", "contacts", "dues", "verification", "contributions"), 20
    )
    assert weights_problem(bad) == "各项权重合计应为100（现为120）"
    assert score({"a": None, "b": None}, {"a": 50, "b": 50}) is None
    assert score({"a": 1.0, "b": None}, {"a": 50, "b": 50}) == 100.0  # no data is left out
    assert score({"a": 0.5, "b": 1.0}, {"a": 50, "b": 50}) == 75.0
    assert [suggest(p) for p in (95, 75, 55, 10, None)] == [
        Grade.EXCELLENT,
        Grade.QUALIFIED,
        Grade.BASIC,
        Grade.UNQUALIFIED,
        None,
    ]


def _add(township_id, *rows):
    with tenant_context(township_id):
        db.session.add_all(rows)
        db.session.commit()


def _cards(township_id) -> dict[int, EvidenceCard]:
    with tenant_context(township_id):
        rows = db.session.execute(
            select(Evaluee.member_id, EvidenceCard).join(
                EvidenceCard, EvidenceCard.evaluee_id == Evaluee.id
            )
        ).all()
        for _m, c in rows:
            db.session.expunge(c)
        return {m: c for m, c in rows}


def _run(township_id) -> int:
    with tenant_context(township_id):
        year = db.session.scalar(select(EvaluationYear))
        pairs = [(e, e.round.branch_id) for e in db.session.scalars(select(Evaluee))]
        changed = compute_cards(db.session, year, pairs, AS_OF)
        db.session.commit()
        return changed


def test_cards_from_records(app) -> None:
    with app.app_context():
        township = make_township(make_county())
        branch = make_branch(township, "证据测试支部")
        away, idle = make_member(township, branch), make_member(township, branch)
        admin = make_user(Role.TOWNSHIP_ADMIN, township)
        t = township.id
        meeting = Activity(
            tenant_id=t,
            branch_id=branch.id,
            kind=ActivityKind.LIFE_MEETING,
            title="七一党日",
            held_on=date(2025, 7, 1),
            place="村部",
        )
        other = Activity(
            tenant_id=t,
            branch_id=branch.id,
            kind=ActivityKind.LIFE_MEETING,
            title="年终组织生活会",
            held_on=date(2025, 12, 20),
            place="村部",
        )
        _add(t, meeting, other)
        _add(
            t,
            Departure(tenant_id=t, member_id=away.id, departed_on=date(2025, 3, 1)),
            Attendance(
                tenant_id=t, activity_id=meeting.id, member_id=away.id, mode=AttendanceMode.INFLOW
            ),
            Contact(
                tenant_id=t,
                member_id=away.id,
                contacted_on=date(2025, 5, 6),
                channel=ContactChannel.PHONE,
                substance="电话了解工作情况",
            ),
            Contact(
                tenant_id=t,
                member_id=away.id,
                contacted_on=date(2025, 8, 9),
                channel=ContactChannel.PHONE,
                substance="微信视频",
            ),
            ThreeOnesItem(
                tenant_id=t,
                member_id=away.id,
                half="2025H1",
                kind=ThreeOnesKind.LETTER,
                status=ThreeOnesStatus.DONE,
                happened_on=date(2025, 4, 2),
            ),
            ThreeOnesItem(
                tenant_id=t,
                member_id=away.id,
                half="2025H2",
                kind=ThreeOnesKind.CALL,
                status=ThreeOnesStatus.DONE,
                happened_on=date(2025, 9, 2),
            ),
            DuesRate(
                tenant_id=t,
                member_id=away.id,
                monthly_amount=Decimal("10"),
                start_month=date(2025, 7, 1),
            ),
        )
        pay = DuesPayment(
            tenant_id=t,
            member_id=away.id,
            first_month=date(2025, 7, 1),
            months=3,
            amount=Decimal("30"),
            paid_on=date(2025, 7, 15),
            branch_id=branch.id,
            covered=[
                DuesPaidMonth(tenant_id=t, member_id=away.id, month=date(2025, m, 1))
                for m in (7, 8, 9)
            ],
        )
        _add(t, pay)
        with tenant_context(t):
            do_open_year(db.session, admin, township, _year_data(), date(2026, 1, 2))
        assert _run(t) == 2
        cards = _cards(t)
        parts = {p["key"]: p for p in cards[away.id].components}
        assert parts["three_ones"]["value"] == "2/6"  # away in both halves: 3 items each
        assert parts["attendance"]["value"] == "1/2"
        assert "在流入地支部参加" in parts["attendance"]["records"][0]
        assert parts["contacts"]["value"] == "2/4"  # away from Q1 (March) to Q4, reached Q2, Q3
        assert parts["dues"]["value"] == "3/6"  # due from July; Jul-Sep paid on time
        assert parts["verification"]["value"] == "无数据" and parts["verification"]["ratio"] is None
        assert parts["contributions"]["value"] == "无数据"
        expected = round(100 * (30 * 2 / 6 + 25 * 0.5 + 15 * 0.5 + 20 * 0.5) / 90, 1)
        assert cards[away.id].score == Decimal(str(expected))
        assert cards[away.id].suggested == suggest(expected)
        idle_parts = {p["key"]: p for p in cards[idle.id].components}
        # never away: no 三个一 or contacts owed; no rate: no dues; attendance: 0 of 2 is data
        assert idle_parts["three_ones"]["ratio"] is None and idle_parts["dues"]["ratio"] is None
        assert idle_parts["attendance"]["value"] == "0/2"
        assert cards[idle.id].score == Decimal("0.0")

        stamps = {m: c.computed_at for m, c in cards.items()}
        assert _run(t) == 0, "a re-run over the same records writes nothing"
        _add(
            t,
            Attendance(
                tenant_id=t, activity_id=other.id, member_id=idle.id, mode=AttendanceMode.ONLINE
            ),
        )
        assert _run(t) == 1
        after = _cards(t)
        assert after[away.id].computed_at == stamps[away.id]
        assert {p["key"]: p for p in after[idle.id].components}["attendance"]["value"] == "1/2"
        assert after[idle.id].score == Decimal("50.0")
        assert after[idle.id].computed_at != stamps[idle.id]
