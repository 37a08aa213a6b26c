"""Render a PDF job row in a worker: once, even when two deliveries of the task overlap; and
hand the finished PDF out, audited."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, abort, request
from flask_login import current_user
from sqlalchemy import update
from sqlalchemy.orm import Session

from tenants.access import get_in_tenant
from tenants.db import utcnow
from tenants.models import Township
from webapp.audit.services import record
from webapp.extensions import db
from webapp.reports.models import ReportStatus

J = TypeVar("J")


def render_pdf_job(
    session: Session,
    model: type[J],
    job_id: int,
    build_html: Callable[[Any, Township | None], str],
    audit: tuple[str, str],
) -> J:
    """Render the job's HTML to PDF and store it; a finished job is left alone."""
    from weasyprint import HTML

    job: Any = get_in_tenant(session, model, job_id)  # type: ignore[type-var]
    if job.status == ReportStatus.DONE:
        return job
    job.status = ReportStatus.RENDERING
    job.progress = 10
    session.commit()
    from webapp.reports.fetcher import StaticOnlyFetcher, static_base_url

    document = HTML(
        string=build_html(job, session.get(Township, job.tenant_id)),
        base_url=static_base_url(),
        url_fetcher=StaticOnlyFetcher(),
    ).render()
    pdf = document.write_pdf()
    # Compare-and-set: when two deliveries of the task render at once (a redelivery after the
    # visibility timeout, say), only the first to finish stores its PDF and writes the audit entry.
    finished = session.execute(
        update(model)
        .where(model.id == job.id, model.status != ReportStatus.DONE)  # type: ignore[attr-defined]
        .values(
            pdf=pdf,
            pages=len(document.pages),
            status=ReportStatus.DONE,
            progress=100,
            error="",
            finished_at=utcnow(),
        )
    )
    if finished.rowcount == 1:
        action, entity_type = audit
        record(session, None, action, entity_type, job.id, tenant_id=job.tenant_id)
    session.commit()
    session.refresh(job)
    return job


def mark_pdf_job_failed(session: Session, model: type[J], job_id: int, message: str) -> None:
    """Record a rendering failure the user can see; a finished job stays finished."""
    job: Any = get_in_tenant(session, model, job_id)  # type: ignore[type-var]
    if job.status == ReportStatus.DONE:
        return
    job.status = ReportStatus.FAILED
    job.error = message[:500]
    session.commit()


def audited_pdf(job: Any, action: str, entity_type: str, filename: str) -> Response:
    """A finished job's PDF as a download, with an audit entry (PDFs carry personal data);
    404 until it is done."""
    if job.status != ReportStatus.DONE or job.pdf is None:
        abort(404)
    record(
        db.session,
        current_user,
        action,
        entity_type,
        job.id,
        tenant_id=job.tenant_id,
        ip=request.remote_addr,
    )
    db.session.commit()
    return Response(
        job.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
