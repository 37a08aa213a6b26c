"""The county roll-up: each township's census parts, cached by the township's data version.

Triggers (migration 0009) give a township a new random data version in the same transaction as
any change to its members, branches, departures or whereabouts. The roll-up reads the versions
first and then, for townships whose parts for (version, day, long-term threshold) are not cached
in this process, counts them in one grouped query. A version read before the counting can only be
older than the data counted, never newer, so an entry is never stored under a version it does
not reflect; a township without a version row is counted every time.
"""

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp import divisions
from webapp.departures.census import (
    DEFAULT_LONG_TERM_DAYS,
    ON_REGISTER,
    Census,
    Tally,
    grouped_mobile,
    top,
)
from webapp.departures.models import DataVersion
from webapp.members.models import Member

CACHE_SIZE = 4096


@dataclass
class Parts:
    """One township's census on one day, in the form the roll-up adds up."""

    members: int = 0
    mobile: Counter[tuple[str | None, bool]] = field(default_factory=Counter)
    destinations: Counter[str] = field(default_factory=Counter)
    occupations: Counter[str] = field(default_factory=Counter)
    industries: Counter[str] = field(default_factory=Counter)


class PartsCache:
    """A bounded, thread-safe map from (township, version, day, threshold) to Parts."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: dict[tuple[Any, ...], Parts] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every entry and the counts."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Parts | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
            return found

    def put(self, key: tuple[Any, ...], parts: Parts) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = parts


CACHE = PartsCache()


def long_term_days(township: Township) -> int:
    """The township's long-term threshold in days."""
    return int((township.settings or {}).get("long_term_days", DEFAULT_LONG_TERM_DAYS))


def data_versions(session: Session, ids: list[int]) -> dict[int, int]:
    """Township id -> current data version (townships never changed have none)."""
    rows = session.execute(
        select(DataVersion.tenant_id, DataVersion.version).where(DataVersion.tenant_id.in_(ids))
    )
    return {tenant: version for tenant, version in rows}


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
    keys = {t.id: (t.id, versions.get(t.id), as_of, long_term_days(t)) for t in townships}
    found: dict[int, Parts] = {}
    for township in townships:
        if keys[township.id][1] is not None and (hit := CACHE.get(keys[township.id])):
            found[township.id] = hit
    missing = [t for t in townships if t.id not in found]
    if missing:
        counted = count_parts(session, missing, as_of)
        for tenant, parts in counted.items():
            if keys[tenant][1] is not None:
                CACHE.put(keys[tenant], parts)
        found.update(counted)
    return found


def county_census(session: Session, townships: list[Township], as_of: date) -> Census:
    """The census summed over townships (read in one reading scope), by township."""
    parts = township_parts(session, townships, as_of)
    total = Tally(0, "合计")
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
