"""Quarters and half-years as values, and the rule that makes a member due in one.

A member is due in a period when they were mobile on at least one day of it: some Departure
covers a day of the period. A trip covers the days from its departure date up to, not including,
its return date, exactly as webapp.departures.census.away_on counts a member away on a day. So:

- a member who left or returned in the middle of the period is due for that period;
- a member who left on the period's last day is due (away that day);
- a member who returned on or before the period's first day is not due (home all period);
- a member who left after the period ended is not due.

Only members on the register (full or probationary) who had joined by the period's last day count.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Self

from sqlalchemy import and_, exists, or_

from webapp.departures.census import ON_REGISTER
from webapp.departures.models import Departure
from webapp.members.models import Member

QUARTER_RE = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
HALF_RE = re.compile(r"^(\d{4})-?H([12])$", re.IGNORECASE)


class PeriodInvalid(ValueError):
    """A period key that cannot be read, or one that lies in the future."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: 1 (Jan-Mar) to 4 (Oct-Dec)."""

    year: int
    number: int

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}季度"

    def previous(self) -> "Quarter":
        """The quarter before this one."""
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    def next(self) -> "Quarter":
        """The quarter after this one."""
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def contains(self, day: date) -> bool:
        """True when day falls in this quarter."""
        return self.start <= day <= self.end

    @classmethod
    def parse(cls, text: str) -> Self:
        """'2026Q1' (or '2026-q1'); PeriodInvalid otherwise."""
        match = QUARTER_RE.match(text.strip())
        if not match:
            raise PeriodInvalid("季度格式应为“年份Q季度”，如 2026Q1")
        return cls(int(match[1]), int(match[2]))


@dataclass(frozen=True, order=True)
class Half:
    """A half-year: 1 (Jan-Jun) or 2 (Jul-Dec)."""

    year: int
    number: int

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.number == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.number == 1 else date(self.year, 12, 31)

    @property
    def key(self) -> str:
        return f"{self.year}H{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年{'上' if self.number == 1 else '下'}半年"

    def previous(self) -> "Half":
        """The half-year before this one."""
        return Half(self.year, 1) if self.number == 2 else Half(self.year - 1, 2)

    def next(self) -> "Half":
        """The half-year after this one."""
        return Half(self.year, 2) if self.number == 1 else Half(self.year + 1, 1)

    def contains(self, day: date) -> bool:
        """True when day falls in this half-year."""
        return self.start <= day <= self.end

    @classmethod
    def parse(cls, text: str) -> Self:
        """'2026H1' (or '2026-h1'); PeriodInvalid otherwise."""
        match = HALF_RE.match(text.strip())
        if not match:
            raise PeriodInvalid("半年度格式应为“年份H1/H2”，如 2026H1")
        return cls(int(match[1]), int(match[2]))


Period = Quarter | Half


def quarter_of(day: date) -> Quarter:
    """The quarter day falls in."""
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def half_of(day: date) -> Half:
    """The half-year day falls in."""
    return Half(day.year, 1 if day.month <= 6 else 2)


def pick_quarter(text: str | None, today: date) -> Quarter:
    """The quarter a page asked for (the current one by default); future quarters refused."""
    quarter = Quarter.parse(text) if text else quarter_of(today)
    if quarter.start > today:
        raise PeriodInvalid("不能选择尚未开始的季度")
    return quarter


def pick_half(text: str | None, today: date) -> Half:
    """The half-year a page asked for (the current one by default); future ones refused."""
    half = Half.parse(text) if text else half_of(today)
    if half.start > today:
        raise PeriodInvalid("不能选择尚未开始的半年度")
    return half


def recent_quarters(today: date, count: int = 8) -> list[Quarter]:
    """The current quarter and the ones before it, newest first (for a picker)."""
    out = [quarter_of(today)]
    while len(out) < count:
        out.append(out[-1].previous())
    return out


def recent_halves(today: date, count: int = 6) -> list[Half]:
    """The current half-year and the ones before it, newest first (for a picker)."""
    out = [half_of(today)]
    while len(out) < count:
        out.append(out[-1].previous())
    return out


def closed(period: Period, today: date) -> bool:
    """True once the period's last day has passed."""
    return period.end < today


def away_during(start: date, end: date) -> Any:
    """SQL condition on Departure: the trip covers at least one day from start to end."""
    return and_(
        Departure.departed_on <= end,
        or_(Departure.returned_on.is_(None), Departure.returned_on > start),
    )


def due_condition(period: Period) -> Any:
    """SQL condition on Member: due in period (see the module docstring)."""
    return and_(
        Member.status.in_(ON_REGISTER),
        Member.join_date <= period.end,
        exists().where(Departure.member_id == Member.id, away_during(period.start, period.end)),
    )
