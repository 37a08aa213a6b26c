"""The census as of any date, computed from the history: totals, flow categories, destinations."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from webapp import divisions
from webapp.branches.models import Branch
from webapp.departures.models import FLOW_LABELS, Departure, FlowCategory, Whereabouts
from webapp.members.models import Member, MemberStatus

ON_REGISTER = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
DEFAULT_LONG_TERM_DAYS = 365
TOP = 10


def percent(part: int, whole: int) -> str:
    """part/whole as a percentage with two decimals, rounded half up ("20.38")."""
    if not whole:
        return "0.00"
    value = Decimal(part) * 100 / Decimal(whole)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass
class BranchRow:
    """One branch's line in the census."""

    branch_id: int
    name: str
    members: int = 0
    mobile: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    unknown: int = 0
    long_term: int = 0


@dataclass
class Census:
    """The census of one or more townships on one date."""

    as_of: date
    members: int
    mobile: int
    categories: dict[str, int]
    unknown: int
    long_term: int
    destinations: list[tuple[str, int]]
    occupations: list[tuple[str, int]]
    industries: list[tuple[str, int]]
    branches: list[BranchRow]

    def share(self, count: int) -> str:
        """Share of the mobile members."""
        return percent(count, self.mobile)

    @property
    def mobile_share(self) -> str:
        return percent(self.mobile, self.members)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (shares as strings with two decimals)."""
        return {
            "as_of": self.as_of.isoformat(),
            "members": self.members,
            "mobile": {"count": self.mobile, "share_of_members": self.mobile_share},
            "categories": [
                {
                    "category": c.value,
                    "label": FLOW_LABELS[c],
                    "count": self.categories[c.value],
                    "share_of_mobile": self.share(self.categories[c.value]),
                }
                for c in FlowCategory
            ],
            "unclassified": {
                "label": "去向不明",
                "count": self.unknown,
                "share_of_mobile": self.share(self.unknown),
            },
            "long_term": {"count": self.long_term, "share_of_mobile": self.share(self.long_term)},
            "destinations": [{"name": n, "count": c} for n, c in self.destinations],
            "occupations": [{"name": n, "count": c} for n, c in self.occupations],
            "industries": [{"name": n, "count": c} for n, c in self.industries],
            "branches": [
                {
                    "branch_id": b.branch_id,
                    "name": b.name,
                    "members": b.members,
                    "mobile": b.mobile,
                    "categories": dict(b.categories),
                    "unclassified": b.unknown,
                    "long_term": b.long_term,
                }
                for b in self.branches
            ],
        }


def away_on(as_of: date) -> Any:
    """SQL condition: the trip covers as_of."""
    return and_(
        Departure.departed_on <= as_of,
        or_(Departure.returned_on.is_(None), Departure.returned_on > as_of),
    )


def mobile_rows(session: Session, as_of: date) -> list[Any]:
    """One row per member away on as_of, with the stint that was current that day (if any)."""
    stint_on = and_(
        Whereabouts.departure_id == Departure.id,
        Whereabouts.valid_from <= as_of,
        or_(Whereabouts.valid_to.is_(None), Whereabouts.valid_to > as_of),
    )
    stmt = (
        select(
            Departure.member_id,
            Member.branch_id,
            Departure.departed_on,
            Whereabouts.flow_category,
            Whereabouts.destination_prefecture,
            Whereabouts.occupation,
            Whereabouts.industry,
        )
        .join(Member, Member.id == Departure.member_id)
        .outerjoin(Whereabouts, stint_on)
        .where(away_on(as_of), Member.status.in_(ON_REGISTER), Member.join_date <= as_of)
    )
    return list(session.execute(stmt))


def _top(counter: Counter[str]) -> list[tuple[str, int]]:
    return [(k, v) for k, v in counter.most_common(TOP) if k]


def compute_census(
    session: Session, as_of: date, long_term_days: int = DEFAULT_LONG_TERM_DAYS
) -> Census:
    """The census of the townships in scope on as_of."""
    member_counts = dict(
        session.execute(
            select(Member.branch_id, func.count(Member.id))
            .where(Member.status.in_(ON_REGISTER), Member.join_date <= as_of)
            .group_by(Member.branch_id)
        ).all()
    )
    branches = {
        b.id: BranchRow(b.id, b.name, members=member_counts.get(b.id, 0))
        for b in session.scalars(select(Branch).order_by(Branch.name))
    }
    cutoff = as_of - timedelta(days=long_term_days)
    categories: Counter[str] = Counter()
    destinations: Counter[str] = Counter()
    occupations: Counter[str] = Counter()
    industries: Counter[str] = Counter()
    seen: set[int] = set()
    unknown = long_term = 0
    for row in mobile_rows(session, as_of):
        if row.member_id in seen:
            continue  # a member has one open trip; guard against overlapping history anyway
        seen.add(row.member_id)
        branch = branches.get(row.branch_id)
        if branch is not None:
            branch.mobile += 1
        if row.flow_category is None:
            unknown += 1
            if branch is not None:
                branch.unknown += 1
        else:
            key = FlowCategory(row.flow_category).value
            categories[key] += 1
            if branch is not None:
                branch.categories[key] += 1
        if row.departed_on <= cutoff:
            long_term += 1
            if branch is not None:
                branch.long_term += 1
        if row.destination_prefecture:
            destinations[divisions.full_name(row.destination_prefecture)] += 1
        occupations[row.occupation or ""] += 1
        industries[row.industry or ""] += 1
    return Census(
        as_of=as_of,
        members=sum(member_counts.values()),
        mobile=len(seen),
        categories={c.value: categories[c.value] for c in FlowCategory},
        unknown=unknown,
        long_term=long_term,
        destinations=_top(destinations),
        occupations=_top(occupations),
        industries=_top(industries),
        branches=list(branches.values()),
    )
