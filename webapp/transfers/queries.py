"""Lists of transfers: the township's, the 待办 queue of one approver, the 未办结 with days open."""

from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from webapp.members.models import Member
from webapp.transfers.models import OPEN, Approval, Step, Transfer, TransferStatus

STUB = lazy_gettext("该党员的组织关系已转出，本镇只保留转出记录，不能修改")
QUEUES = {
    Step.BRANCH: TransferStatus.PENDING_BRANCH,
    Step.TOWNSHIP: TransferStatus.PENDING_TOWNSHIP,
    Step.COUNTY: TransferStatus.PENDING_COUNTY,
}


def list_transfers(
    status: str = "", q: str = "", branch_id: int | None = None, unfinished: bool = False
) -> Select[Any]:
    """The township's transfers with their members, newest first."""
    stmt = (
        select(Transfer, Member)
        .join(Member, Member.id == Transfer.member_id)
        .options(joinedload(Transfer.organisation))  # each row shows it: one query, not N
    )
    if unfinished:
        stmt = stmt.where(Transfer.status.in_((*OPEN, TransferStatus.RECEIVED)))
    elif status in {s.value for s in TransferStatus}:
        stmt = stmt.where(Transfer.status == TransferStatus(status))
    if q := q.strip():
        stmt = stmt.where(Member.name.contains(q) | (Transfer.letter_number == q))
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    return stmt.order_by(Transfer.created_at.desc(), Transfer.id.desc())


def queue(step: Step, branch_id: int | None = None) -> Select[Any]:
    """待办: the transfers waiting at step (a branch-level approver sees their own branch)."""
    stmt = (
        select(Transfer, Member)
        .join(Member, Member.id == Transfer.member_id)
        .options(joinedload(Transfer.organisation))
        .where(Transfer.status == QUEUES[step])
    )
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    return stmt.order_by(Transfer.submitted_on, Transfer.id)


def approvals_of(transfer_id: int) -> Select[Any]:
    """The transfer's decisions, in order."""
    return select(Approval).where(Approval.transfer_id == transfer_id).order_by(Approval.decided_at)


def transfers_of(member_id: int) -> Select[Any]:
    """Every transfer of the member, newest first."""
    return (
        select(Transfer)
        .options(joinedload(Transfer.organisation))
        .where(Transfer.member_id == member_id)
        .order_by(Transfer.created_at.desc(), Transfer.id.desc())
    )


def is_stub(session: Session, member_id: int) -> bool:
    """Whether the member left by a completed transfer: the sending township's read-only stub."""
    done = (TransferStatus.RECEIVED, TransferStatus.RECEIPTED)
    return (
        session.scalar(
            select(Transfer.id).where(Transfer.member_id == member_id, Transfer.status.in_(done))
        )
        is not None
    )
