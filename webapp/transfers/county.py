"""The county's view of transfers: flows of the overseen townships by state, letters overdue,
approval times, and the county organisation department's own approval step."""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from webapp.members.models import Member
from webapp.transfers.models import (
    IncomingStatus,
    IncomingTransfer,
    Transfer,
    TransferStatus,
)


def county_queue(session: Session) -> list[tuple[Transfer, Member]]:
    """待县委组织部审批 in the townships of the scope, oldest first."""
    stmt = (
        select(Transfer, Member)
        .join(Member, Member.id == Transfer.member_id)
        .options(joinedload(Transfer.organisation))
        .where(Transfer.status == TransferStatus.PENDING_COUNTY)
        .order_by(Transfer.submitted_on, Transfer.id)
        .limit(200)
    )
    return [(t, m) for t, m in session.execute(stmt)]


def transfer_flows(session: Session, township_ids: list[int], today: date) -> dict[str, Any]:
    """Per township: transfers out by state, letters overdue, mean days from submission to
    issue, and transfers in (waiting, received, refused). Grouped queries, one per measure."""
    out = {t: {s.value: 0 for s in TransferStatus} for t in township_ids}
    for tenant, status, count in session.execute(
        select(Transfer.tenant_id, Transfer.status, func.count(Transfer.id)).group_by(
            Transfer.tenant_id, Transfer.status
        )
    ):
        out.setdefault(tenant, {s.value: 0 for s in TransferStatus})[status.value] = count
    overdue = dict(
        session.execute(
            select(Transfer.tenant_id, func.count(Transfer.id))
            .where(Transfer.status == TransferStatus.ISSUED, Transfer.valid_until < today)
            .group_by(Transfer.tenant_id)
        ).all()
    )
    waits: dict[int, list[int]] = {}
    for tenant, submitted, issued in session.execute(
        select(Transfer.tenant_id, Transfer.submitted_on, Transfer.issued_on).where(
            Transfer.issued_on.is_not(None), Transfer.submitted_on.is_not(None)
        )
    ):
        waits.setdefault(tenant, []).append((issued - submitted).days)
    incoming = {t: {s.value: 0 for s in IncomingStatus} for t in township_ids}
    for tenant, status, count in session.execute(
        select(
            IncomingTransfer.tenant_id, IncomingTransfer.status, func.count(IncomingTransfer.id)
        ).group_by(IncomingTransfer.tenant_id, IncomingTransfer.status)
    ):
        incoming.setdefault(tenant, {s.value: 0 for s in IncomingStatus})[status.value] = count
    return {
        "out": out,
        "overdue": overdue,
        "approval_days": {t: round(sum(d) / len(d), 1) for t, d in waits.items() if d},
        "incoming": incoming,
    }
