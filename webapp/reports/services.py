"""Ask for a roster PDF (queued after commit) and render it in a worker, idempotently."""

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import render_template
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tenants.access import get_in_tenant
from tenants.db import utcnow
from tenants.models import Township
from webapp.audit.services import record
from webapp.branches.models import Branch
from webapp.jobs import enqueue_after_commit
from webapp.members.models import Member, MemberStatus
from webapp.reports.models import Report
from webapp.reports.rendering import mark_pdf_job_failed, render_pdf_job

RENDER_TASK = "workers.tasks.reports.render_report"


class ReportError(ValueError):
    """A report that cannot be asked for."""


def do_request_roster(
    session: Session, actor: Any, township: Township, branch_id: int | None
) -> Report:
    """Queue a roster of one branch, or of the whole township when branch_id is None."""
    if branch_id is not None:
        branch = get_in_tenant(session, Branch, branch_id)
        title = f"{branch.name} 党员花名册"
    else:
        title = f"{township.name} 党员花名册"
    report = Report(tenant_id=township.id, title=title, branch_id=branch_id, requested_by=actor.id)
    session.add(report)
    session.flush()
    record(
        session,
        actor,
        "report.requested",
        "report",
        report.id,
        tenant_id=township.id,
        after={"title": title},
    )
    enqueue_after_commit(session, RENDER_TASK, township.id, report.id)
    session.commit()
    return report


def list_reports(branch_id: int | None = None) -> Select[tuple[Report]]:
    """Reports in scope, newest first; only one branch's when branch_id is given."""
    stmt = select(Report)
    if branch_id is not None:
        stmt = stmt.where(Report.branch_id == branch_id)
    return stmt.order_by(Report.created_at.desc(), Report.id.desc())


def _roster_rows(session: Session, report: Report) -> list[Member]:
    stmt = select(Member).where(Member.status.in_([MemberStatus.FULL, MemberStatus.PROBATIONARY]))
    if report.branch_id is not None:
        stmt = stmt.where(Member.branch_id == report.branch_id)
    return list(session.scalars(stmt.order_by(Member.branch_id, Member.name)))


def _local_time(township: Township | None) -> str:
    """Now, in the township's time zone (UTC, and saying so, when that zone is unknown here)."""
    now = utcnow()
    try:
        return f"{now.astimezone(ZoneInfo(getattr(township, 'timezone', None))):%Y-%m-%d %H:%M}"
    except (TypeError, ValueError, ZoneInfoNotFoundError):
        return f"{now:%Y-%m-%d %H:%M} UTC"


def roster_html(session: Session, report: Report, township: Township | None) -> str:
    """The HTML the roster PDF is made from (numbers masked, birth year only)."""
    return render_template(
        "reports/roster_pdf.html",
        report=report,
        township=township,
        members=_roster_rows(session, report),
        generated_at=_local_time(township),
    )


def render_roster(session: Session, report_id: int) -> Report:
    """Render the PDF; running it again for a finished report does nothing."""

    def html(report: Report, township: Township | None) -> str:
        return roster_html(session, report, township)

    return render_pdf_job(session, Report, report_id, html, ("report.rendered", "report"))


def mark_failed(session: Session, report_id: int, message: str) -> None:
    """Record a rendering failure the user can see."""
    mark_pdf_job_failed(session, Report, report_id, message)
