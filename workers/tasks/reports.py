"""Render a requested report to PDF; the shared body of every PDF-rendering task."""

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from webapp.extensions import db
from webapp.reports.services import mark_failed, render_roster
from workers.tasks import in_tenant

log = logging.getLogger(__name__)

GAVE_UP = "生成失败：处理程序多次意外中断，已停止"


def retry_delay(retries: int) -> int:
    """Seconds before the next attempt: 10, 20, 40 (well inside the visibility timeout)."""
    return 10 * 2**retries


def pdf_dead_letter(
    mark: Callable[[Session, int, str], None], kind: str
) -> Callable[[Any, int, int], None]:
    """A dead-letter handler: rendering took the worker down on every delivery; say so on the job."""

    def gave_up(_task: Any, tenant_id: int, job_id: int) -> None:
        with in_tenant(tenant_id):
            try:
                mark(db.session, job_id, GAVE_UP)
            except NotFound:
                log.warning("%s %s of township %s not found; dropped", kind, job_id, tenant_id)

    return gave_up


def run_pdf_job(
    task: Any,
    tenant_id: int,
    job_id: int,
    render: Callable[[Session, int], Any],
    mark: Callable[[Session, int, str], None],
    kind: str,
) -> None:
    """Render job_id, retrying with back-off; the last failure is shown on the job."""
    with in_tenant(tenant_id):
        try:
            render(db.session, job_id)
        except NotFound:
            # Deleted since it was asked for (or not this township's): nothing to render or mark.
            log.warning("%s %s of township %s not found; skipped", kind, job_id, tenant_id)
        except Exception as exc:
            db.session.rollback()
            if task.request.retries >= task.max_retries:
                mark(db.session, job_id, f"生成失败：{type(exc).__name__}")
                raise
            raise task.retry(exc=exc, countdown=retry_delay(task.request.retries)) from exc


@shared_task(
    bind=True,
    max_retries=3,
    dead_letter=pdf_dead_letter(mark_failed, "report"),
    name="workers.tasks.reports.render_report",
)
def render_report(self: Any, tenant_id: int, report_id: int) -> None:
    """Render report_id; safe to run twice (a finished report is left alone)."""
    run_pdf_job(self, tenant_id, report_id, render_roster, mark_failed, "report")
