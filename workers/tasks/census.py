"""Keeping the county roll-up warm: each township's census parts for today, counted ahead."""

from collections import defaultdict
from datetime import date, timedelta

from celery import shared_task
from sqlalchemy import select

from tenants.context import reading_context
from tenants.models import Township
from webapp.departures import rollup
from webapp.extensions import db

WARM = "workers.tasks.census.warm"


@shared_task(name=WARM, max_retries=3, ignore_result=True)
def warm(day: str | None = None) -> int:
    """Beat: count, county by county, the townships whose current parts are not cached yet, for
    today and tomorrow (a version that has not changed by then keeps tomorrow's entry valid, so
    the first roll-up after midnight is served warm)."""
    today = date.fromisoformat(day) if day else date.today()
    counted = 0
    try:
        towns = list(db.session.scalars(select(Township).order_by(Township.id)))
        by_county: dict[int, list[Township]] = defaultdict(list)
        for town in towns:
            by_county[town.county_id].append(town)
        for group in by_county.values():
            for as_of in (today, today + timedelta(days=1)):
                misses = rollup.CACHE.misses
                with reading_context([t.id for t in group]):
                    rollup.township_parts(db.session, group, as_of)
                counted += rollup.CACHE.misses - misses
    finally:
        db.session.remove()
    return counted
