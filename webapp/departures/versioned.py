"""Figures cached in Redis under a township's data version.

Triggers (migration 0009) give a township a new random data version in the same transaction as
any change to its members, branches, departures or whereabouts. Callers read the version first
and count afterwards: a version read before the counting can only be older than the data counted,
never newer, so an entry is never stored under a version it does not reflect. Versions are random,
so keys never collide between databases; a township without a version row is never cached. When
Redis cannot be reached, callers simply count.
"""

import logging
from typing import Any

import redis
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.cache import cache_redis
from webapp.departures.models import DataVersion

TTL = 2 * 24 * 3600
log = logging.getLogger(__name__)


def data_versions(session: Session, ids: list[int]) -> dict[int, int]:
    """Township id -> current data version (townships never changed have none)."""
    rows = session.execute(
        select(DataVersion.tenant_id, DataVersion.version).where(DataVersion.tenant_id.in_(ids))
    )
    return {tenant: version for tenant, version in rows}


class VersionedCache:
    """JSON texts in Redis under (namespace, kind, township, version, ...), kept for TTL."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.hits = self.misses = 0

    def _prefix(self) -> str:
        return f"lianxin:{current_app.config.get('CACHE_NAMESPACE', 'main')}:{self.kind}:"

    def _key(self, key: tuple[Any, ...]) -> str:
        return self._prefix() + ":".join(str(k) for k in key)

    def get_many(self, keys: list[tuple[Any, ...]]) -> list[bytes | None]:
        """The cached text of each key (None where missing or when Redis is away)."""
        if not keys:
            return []
        try:
            found = cache_redis().mget([self._key(k) for k in keys])
        except redis.RedisError as exc:
            log.warning("%s cache unavailable, counting instead: %s", self.kind, exc)
            return [None] * len(keys)
        hits = sum(1 for f in found if f is not None)
        self.hits, self.misses = self.hits + hits, self.misses + len(found) - hits
        return found

    def put_many(self, items: dict[tuple[Any, ...], str]) -> None:
        """Store texts for TTL seconds (a day's entries are not asked for after the day)."""
        if not items:
            return
        try:
            with cache_redis().pipeline(transaction=False) as pipe:
                for key, text in items.items():
                    pipe.set(self._key(key), text, ex=TTL)
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("%s cache unavailable, not stored: %s", self.kind, exc)

    def keys(self) -> list[bytes]:
        """Every key of this kind in this namespace."""
        return list(cache_redis().scan_iter(self._prefix() + "*", count=1000))

    def __len__(self) -> int:
        return len(self.keys())

    def clear(self) -> None:
        """Forget every entry of this kind in this namespace, and the counts."""
        if found := self.keys():
            cache_redis().delete(*found)
        self.hits = self.misses = 0
