"""Placement: a member placed at an inflow organisation of the directory, for dual management.

The member stays on the home register (this township's); the inflow organisation manages their
day-to-day participation. 待报到 (placed) -> 已流入 (reported in) -> 已结束 (with a date and a
reason). A placement always ends with a date: closed_on is set when it ends, and the database
allows one placement without it per member.
"""

import enum
from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped
from webapp.directory.models import Organisation


class PlacementStatus(enum.StrEnum):
    """Where the placement is."""

    PENDING = "pending"  # 待报到
    ACTIVE = "active"  # 已流入
    ENDED = "ended"  # 已结束


STATUS_LABELS = {
    PlacementStatus.PENDING: "待报到",
    PlacementStatus.ACTIVE: "已流入",
    PlacementStatus.ENDED: "已结束",
}


class EndReason(enum.StrEnum):
    """Why a placement ended."""

    RETURNED = "returned"
    MOVED_ON = "moved_on"
    TRANSFERRED = "transferred"
    REFUSED = "refused"  # by the inflow branch: the certificate failed verification
    OTHER = "other"


END_LABELS = {
    EndReason.RETURNED: "返乡",
    EndReason.MOVED_ON: "离开流入地",
    EndReason.TRANSFERRED: "组织关系转出",
    EndReason.REFUSED: "流入地拒收",
    EndReason.OTHER: "其他",
}


class Placement(TenantScoped, Timestamped, Base):
    """流入地管理安排 (owned by the member's home township)."""

    __tablename__ = "placements"
    __table_args__ = (
        # one open placement per member, even when two officers place them at the same moment
        Index(
            "uq_placements_open",
            "member_id",
            unique=True,
            sqlite_where=text("closed_on IS NULL"),
            postgresql_where=text("closed_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[PlacementStatus] = mapped_column(
        str_enum(PlacementStatus, 16), default=PlacementStatus.PENDING
    )
    placed_on: Mapped[date]
    reported_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    end_reason: Mapped[EndReason | None] = mapped_column(str_enum(EndReason, 16))
    note: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[str] = mapped_column(String(64), default="")

    organisation: Mapped[Organisation] = relationship()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def end_label(self) -> str:
        return END_LABELS[self.end_reason] if self.end_reason else ""


class InflowMember(TenantScoped, Timestamped, Base):
    """流入党员: what the inflow township is told of a member placed at one of its branches.

    Owned by the inflow township (tenant_id), written by the home township when it places the
    member (webapp/placements/crossing.py) and kept in step with the placement. It holds only
    what the inflow branch needs to take the member in: name, home township and branch, dates.
    """

    __tablename__ = "inflow_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    home_township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"))
    home_township_name: Mapped[str] = mapped_column(String(64))
    home_branch_name: Mapped[str] = mapped_column(String(64))
    member_name: Mapped[str] = mapped_column(String(32))
    status: Mapped[PlacementStatus] = mapped_column(
        str_enum(PlacementStatus, 16), default=PlacementStatus.PENDING
    )
    placed_on: Mapped[date]
    reported_on: Mapped[date | None]
    closed_on: Mapped[date | None]

    organisation: Mapped[Organisation] = relationship()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
