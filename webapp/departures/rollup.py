"""The county roll-up: each township's census parts, cached by the township's data version.

Triggers (migration 0009) give a township a new random data version in the same transaction as
any change to its members, branches, departures or whereabouts. The roll-up reads the versions
first and then, for townships whose parts for (version, day, long-term threshold) are not in the
cache (Redis, shared by every web process and warmed by the worker's beat task), counts them in
one grouped query. A version read before the counting can only be older than the data counted,
never newer, so an entry is never stored under a version it does not reflect; a township without
a version row is counted every time. Versions are random, so keys never collide between databases.
"""

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import redis
from flask import current_app
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp import divisions
from webapp.cache import cache_redis
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

TTL = 2 * 24 * 3600
log = logging.getLogger(__name__)


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


class PartsCache:
    """Parts in Redis under (namespace, township, version, day, threshold), shared by every web
    process and warmed by the worker; when Redis cannot be reached the roll-up just counts."""

    def __init__(self) -> None:
        self.hits = self.misses = 0

    @staticmethod
    def _prefix() -> str:
        return f"lianxin:{current_app.config.get('CACHE_NAMESPACE', 'main')}:census:"

    def _key(self, key: tuple[Any, ...]) -> str:
        return self._prefix() + ":".join(str(k) for k in key)

    def get_many(self, keys: list[tuple[Any, ...]]) -> list[Parts | None]:
        """The cached Parts of each key (None where missing)."""
        if not keys:
            return []
        try:
            raw = cache_redis().mget([self._key(k) for k in keys])
        except redis.RedisError as exc:
            log.warning("census cache unavailable, counting instead: %s", exc)
            return [None] * len(keys)
        found = [Parts.loads(r) if r is not None else None for r in raw]
        hits = sum(1 for f in found if f is not None)
        self.hits, self.misses = self.hits + hits, self.misses + len(found) - hits
        return found

    def put_many(self, items: dict[tuple[Any, ...], Parts]) -> None:
        """Store Parts for TTL seconds (a day's entries are not asked for after the day)."""
        try:
            with cache_redis().pipeline(transaction=False) as pipe:
                for key, parts in items.items():
                    pipe.set(self._key(key), parts.dumps(), ex=TTL)
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("census cache unavailable, not stored: %s", exc)

    def keys(self) -> list[bytes]:
        """Every key of this namespace."""
        return list(cache_redis().scan_iter(self._prefix() + "*", count=1000))

    def __len__(self) -> int:
        return len(self.keys())

    def clear(self) -> None:
        """Forget every entry of this namespace and the counts."""
        if found := self.keys():
            cache_redis().delete(*found)
        self.hits = self.misses = 0


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
    keys = {
        t.id: (t.id, versions[t.id], as_of, long_term_days(t))
        for t in townships
        if t.id in versions
    }
    found = {
        tenant: parts
        for tenant, parts in zip(keys, CACHE.get_many(list(keys.values())), strict=True)
        if parts is not None
    }
    missing = [t for t in townships if t.id not in found]
    if missing:
        counted = count_parts(session, missing, as_of)
        CACHE.put_many({keys[t]: p for t, p in counted.items() if t in keys})
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
