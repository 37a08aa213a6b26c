"""Dues reads: each member's standing (months due, paid, in arrears, since the last payment)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from webapp.activities.services import ACTIVE
from webapp.dues.models import DuesPayment, DuesRate
from webapp.dues.services import add_months, month_start, months_between
from webapp.members.models import Member


@dataclass
class Standing:
    """One member's dues as of a day."""

    member: Member
    rate: DuesRate | None
    due: int
    paid: int
    last_paid_on: date | None
    months_since_payment: int | None
    covered: frozenset[date] = frozenset()
    month: date | None = None  # the month of as_of

    @property
    def arrears(self) -> int:
        return max(0, self.due - self.paid)

    def unpaid_from(self, floor: date | None) -> int:
        """Unpaid months from floor's month (or the rate's start, if later) to this month: what
        fell due before floor (before the township used Lianxin, say) is not counted."""
        if self.rate is None or self.month is None:
            return 0
        first = max(self.rate.start_month, month_start(floor)) if floor else self.rate.start_month
        paid = sum(1 for c in self.covered if first <= c <= self.month)
        return max(0, months_between(first, self.month) - paid)

    @property
    def arrears_amount(self) -> Decimal:
        return (self.rate.monthly_amount if self.rate else Decimal("0")) * self.arrears


def standings(
    session: Session,
    as_of: date,
    branch_id: int | None = None,
    q: str = "",
    in_arrears: bool = False,
    member_id: int | None = None,
) -> list[Standing]:
    """Standing of each active member in scope, by name; in_arrears keeps only those behind."""
    stmt = select(Member).where(Member.status.in_(ACTIVE)).order_by(Member.name, Member.id)
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    if member_id is not None:
        stmt = stmt.where(Member.id == member_id)
    if q:
        stmt = stmt.where(Member.name.contains(q))
    members = list(session.scalars(stmt))
    ids = [m.id for m in members]
    rates = {r.member_id: r for r in session.scalars(select(DuesRate))} if ids else {}
    payments: dict[int, list[DuesPayment]] = {}
    if ids:
        for p in session.scalars(select(DuesPayment).where(DuesPayment.member_id.in_(ids))):
            payments.setdefault(p.member_id, []).append(p)
    out = []
    current = month_start(as_of)
    for m in members:
        rate, mine = rates.get(m.id), payments.get(m.id, [])
        due = months_between(rate.start_month, current) if rate else 0
        covered = {add_months(p.first_month, i) for p in mine for i in range(p.months)}
        paid = len({c for c in covered if rate and rate.start_month <= c <= current})
        last = max((p.paid_on for p in mine), default=None)
        since = months_between(last, as_of) - 1 if last else None
        row = Standing(m, rate, due, paid, last, since, frozenset(covered), current)
        if not in_arrears or row.arrears > 0:
            out.append(row)
    return out


def payments_of(member_id: int) -> Select[tuple[DuesPayment]]:
    """The member's payments, newest month first."""
    return (
        select(DuesPayment)
        .where(DuesPayment.member_id == member_id)
        .order_by(DuesPayment.first_month.desc(), DuesPayment.id.desc())
    )
