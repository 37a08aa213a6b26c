"""Reminders and their delivery: beat asks what is due, dispatch sends it in batches.

Every task takes ids (and, for tests and replays, an ISO "now"), is safe to run twice, and keeps
no state of its own: the outbox rows are the state, so a task lost with a killed worker is
replaced by the next sweep.
"""

import logging
from datetime import datetime
from typing import Any

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from notifications.dispatch import dispatch as dispatch_batch
from notifications.dispatch import due_townships
from tenants.context import system_context_unsafe
from tenants.db import utcnow
from tenants.models import Township
from webapp.extensions import db
from webapp.reminders.engine import run_township
from workers.tasks import in_tenant

log = logging.getLogger(__name__)

RUN_RULES = "workers.tasks.notify.run_rules"
RUN_TOWNSHIP = "workers.tasks.notify.run_township_rules"
DISPATCH = "workers.tasks.notify.dispatch"
SWEEP = "workers.tasks.notify.sweep"
NOOP = "workers.tasks.notify.noop"


def _moment(now: str | None) -> datetime | None:
    return datetime.fromisoformat(now) if now else None


@shared_task(name=RUN_RULES, max_retries=3, ignore_result=True)
def run_rules(now: str | None = None) -> int:
    """Beat: one rule run per township; how many were asked for."""
    try:
        ids = list(db.session.scalars(select(Township.id).order_by(Township.id)))
    finally:
        db.session.remove()
    for tenant_id in ids:
        run_township_rules.delay(tenant_id, now)
    return len(ids)


@shared_task(bind=True, name=RUN_TOWNSHIP, max_retries=3, ignore_result=True)
def run_township_rules(self: Any, tenant_id: int, now: str | None = None) -> dict[str, int]:
    """Queue what is due now in one township; running it again queues nothing new."""
    with in_tenant(tenant_id):
        township = db.session.get(Township, tenant_id)
        if township is None:
            return {}
        try:
            return run_township(db.session, township, _moment(now))
        except Exception as exc:
            db.session.rollback()
            raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(bind=True, name=DISPATCH, max_retries=3, ignore_result=True)
def dispatch(self: Any, tenant_id: int, now: str | None = None) -> dict[str, Any]:
    """Send one batch of the township's due messages; ask for another when the batch was full."""
    with in_tenant(tenant_id):
        report = dispatch_batch(db.session, tenant_id, current_app.config, _moment(now))
    if report.more:
        dispatch.delay(tenant_id, now)
    return report.__dict__


@shared_task(name=SWEEP, max_retries=3, ignore_result=True)
def sweep(now: str | None = None) -> list[int]:
    """Beat: a dispatch for every township with messages due (retries, held ones, lost leases)."""
    try:
        # the outbox spans townships and this only reads which ones have work: the system scope
        with system_context_unsafe():
            ids = due_townships(db.session, _moment(now) or utcnow())
    finally:
        db.session.remove()
    for tenant_id in ids:
        dispatch.delay(tenant_id, now)
    return ids


@shared_task(name=NOOP, max_retries=3, ignore_result=True)
def noop() -> None:
    """Does nothing: the benchmark's baseline of one Celery task per message."""
