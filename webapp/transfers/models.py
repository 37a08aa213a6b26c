"""Transfer of the organisational relationship (组织关系转接) and its introduction letters.

A process of its own, not a placement: the member leaves the sending register for the receiving
one. 草稿 -> 已提交 -> approvals (branch, township, county between counties) -> 已开具 (the
member is 转出中 and still counts at home) -> 已接收 (on the receiving register, off the sending
one) -> 回执已确认. Side exits: 退回修改 (back for edits), 撤回 (only before the first approval),
拒收 (the member stays where they were).
"""

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, Index, String, Text, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum, utcnow
from tenants.scoping import TenantScoped
from webapp.directory.models import Organisation
from webapp.imports.models import EncryptedBlob


class TransferStatus(enum.StrEnum):
    """Where the transfer is."""

    DRAFT = "draft"
    PENDING_BRANCH = "pending_branch"
    PENDING_TOWNSHIP = "pending_township"
    PENDING_COUNTY = "pending_county"
    RETURNED = "returned"
    ISSUED = "issued"
    RECEIVED = "received"
    RECEIPTED = "receipted"
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"


STATUS_LABELS = {
    TransferStatus.DRAFT: lazy_gettext("草稿"),
    TransferStatus.PENDING_BRANCH: lazy_gettext("已提交（待支部审批）"),
    TransferStatus.PENDING_TOWNSHIP: lazy_gettext("待乡镇党委审批"),
    TransferStatus.PENDING_COUNTY: lazy_gettext("待县委组织部审批"),
    TransferStatus.RETURNED: lazy_gettext("退回修改"),
    TransferStatus.ISSUED: lazy_gettext("已开具"),
    TransferStatus.RECEIVED: lazy_gettext("已接收"),
    TransferStatus.RECEIPTED: lazy_gettext("回执已确认"),
    TransferStatus.WITHDRAWN: lazy_gettext("已撤回"),
    TransferStatus.REFUSED: lazy_gettext("已拒收"),
}

# a member has at most one transfer in these states (the database says so: uq_transfers_open)
OPEN = (
    TransferStatus.DRAFT,
    TransferStatus.PENDING_BRANCH,
    TransferStatus.PENDING_TOWNSHIP,
    TransferStatus.PENDING_COUNTY,
    TransferStatus.RETURNED,
    TransferStatus.ISSUED,
)
PENDING = (
    TransferStatus.PENDING_BRANCH,
    TransferStatus.PENDING_TOWNSHIP,
    TransferStatus.PENDING_COUNTY,
)
OPEN_SQL = (
    "status IN ('draft','pending_branch','pending_township','pending_county','returned','issued')"
)


class Step(enum.StrEnum):
    """An approval step, in order."""

    BRANCH = "branch"
    TOWNSHIP = "township"
    COUNTY = "county"


STEP_LABELS = {
    Step.BRANCH: lazy_gettext("党支部"),
    Step.TOWNSHIP: lazy_gettext("乡镇党委"),
    Step.COUNTY: lazy_gettext("县委组织部"),
}
STEP_OF = {
    TransferStatus.PENDING_BRANCH: Step.BRANCH,
    TransferStatus.PENDING_TOWNSHIP: Step.TOWNSHIP,
    TransferStatus.PENDING_COUNTY: Step.COUNTY,
}


class Transfer(TenantScoped, Timestamped, Base):
    """One transfer out of the sending township (tenant_id); its member is the sending row."""

    __tablename__ = "transfers"
    __table_args__ = (
        Index(
            "uq_transfers_open",
            "member_id",
            unique=True,
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # the receiving township when the organisation is a branch on the platform
    receiving_township_id: Mapped[int | None] = mapped_column(
        ForeignKey("townships.id"), index=True
    )
    needs_county: Mapped[bool] = mapped_column(default=False)
    status: Mapped[TransferStatus] = mapped_column(
        str_enum(TransferStatus, 20), default=TransferStatus.DRAFT, index=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    letter_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    version: Mapped[int] = mapped_column(default=0)
    dues_paid_to: Mapped[str] = mapped_column(String(7), default="")
    submitted_on: Mapped[date | None]
    issued_on: Mapped[date | None]
    valid_until: Mapped[date | None]
    received_on: Mapped[date | None]
    receipt_on: Mapped[date | None]
    receipt_reference: Mapped[str] = mapped_column(String(64), default="")
    receipt_scan: Mapped[bytes | None] = mapped_column(EncryptedBlob())
    receipt_scan_name: Mapped[str] = mapped_column(String(120), default="")
    refused_reason: Mapped[str] = mapped_column(Text, default="")
    returned_note: Mapped[str] = mapped_column(Text, default="")
    received_by: Mapped[str] = mapped_column(String(64), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def step(self) -> Step | None:
        return STEP_OF.get(self.status)

    @property
    def off_platform(self) -> bool:
        return self.receiving_township_id is None

    def expired(self, today: date) -> bool:
        """An issued letter past its validity: flagged and chased, never cancelled by itself."""
        return (
            self.status == TransferStatus.ISSUED
            and self.valid_until is not None
            and self.valid_until < today
        )


def compare_and_set(
    session: Session, transfer_id: int, frm: tuple[TransferStatus, ...], **values: Any
) -> bool:
    """Move the transfer from one of frm, in the database: False when someone moved it first
    (two clicks, two approvers, an accept against a refuse), and then nothing changed."""
    result = session.execute(
        update(Transfer)
        .where(Transfer.id == transfer_id, Transfer.status.in_(frm))
        .values(**values, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


class Approval(TenantScoped, Base):
    """One decision at one step: approved, or returned for edits with a note."""

    __tablename__ = "transfer_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    step: Mapped[Step] = mapped_column(str_enum(Step, 16))
    approved: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime]

    @property
    def step_label(self) -> str:
        return STEP_LABELS[self.step]


class Letter(TenantScoped, Base):
    """One version of the introduction letter (介绍信): 存根, 介绍信 and 回执 share its number.

    Reissuing voids the old version; the public status page finds a version by its token.
    """

    __tablename__ = "transfer_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    version: Mapped[int]
    token: Mapped[str] = mapped_column(String(32), unique=True)
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    voided_on: Mapped[date | None]
    prints: Mapped[int] = mapped_column(default=0)


class IncomingStatus(enum.StrEnum):
    """The receiving side's view of a transfer."""

    WAITING = "waiting"  # 待接收
    RECEIVED = "received"  # 已接收
    REFUSED = "refused"  # 已拒收


INCOMING_LABELS = {
    IncomingStatus.WAITING: lazy_gettext("待接收"),
    IncomingStatus.RECEIVED: lazy_gettext("已接收"),
    IncomingStatus.REFUSED: lazy_gettext("已拒收"),
}


class IncomingTransfer(TenantScoped, Timestamped, Base):
    """转入: what the receiving township holds of a transfer to one of its branches.

    From a township on the platform it is written at issue (webapp/transfers/crossing.py) with
    the letter's facts and the member's name only; the ID number arrives with the member on
    receipt. From an off-platform sender it is registered by hand from the paper letter.
    """

    __tablename__ = "incoming_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    letter_number: Mapped[str] = mapped_column(String(32))
    from_township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    from_name: Mapped[str] = mapped_column(String(100))
    member_name: Mapped[str] = mapped_column(String(32))
    dues_paid_to: Mapped[str] = mapped_column(String(7), default="", server_default=text("''"))
    status: Mapped[IncomingStatus] = mapped_column(
        str_enum(IncomingStatus, 16), default=IncomingStatus.WAITING
    )
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    received_on: Mapped[date | None]
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    refused_reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def status_label(self) -> str:
        return INCOMING_LABELS[self.status]

    def expired(self, today: date) -> bool:
        return self.status == IncomingStatus.WAITING and self.valid_until < today
