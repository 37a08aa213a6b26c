"""The census as of any date, computed from the history: totals, flow categories, destinations."""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, String, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from tenants.context import require_scope
from tenants.models import Township
from webapp import divisions
from webapp.branches.models import Branch
from webapp.departures.models import FLOW_LABELS, Departure, FlowCategory, Whereabouts
from webapp.departures.versioned import VersionedCache, data_versions
from webapp.members.models import Member, MemberStatus

ON_REGISTER = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
DEFAULT_LONG_TERM_DAYS = 365
TOP = 10


def long_term_days(township: Township) -> int:
    """The township's threshold for 长期在外, in days."""
    return int((township.settings or {}).get("long_term_days", DEFAULT_LONG_TERM_DAYS))


def percent(part: int, whole: int) -> str:
    """part/whole as a percentage with two decimals, rounded half up ("20.38")."""
    if not whole:
        return "0.00"
    value = Decimal(part) * 100 / Decimal(whole)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass
class Tally:
    """Counts for one group: a branch, a township, or everything in scope."""

    key: int
    name: str
    members: int = 0
    mobile: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    unknown: int = 0
    long_term: int = 0

    def add(self, category: str | None, long_term: bool, count: int = 1) -> None:
        """Count mobile members of one category (None: whereabouts unknown)."""
        self.mobile += count
        if category is None:
            self.unknown += count
        else:
            self.categories[category] += count
        if long_term:
            self.long_term += count

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "id": self.key,
            "name": self.name,
            "members": self.members,
            "mobile": self.mobile,
            "mobile_share": percent(self.mobile, self.members),
            "categories": {c.value: self.categories[c.value] for c in FlowCategory},
            "unclassified": self.unknown,
            "long_term": self.long_term,
        }


@dataclass
class Census:
    """The census on one date: totals, rankings, and a breakdown by branch or by township."""

    as_of: date
    total: Tally
    destinations: list[tuple[str, int]]
    occupations: list[tuple[str, int]]
    industries: list[tuple[str, int]]
    breakdown: list[Tally]
    breakdown_kind: str = "branches"

    @property
    def members(self) -> int:
        return self.total.members

    @property
    def mobile(self) -> int:
        return self.total.mobile

    @property
    def unknown(self) -> int:
        return self.total.unknown

    @property
    def long_term(self) -> int:
        return self.total.long_term

    @property
    def categories(self) -> dict[str, int]:
        return {c.value: self.total.categories[c.value] for c in FlowCategory}

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
                "label": _("去向不明"),
                "count": self.unknown,
                "share_of_mobile": self.share(self.unknown),
            },
            "long_term": {"count": self.long_term, "share_of_mobile": self.share(self.long_term)},
            "destinations": [{"name": n, "count": c} for n, c in self.destinations],
            "occupations": [{"name": n, "count": c} for n, c in self.occupations],
            "industries": [{"name": n, "count": c} for n, c in self.industries],
            self.breakdown_kind: [t.as_dict() for t in self.breakdown],
        }


def away_on(as_of: date) -> Any:
    """SQL condition: the trip covers as_of."""
    return and_(
        Departure.departed_on <= as_of,
        or_(Departure.returned_on.is_(None), Departure.returned_on > as_of),
    )


def _stint_on(as_of: date) -> Any:
    return and_(
        Whereabouts.departure_id == Departure.id,
        Whereabouts.valid_from <= as_of,
        or_(Whereabouts.valid_to.is_(None), Whereabouts.valid_to > as_of),
    )


def mobile_rows(as_of: date) -> Any:
    """SELECT one row per member away on as_of, with the stint current that day (if any)."""
    return (
        select(
            Departure.member_id,
            Member.branch_id,
            Member.tenant_id,
            Departure.departed_on,
            Whereabouts.flow_category,
            Whereabouts.destination_prefecture,
            Whereabouts.occupation,
            Whereabouts.industry,
        )
        .join(Member, Member.id == Departure.member_id)
        .outerjoin(Whereabouts, _stint_on(as_of))
        .where(away_on(as_of), Member.status.in_(ON_REGISTER), Member.join_date <= as_of)
    )


def grouped_mobile(as_of: date, group_column: Any, cutoff: Any) -> Any:
    """The mobile members of as_of counted by group, category, long-term flag and stint facts."""
    long_term = case((Departure.departed_on <= cutoff, 1), else_=0)
    keys = (
        group_column,
        Whereabouts.flow_category,
        long_term,
        Whereabouts.destination_prefecture,
        Whereabouts.occupation,
        Whereabouts.industry,
    )
    return (
        select(*keys, func.count())
        .select_from(Departure)
        .join(Member, Member.id == Departure.member_id)
        .outerjoin(Whereabouts, _stint_on(as_of))
        .where(away_on(as_of), Member.status.in_(ON_REGISTER), Member.join_date <= as_of)
        .group_by(*keys)
    )


def top(counter: Counter[str]) -> list[tuple[str, int]]:
    return [(k, v) for k, v in counter.most_common(TOP) if k]


def _census_rows(as_of: date, cutoff: Any) -> Any:
    """One statement for the township page, as a hand-written query would ask it: members per
    branch, mobile members per (branch, category, long-term), and the three top-10 lists."""
    roster = (
        select(Member.id, Member.branch_id.label("g"))
        .where(Member.status.in_(ON_REGISTER), Member.join_date <= as_of)
        .cte("roster")
    )
    away = (
        select(
            roster.c.g,
            Whereabouts.flow_category.label("category"),
            case((Departure.departed_on <= cutoff, 1), else_=0).label("lt"),
            Whereabouts.destination_prefecture.label("prefecture"),
            Whereabouts.occupation,
            Whereabouts.industry,
        )
        .select_from(Departure)
        .join(roster, roster.c.id == Departure.member_id)
        .outerjoin(Whereabouts, _stint_on(as_of))
        .where(away_on(as_of))
        .cte("away")
    )
    none = literal(None, String)

    def ranked(kind: str, column: Any) -> Any:
        n = func.count().label("n")
        return (
            select(literal(kind), literal(None, Integer), column, none, n)
            .where(column.is_not(None), column != "")
            .group_by(column)
            .order_by(n.desc(), column)
            .limit(TOP)
            .subquery()
            .select()
        )

    return union_all(
        select(literal("members"), roster.c.g, none, none, func.count()).group_by(roster.c.g),
        select(
            literal("mobile"),
            away.c.g,
            cast(away.c.category, String),
            cast(away.c.lt, String),
            func.count(),
        ).group_by(away.c.g, away.c.category, away.c.lt),
        ranked("destination", away.c.prefecture),
        ranked("occupation", away.c.occupation),
        ranked("industry", away.c.industry),
    )


ROWS = VersionedCache("township")


def census_rows(session: Session, as_of: date, long_term_days: int) -> list[tuple[Any, ...]]:
    """The rows of _census_rows for the township in scope, cached under its data version."""
    stmt = _census_rows(as_of, literal(as_of - timedelta(days=long_term_days)))
    scope = require_scope()
    if scope.system or len(scope.readable) != 1:
        return [tuple(r) for r in session.execute(stmt)]
    (tenant,) = scope.readable
    version = data_versions(session, [tenant]).get(tenant)
    key = (tenant, version, as_of, long_term_days)
    if version is not None and (raw := ROWS.get_many([key])[0]) is not None:
        return [tuple(r) for r in json.loads(raw)]
    rows = [tuple(r) for r in session.execute(stmt)]
    if version is not None:
        ROWS.put_many({key: json.dumps(rows, ensure_ascii=False)})
    return rows


def compute_census(
    session: Session, as_of: date, long_term_days: int = DEFAULT_LONG_TERM_DAYS
) -> Census:
    """The census of the township in scope on as_of, by branch."""
    groups = {
        b.id: Tally(b.id, b.name) for b in session.scalars(select(Branch).order_by(Branch.id))
    }
    total = Tally(0, _("合计"))
    tops: dict[str, list[tuple[str, int]]] = {"destination": [], "occupation": [], "industry": []}
    for kind, key, value, long_term, count in census_rows(session, as_of, long_term_days):
        if kind in tops:
            name = (divisions.full_name(value) or value) if kind == "destination" else value
            tops[kind].append((name, count))
            continue
        group = groups.get(key)
        if kind == "members":
            total.members += count
            if group is not None:
                group.members = count
            continue
        category = FlowCategory(value).value if value else None
        total.add(category, long_term == "1", count)
        if group is not None:
            group.add(category, long_term == "1", count)
    return Census(
        as_of=as_of,
        total=total,
        destinations=tops["destination"],
        occupations=tops["occupation"],
        industries=tops["industry"],
        breakdown=list(groups.values()),
    )
