"""The county coordinator's summary: one row per overseen township with its key figures and what
is overdue there, each linking into that township. Read per township, in that township's scope."""

from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.context import reading_context
from tenants.models import Township
from webapp.certificates.queries import DueFilters, due_certificates
from webapp.certificates.services import verify_months
from webapp.departures.census import mobile_rows
from webapp.duties.periods import quarter_of
from webapp.duties.queries import compute_coverage
from webapp.home.today import Name, count_of
from webapp.members.models import Member
from webapp.risk import rules
from webapp.risk.board import compute_board


@dataclass
class TownshipRow:
    """One overseen township's figures and its overdue work, with links into it."""

    township: Township
    branches: int
    members: int
    mobile: int
    red: int
    certificates_overdue: int
    visits_open: int
    overdue: list[Name] = field(default_factory=list)

    @property
    def clear(self) -> bool:
        return not self.overdue


def township_row(session: Session, township: Township, today: date, branches: int) -> TownshipRow:
    """The figures of one township, read in its own scope."""
    slug = township.slug
    with reading_context([township.id]):
        members = session.scalar(select(func.count(Member.id))) or 0
        mobile = count_of(session, mobile_rows(today))
        red = compute_board(session, today, rules.thresholds_of(township)).red
        months = verify_months(township)
        certificates = count_of(
            session, due_certificates(DueFilters(as_of=today, months=months, state="overdue"))
        )
        quarter = quarter_of(today)
        visits = compute_coverage(session, quarter, today).total.overdue
    row = TownshipRow(township, branches, members, mobile, red, certificates, visits)
    if red:
        row.overdue.append(
            Name(
                _("红色预警%(n)d人", n=red),
                url_for("risk.board", slug=slug, level=rules.RED),
            )
        )
    if certificates:
        row.overdue.append(
            Name(
                _("流动党员证逾期未验证%(n)d张", n=certificates),
                url_for("certificates.due", slug=slug, state="overdue"),
            )
        )
    if visits:
        row.overdue.append(
            Name(
                _("本季度未走访%(n)d人", n=visits),
                url_for("duties.index", slug=slug, quarter=quarter.key),
            )
        )
    return row


def county_rows(
    session: Session, townships: list[Township], today: date, branches: dict[int, int]
) -> list[TownshipRow]:
    """One row per township, most red flags first (then by name, as the picker lists them)."""
    rows = [township_row(session, t, today, branches.get(t.id, 0)) for t in townships]
    return sorted(rows, key=lambda r: (-r.red, -len(r.overdue)))
