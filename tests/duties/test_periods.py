"""Quarters and half-years as values, and who is due in one (boundaries included)."""

from datetime import date

import pytest

from tenants.context import tenant_context
from tests.duties.helpers import mobile_member
from tests.factories import make_member
from webapp.duties.board import is_due
from webapp.duties.periods import (
    Half,
    PeriodInvalid,
    Quarter,
    half_of,
    pick_half,
    pick_quarter,
    quarter_of,
    recent_quarters,
)
from webapp.extensions import db


@pytest.mark.parametrize(
    ("day", "key", "start", "end"),
    [
        (date(2026, 1, 1), "2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 3, 31), "2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), "2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
        (date(2024, 8, 15), "2024Q3", date(2024, 7, 1), date(2024, 9, 30)),
        (date(2026, 12, 31), "2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_quarter_of(day: date, key: str, start: date, end: date) -> None:
    quarter = quarter_of(day)
    assert (quarter.key, quarter.start, quarter.end) == (key, start, end)
    assert quarter.contains(day) and quarter == Quarter.parse(key)


def test_quarter_previous_next_cross_years() -> None:
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2025, 4).next() == Quarter(2026, 1)
    assert Quarter(2026, 2).previous().next() == Quarter(2026, 2)
    assert Quarter(2026, 1).label == "2026年第1季度"
    assert recent_quarters(date(2026, 2, 1), 3) == [
        Quarter(2026, 1),
        Quarter(2025, 4),
        Quarter(2025, 3),
    ]


def test_half_of_and_neighbours() -> None:
    assert half_of(date(2026, 6, 30)) == Half(2026, 1)
    assert half_of(date(2026, 7, 1)) == Half(2026, 2)
    assert Half(2026, 2).end == date(2026, 12, 31) and Half(2026, 1).start == date(2026, 1, 1)
    assert Half(2026, 1).previous() == Half(2025, 2) and Half(2025, 2).next() == Half(2026, 1)
    assert Half(2026, 2).label == "2026年下半年" and Half.parse("2026h2") == Half(2026, 2)


def test_bad_or_future_periods_are_refused() -> None:
    today = date(2026, 5, 10)
    assert pick_quarter(None, today) == Quarter(2026, 2)
    assert pick_quarter("2025Q4", today) == Quarter(2025, 4)
    for text in ("2026Q5", "Q1", "季度", "2026-13"):
        with pytest.raises(PeriodInvalid):
            pick_quarter(text, today)
    with pytest.raises(PeriodInvalid, match="尚未开始"):
        pick_quarter("2026Q3", today)
    assert pick_half(None, today) == Half(2026, 1)
    with pytest.raises(PeriodInvalid, match="尚未开始"):
        pick_half("2026H2", today)


def test_due_rule_at_the_boundaries(app, world) -> None:
    """Due when away on any day of the period; trips cover departure day up to (not incl.) return."""
    tw = world.a
    q = Quarter(2024, 2)  # 2024-04-01 .. 2024-06-30
    with app.app_context():
        cases = {
            "left mid-quarter": (mobile_member(tw, date(2024, 5, 10)), True),
            "returned mid-quarter": (
                mobile_member(tw, date(2023, 11, 1), date(2024, 5, 10)),
                True,
            ),
            "left on the last day": (mobile_member(tw, date(2024, 6, 30)), True),
            "returned on the second day": (
                mobile_member(tw, date(2024, 1, 5), date(2024, 4, 2)),
                True,
            ),
            "returned on the first day": (
                mobile_member(tw, date(2024, 1, 5), date(2024, 4, 1)),
                False,
            ),
            "returned before the quarter": (
                mobile_member(tw, date(2023, 1, 5), date(2024, 3, 20)),
                False,
            ),
            "left after the quarter": (mobile_member(tw, date(2024, 7, 1)), False),
            "away all quarter": (mobile_member(tw, date(2023, 2, 1)), True),
            "never left": (make_member(tw.township, tw.branch), False),
        }
        with tenant_context(tw.township.id):
            for label, (member, expected) in cases.items():
                assert is_due(db.session, member.id, q) is expected, label
            # the half-year that contains the quarter sees the same trips
            late = cases["left after the quarter"][0]
            assert is_due(db.session, late.id, Half(2024, 2))
            assert not is_due(db.session, late.id, Half(2024, 1))
