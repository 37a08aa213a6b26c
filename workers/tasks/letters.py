"""Render a PDF of introduction letters (介绍信)."""

from typing import Any

from celery import shared_task

from webapp.transfers.letters import mark_failed, render_letters
from workers.tasks.reports import pdf_dead_letter, run_pdf_job


@shared_task(
    bind=True,
    max_retries=3,
    dead_letter=pdf_dead_letter(mark_failed, "letter print"),
    name="workers.tasks.letters.render_letters",
)
def render_transfer_letters(self: Any, tenant_id: int, print_id: int) -> None:
    """Render print_id; safe to run twice (a finished job is left alone)."""
    run_pdf_job(self, tenant_id, print_id, render_letters, mark_failed, "letter print")
