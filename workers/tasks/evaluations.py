"""Evidence cards and scores for a township's evaluation year; safe to run twice."""

import logging
from datetime import date
from typing import Any

from celery import shared_task
from werkzeug.exceptions import NotFound

from webapp.evaluations.jobs import EVIDENCE_TASK, mark_failed, run_evidence
from webapp.extensions import db
from workers.tasks import in_tenant
from workers.tasks.imports import retry_delay

log = logging.getLogger(__name__)


def _dead(task: Any, tenant_id: int, year_id: int) -> None:
    """Dead letter: the run killed the worker on every delivery; the page shows it failed."""
    with in_tenant(tenant_id):
        try:
            mark_failed(db.session, year_id)
        except NotFound:
            log.warning("evaluation year %s of township %s not found; dropped", year_id, tenant_id)


@shared_task(bind=True, max_retries=3, dead_letter=_dead, name=EVIDENCE_TASK)
def compute_evidence(self: Any, tenant_id: int, year_id: int) -> int | None:
    """Every evaluee's evidence card of the year, as of today."""
    with in_tenant(tenant_id):
        try:
            return run_evidence(db.session, year_id, date.today())
        except NotFound:
            log.warning("evaluation year %s of township %s not found; skipped", year_id, tenant_id)
            return None
        except Exception as exc:
            db.session.rollback()
            if self.request.retries >= self.max_retries:
                log.exception("evidence of year %s, township %s failed", year_id, tenant_id)
                mark_failed(db.session, year_id)
                raise
            raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
