"""The evidence task's two halves: ask for it (queued after commit), and run it in chunks with
progress the page follows. Running it twice writes nothing the second time."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.access import get_in_tenant
from webapp.audit.services import record
from webapp.evaluations.evidence import compute_cards
from webapp.evaluations.models import EvaluationRound, EvaluationYear, Evaluee
from webapp.jobs import enqueue_after_commit

EVIDENCE_TASK = "workers.tasks.evaluations.compute_evidence"
CHUNK = 500
BUSY = ("queued", "running")


def do_request_evidence(session: Session, actor: Any, year: EvaluationYear) -> bool:
    """Queue the evidence of the whole year; False when a run is already under way."""
    if year.evidence_state in BUSY:
        return False
    year.evidence_state, year.evidence_done = "queued", 0
    record(
        session,
        actor,
        "evaluation.evidence_requested",
        "evaluation_year",
        year.id,
        tenant_id=year.tenant_id,
    )
    enqueue_after_commit(session, EVIDENCE_TASK, year.tenant_id, year.id)
    session.commit()
    return True


def run_evidence(session: Session, year_id: int, as_of: date) -> int:
    """Every evaluee's card, CHUNK at a time, committing progress after each; cards changed."""
    year = get_in_tenant(session, EvaluationYear, year_id)
    pairs = session.execute(
        select(Evaluee, EvaluationRound.branch_id)
        .join(EvaluationRound, EvaluationRound.id == Evaluee.round_id)
        .where(EvaluationRound.year_id == year.id)
        .order_by(Evaluee.id)
    ).all()
    year.evidence_state, year.evidence_total, year.evidence_done = "running", len(pairs), 0
    session.commit()
    changed = 0
    for first in range(0, len(pairs), CHUNK):
        chunk = [(e, b) for e, b in pairs[first : first + CHUNK]]
        changed += compute_cards(session, year, chunk, as_of)
        year.evidence_done = first + len(chunk)
        session.commit()
    year.evidence_state = "done"
    session.commit()
    return changed


def mark_failed(session: Session, year_id: int) -> None:
    """The task gave up: the page says so instead of spinning."""
    session.rollback()
    year = get_in_tenant(session, EvaluationYear, year_id)
    year.evidence_state = "failed"
    session.commit()
