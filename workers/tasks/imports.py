"""Validate an uploaded roster into a preview, and import it; both safe to run twice."""

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from flask import current_app
from werkzeug.exceptions import NotFound

from webapp.extensions import db
from webapp.imports.services import mark_failed, mark_unreadable, run_import, validate_job
from workers.tasks import in_tenant

log = logging.getLogger(__name__)


def retry_delay(retries: int) -> int:
    """Seconds before the next attempt: 10, 20, 40."""
    return 10 * 2**retries


def _run(task: Any, tenant_id: int, job_id: int, step: Callable[..., Any], what: str) -> None:
    with in_tenant(tenant_id):
        try:
            step(db.session, job_id)
        except NotFound:
            log.warning("import %s of township %s not found; skipped", job_id, tenant_id)
        except Exception as exc:
            db.session.rollback()
            if task.request.retries >= task.max_retries:
                log.exception("import %s of township %s failed", job_id, tenant_id)
                mark_failed(db.session, job_id, f"{what}失败（{type(exc).__name__}），请重新上传")
                raise
            raise task.retry(exc=exc, countdown=retry_delay(task.request.retries)) from exc


def unreadable(task: Any, tenant_id: int, job_id: int) -> None:
    """Dead letter: the file killed the worker on every delivery; the township is told."""
    with in_tenant(tenant_id):
        try:
            mark_unreadable(db.session, job_id, current_app.config["CELERY_MAX_DELIVERIES"])
        except NotFound:
            log.warning("import %s of township %s not found; dropped", job_id, tenant_id)


@shared_task(
    bind=True, max_retries=3, dead_letter=unreadable, name="workers.tasks.imports.validate_import"
)
def validate_import(self: Any, tenant_id: int, job_id: int) -> None:
    """Check every row of job_id and store the preview."""
    _run(self, tenant_id, job_id, validate_job, "校验")


@shared_task(
    bind=True, max_retries=3, dead_letter=unreadable, name="workers.tasks.imports.run_import"
)
def import_roster(self: Any, tenant_id: int, job_id: int) -> None:
    """Import job_id in the mode the officer chose."""
    _run(self, tenant_id, job_id, run_import, "导入")
