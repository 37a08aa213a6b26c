"""The sanctioned crossing between townships for transfers.

At issue the receiving township gets its own row (IncomingTransfer) with the letter's facts and
the member's name, and nothing else. On receipt, in one transaction: the sending row becomes the
stub (已转出) and what followed the member there is closed, then the receiving township registers
the member from the handed-over fields. Each side's rows are written only inside a scope of that
one township, entered for one flush; the database's partial unique index on active ID numbers is
what keeps a member on exactly one active register whatever the code does.
"""

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.context import tenant_context
from tenants.models import Township
from webapp.audit.services import record
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.members.models import Member
from webapp.transfers.handover import close_sending_side, handed_over, new_member
from webapp.transfers.models import (
    IncomingStatus,
    IncomingTransfer,
    Transfer,
    TransferStatus,
    compare_and_set,
)


class CrossingRefused(ValueError):
    """The receiving side's action cannot be taken: field -> message; nothing changed."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def share(session: Session, township: Township, transfer: Transfer) -> None:
    """Tell the receiving township of an issued letter, in the issuing transaction."""
    member = session.get(Member, transfer.member_id)
    branch = session.get(Branch, member.branch_id)
    session.flush()
    with tenant_context(transfer.receiving_township_id):
        session.add(
            IncomingTransfer(
                tenant_id=transfer.receiving_township_id,
                transfer_id=transfer.id,
                branch_id=transfer.organisation.branch_id,
                letter_number=transfer.letter_number,
                from_township_id=township.id,
                from_name=f"{township.name}{branch.name if branch else ''}"[:100],
                member_name=member.name,
                dues_paid_to=transfer.dues_paid_to,
                issued_on=transfer.issued_on,
                valid_until=transfer.valid_until,
            )
        )
        session.flush()


def mirror_validity(session: Session, transfer: Transfer) -> None:
    """A reissued letter: the receiving side reads the new dates."""
    session.flush()
    with tenant_context(transfer.receiving_township_id):
        row = session.scalar(
            select(IncomingTransfer).where(IncomingTransfer.transfer_id == transfer.id)
        )
        if row is not None:
            row.issued_on = transfer.issued_on
            row.valid_until = transfer.valid_until
            session.flush()


def complete_at_home(session: Session, actor: Any, transfer: Transfer, today: date) -> Member:
    """The sending side of completion: the stub, and everything closed behind the member."""
    member = session.get(Member, transfer.member_id)
    close_sending_side(session, actor, member, transfer.letter_number or "", today)
    session.flush()
    return member


def _claim(session: Session, transfer_id: int, frm: TransferStatus, **values: Any) -> Transfer:
    """Compare-and-set on the sending row; a second accept (or a refuse) finds it moved."""
    if not compare_and_set(session, transfer_id, (frm,), **values):
        session.rollback()
        raise CrossingRefused({"status": _("该介绍信已被处理（已接收、拒收或撤销），请刷新后查看")})
    transfer = session.get(Transfer, transfer_id)
    session.refresh(transfer)
    return transfer


def _waiting(row: IncomingTransfer, today: date) -> None:
    if row.status != IncomingStatus.WAITING:
        raise CrossingRefused(
            {
                "status": _(
                    "该转入状态为“%(status_label)s”，不能再办理", status_label=row.status_label
                )
            }
        )
    if row.valid_until < today:
        raise CrossingRefused(
            {
                "status": _(
                    "介绍信已过有效期（有效期至%(valid_until)s），请联系流出地乡镇重新开具后再接收",
                    valid_until=row.valid_until,
                )
            }
        )


def receive(
    session: Session, actor: Any, township: Township, row: IncomingTransfer, today: date
) -> Member:
    """已接收: the member leaves the sending register and joins this one, in one transaction."""
    _waiting(row, today)
    by = f"{township.name} {getattr(actor, 'display_name', '')}"[:64]
    session.flush()
    with tenant_context(row.from_township_id):
        transfer = _claim(
            session,
            row.transfer_id,
            TransferStatus.ISSUED,
            status=TransferStatus.RECEIVED,
            received_on=today,
            received_by=by,
        )
        values = handed_over(session.get(Member, transfer.member_id))  # before the stub
        home = complete_at_home(session, actor, transfer, today)
        record(
            session,
            actor,
            "transfer.received",
            "transfer",
            transfer.id,
            tenant_id=transfer.tenant_id,
            after={"member_id": home.id, "received_by": township.name},
        )
        session.flush()
    member = new_member(values, township.id, row.branch_id)
    session.add(member)
    try:
        session.flush()
    except IntegrityError as exc:  # uq_members_active_id_number: active elsewhere already
        session.rollback()
        raise CrossingRefused(
            {"status": _("该党员已在其他组织登记为正式或预备党员，不能重复接收，请联系流出地核实")}
        ) from exc
    row.status = IncomingStatus.RECEIVED
    row.received_on = today
    row.member_id = member.id
    _move_login(session, home, member)
    record(
        session,
        actor,
        "incoming.received",
        "member",
        member.id,
        tenant_id=township.id,
        after={
            "letter_number": row.letter_number,
            "from": row.from_name,
            "name": member.name,
            "dues_paid_to": row.dues_paid_to,
        },
    )
    session.commit()
    return member


def _move_login(session: Session, home: Member, member: Member) -> None:
    """The member's own account follows them to the receiving register."""
    for user in session.scalars(
        select(User).where(User.member_id == home.id, User.role == Role.MEMBER)
    ):
        user.member_id = member.id
        user.tenant_id = member.tenant_id
        user.branch_id = member.branch_id
        user.session_version += 1


def refuse(
    session: Session,
    actor: Any,
    township: Township,
    row: IncomingTransfer,
    reason: str,
    today: date,
) -> None:
    """拒收 with a reason: the member stays on the sending register, and the sender reads why."""
    reason = (reason or "").strip()
    if not reason:
        raise CrossingRefused({"reason": _("请写明拒收的原因")})
    if row.status != IncomingStatus.WAITING:
        raise CrossingRefused(
            {
                "status": _(
                    "该转入状态为“%(status_label)s”，不能再办理", status_label=row.status_label
                )
            }
        )
    session.flush()
    with tenant_context(row.from_township_id):
        transfer = _claim(
            session,
            row.transfer_id,
            TransferStatus.ISSUED,
            status=TransferStatus.REFUSED,
            refused_reason=f"{township.name}：{reason}"[:500],
        )
        record(
            session,
            actor,
            "transfer.refused",
            "transfer",
            transfer.id,
            tenant_id=transfer.tenant_id,
            after={"member_id": transfer.member_id, "refused_by": township.name, "reason": reason},
        )
        session.flush()
    row.status = IncomingStatus.REFUSED
    row.refused_reason = reason[:500]
    record(
        session,
        actor,
        "incoming.refused",
        "incoming_transfer",
        row.id,
        tenant_id=township.id,
        after={"letter_number": row.letter_number, "reason": reason},
    )
    session.commit()
