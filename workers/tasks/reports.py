"""Render a requested report to PDF."""

from typing import Any

from celery import shared_task

from webapp.extensions import db
from webapp.reports.services import mark_failed, render_roster
from workers.tasks import in_tenant


@shared_task(
    bind=True, max_retries=3, retry_backoff=True, name="workers.tasks.reports.render_report"
)
def render_report(self: Any, tenant_id: int, report_id: int) -> None:
    """Render report_id; safe to run twice (a finished report is left alone)."""
    with in_tenant(tenant_id):
        try:
            render_roster(db.session, report_id)
        except Exception as exc:
            db.session.rollback()
            if self.request.retries >= self.max_retries:
                mark_failed(db.session, report_id, f"生成失败：{type(exc).__name__}")
                raise
            raise self.retry(exc=exc) from exc
