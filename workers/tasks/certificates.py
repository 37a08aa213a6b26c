"""Render a PDF of certificate cards."""

import logging
from typing import Any

from celery import shared_task
from werkzeug.exceptions import NotFound

from webapp.certificates.pdf import mark_failed, render_cards
from webapp.extensions import db
from workers.tasks import in_tenant
from workers.tasks.reports import retry_delay

log = logging.getLogger(__name__)


def gave_up(_task: Any, tenant_id: int, print_id: int) -> None:
    """Dead letter: rendering took the worker down on every delivery; say so on the job."""
    with in_tenant(tenant_id):
        try:
            mark_failed(db.session, print_id, "生成失败：处理程序多次意外中断，已停止")
        except NotFound:
            log.warning("print %s of township %s not found; dropped", print_id, tenant_id)


@shared_task(
    bind=True, max_retries=3, dead_letter=gave_up, name="workers.tasks.certificates.render_cards"
)
def render_certificate_cards(self: Any, tenant_id: int, print_id: int) -> None:
    """Render print_id; safe to run twice (a finished job is left alone)."""
    with in_tenant(tenant_id):
        try:
            render_cards(db.session, print_id)
        except NotFound:
            log.warning(
                "certificate print %s of township %s not found; skipped", print_id, tenant_id
            )
        except Exception as exc:
            db.session.rollback()
            if self.request.retries >= self.max_retries:
                mark_failed(db.session, print_id, f"生成失败：{type(exc).__name__}")
                raise
            raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
