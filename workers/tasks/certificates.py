"""Render a PDF of certificate cards."""

from typing import Any

from celery import shared_task

from webapp.certificates.pdf import mark_failed, render_cards
from workers.tasks.reports import pdf_dead_letter, run_pdf_job


@shared_task(
    bind=True,
    max_retries=3,
    dead_letter=pdf_dead_letter(mark_failed, "certificate print"),
    name="workers.tasks.certificates.render_cards",
)
def render_certificate_cards(self: Any, tenant_id: int, print_id: int) -> None:
    """Render print_id; safe to run twice (a finished job is left alone)."""
    run_pdf_job(self, tenant_id, print_id, render_cards, mark_failed, "certificate print")
