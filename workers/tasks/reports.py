"""Render a requested report to PDF."""

import logging
from typing import Any

from celery import shared_task
from werkzeug.exceptions import NotFound

from webapp.extensions import db
from webapp.reports.services import mark_failed, render_roster
from workers.tasks import in_tenant

log = logging.getLogger(__name__)


def retry_delay(retries: int) -> int:
    """Seconds before the next attempt: 10, 20, 40 (well inside the visibility timeout)."""
    return 10 * 2**retries


def gave_up(_task: Any, tenant_id: int, report_id: int) -> None:
    """Dead letter: rendering took the worker down on every delivery; say so on the job."""
    with in_tenant(tenant_id):
        try:
            mark_failed(db.session, report_id, "生成失败：处理程序多次意外中断，已停止")
        except NotFound:
            log.warning("report %s of township %s not found; dropped", report_id, tenant_id)


@shared_task(
    bind=True, max_retries=3, dead_letter=gave_up, name="workers.tasks.reports.render_report"
)
def render_report(self: Any, tenant_id: int, report_id: int) -> None:
    """Render report_id; safe to run twice (a finished report is left alone)."""
    with in_tenant(tenant_id):
        try:
            render_roster(db.session, report_id)
        except NotFound:
            # Deleted since it was asked for (or not this township's): nothing to render or mark.
            log.warning("report %s of township %s not found; skipped", report_id, tenant_id)
        except Exception as exc:
            db.session.rollback()
            if self.request.retries >= self.max_retries:
                mark_failed(db.session, report_id, f"生成失败：{type(exc).__name__}")
                raise
            raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
