"""Due dates of the half-yearly verification, at month ends and half-year boundaries."""

from datetime import date, timedelta

import pytest

from webapp.certificates.models import Certificate, add_months, latest_base_due_by


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 2, 28), 6, date(2026, 8, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 7, 1), 6, date(2027, 1, 1)),  # across the year end
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 8, 28), -6, date(2026, 2, 28)),
        (date(2026, 1, 31), -1, date(2025, 12, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(start, months, expected) -> None:
    assert add_months(start, months) == expected


def test_due_counts_from_the_last_verification_else_the_issue() -> None:
    cert = Certificate(issued_on=date(2026, 2, 28), expires_on=date(2027, 2, 28))
    assert cert.due_on() == date(2026, 8, 28)
    assert cert.due_on(3) == date(2026, 5, 28)
    cert.last_verified_on = date(2026, 8, 31)
    assert cert.due_on() == date(2027, 2, 28)


@pytest.mark.parametrize("months", [1, 5, 6, 12])
def test_database_cut_off_agrees_with_add_months_every_day(months) -> None:
    """base <= latest_base_due_by(day) exactly when add_months(base) <= day, for 3 years of days."""
    bases = [date(2025, 1, 1) + timedelta(days=i) for i in range(0, 800, 1)]
    for offset in range(0, 1100, 1):
        day = date(2025, 6, 1) + timedelta(days=offset)
        cut = latest_base_due_by(day, months)
        for base in bases[offset % 7 :: 7]:
            assert (base <= cut) == (add_months(base, months) <= day), (base, day, months)


def test_cut_off_at_month_ends() -> None:
    # due 2027-02-28 counts from any base in 2026-08-28 .. 2026-08-31
    assert latest_base_due_by(date(2027, 2, 28), 6) == date(2026, 8, 31)
    assert latest_base_due_by(date(2027, 2, 27), 6) == date(2026, 8, 27)
    assert latest_base_due_by(date(2026, 9, 30), 6) == date(2026, 3, 31)
    assert latest_base_due_by(date(2026, 9, 29), 6) == date(2026, 3, 29)
