"""The county roll-up: each township's census parts, cached under the township's data version
(see webapp.departures.versioned), counted in one grouped query for the townships not cached."""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp import divisions
from webapp.departures.census import (
    ON_REGISTER,
    Census,
    Tally,
    grouped_mobile,
    long_term_days,
    top,
)
from webapp.departures.versioned import VersionedCache, data_versions
from webapp.members.models import Member


@dataclass
class Parts:
    """One township's census on one day, in the form the roll-up adds up."""

    members: int = 0
    mobile: Counter[tuple[str | None, bool]] = field(default_factory=Counter)
    destinations: Counter[str] = field(default_factory=Counter)
    occupations: Counter[str] = field(default_factory=Counter)
    industries: Counter[str] = field(default_factory=Counter)

    def dumps(self) -> str:
        """JSON for the cache."""
        return json.dumps(
            {
                "members": self.members,
                "mobile": [[c, lt, n] for (c, lt), n in self.mobile.items()],
                "destinations": self.destinations,
                "occupations": self.occupations,
                "industries": self.industries,
            },
            ensure_ascii=False,
        )

    @classmethod
    def loads(cls, raw: bytes) -> "Parts":
        """The Parts that dumps wrote."""
        data = json.loads(raw)
        return cls(
            data["members"],
            Counter({(c, bool(lt)): n for c, lt, n in data["mobile"]}),
            Counter(data["destinations"]),
            Counter(data["occupations"]),
            Counter(data["industries"]),
        )


CACHE = VersionedCache("census")


def count_parts(session: Session, townships: list[Township], as_of: date) -> dict[int, Parts]:
    """Parts for these townships, counted in two grouped queries."""
    ids = [t.id for t in townships]
    parts = {i: Parts() for i in ids}
    cutoffs = {t.id: as_of - timedelta(days=long_term_days(t)) for t in townships}
    cutoff = case(cutoffs, value=Member.tenant_id, else_=literal(min(cutoffs.values())))
    members = (
        select(Member.tenant_id, func.count(Member.id))
        .where(Member.status.in_(ON_REGISTER), Member.join_date <= as_of)
        .where(Member.tenant_id.in_(ids))
        .group_by(Member.tenant_id)
    )
    for tenant, count in session.execute(members):
        parts[tenant].members = count
    stmt = grouped_mobile(as_of, Member.tenant_id, cutoff).where(Member.tenant_id.in_(ids))
    for tenant, category, long_term, prefecture, occupation, industry, n in session.execute(stmt):
        part = parts[tenant]
        part.mobile[(category.value if category else None, bool(long_term))] += n
        if prefecture:
            part.destinations[prefecture] += n
        part.occupations[occupation or ""] += n
        part.industries[industry or ""] += n
    return parts


def township_parts(session: Session, townships: list[Township], as_of: date) -> dict[int, Parts]:
    """Parts per township: from the cache where the version still matches, else counted."""
    versions = data_versions(session, [t.id for t in townships])
    keys = {
        t.id: (t.id, versions[t.id], as_of, long_term_days(t))
        for t in townships
        if t.id in versions
    }
    found = {
        tenant: Parts.loads(raw)
        for tenant, raw in zip(keys, CACHE.get_many(list(keys.values())), strict=True)
        if raw is not None
    }
    missing = [t for t in townships if t.id not in found]
    if missing:
        counted = count_parts(session, missing, as_of)
        CACHE.put_many({keys[t]: p.dumps() for t, p in counted.items() if t in keys})
        found.update(counted)
    return found


def county_census(session: Session, townships: list[Township], as_of: date) -> Census:
    """The census summed over townships (read in one reading scope), by township."""
    parts = township_parts(session, townships, as_of)
    total = Tally(0, _("合计"))
    destinations: Counter[str] = Counter()
    occupations: Counter[str] = Counter()
    industries: Counter[str] = Counter()
    breakdown = []
    for township in townships:
        part = parts[township.id]
        tally = Tally(township.id, township.name, members=part.members)
        for (category, long_term), n in part.mobile.items():
            tally.add(category, long_term, n)
            total.add(category, long_term, n)
        total.members += part.members
        destinations.update(part.destinations)
        occupations.update(part.occupations)
        industries.update(part.industries)
        breakdown.append(tally)
    named = Counter({(divisions.full_name(c) or c): n for c, n in destinations.items()})
    return Census(
        as_of=as_of,
        total=total,
        destinations=top(named),
        occupations=top(occupations),
        industries=top(industries),
        breakdown=breakdown,
        breakdown_kind="townships",
    )
