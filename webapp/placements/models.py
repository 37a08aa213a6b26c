"""Placement: a member placed at an inflow organisation of the directory, for dual management.

The member stays on the home register (this township's); the inflow organisation manages their
day-to-day participation. 待报到 (placed) -> 已流入 (reported in) -> 已结束 (with a date and a
reason). A placement always ends with a date: closed_on is set when it ends, and the database
allows one placement without it per member.
"""

import enum
from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped
from webapp.directory.models import Organisation
from webapp.imports.models import EncryptedBlob


class PlacementStatus(enum.StrEnum):
    """Where the placement is."""

    PENDING = "pending"  # 待报到
    ACTIVE = "active"  # 已流入
    ENDED = "ended"  # 已结束


STATUS_LABELS = {
    PlacementStatus.PENDING: lazy_gettext("待报到"),
    PlacementStatus.ACTIVE: lazy_gettext("已流入"),
    PlacementStatus.ENDED: lazy_gettext("已结束"),
}


class EndReason(enum.StrEnum):
    """Why a placement ended."""

    RETURNED = "returned"
    MOVED_ON = "moved_on"
    TRANSFERRED = "transferred"
    REFUSED = "refused"  # by the inflow branch: the certificate failed verification
    OTHER = "other"


END_LABELS = {
    EndReason.RETURNED: lazy_gettext("返乡"),
    EndReason.MOVED_ON: lazy_gettext("离开流入地"),
    EndReason.TRANSFERRED: lazy_gettext("组织关系转出"),
    EndReason.REFUSED: lazy_gettext("流入地拒收"),
    EndReason.OTHER: lazy_gettext("其他"),
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


class RecordKind(enum.StrEnum):
    """What the inflow organisation records for a member placed there."""

    ACTIVITY = "activity"  # 组织生活 attended (or missed) at the inflow branch
    THREE_ONES = "three_ones"  # a 三个一 item the inflow branch witnessed
    VERIFICATION = "verification"  # the certificate checked there (流入地验证)
    DUES = "dues"  # dues paid there, where agreed
    ASSESSMENT = "assessment"  # its assessment for the annual evaluation


RECORD_LABELS = {
    RecordKind.ACTIVITY: lazy_gettext("参加组织生活"),
    RecordKind.THREE_ONES: lazy_gettext("三个一（流入地见证）"),
    RecordKind.VERIFICATION: lazy_gettext("流动党员证验证（流入地）"),
    RecordKind.DUES: lazy_gettext("在流入地缴纳党费"),
    RecordKind.ASSESSMENT: lazy_gettext("流入地评议意见"),
}
OUTCOMES = {  # stored as written: the record keeps the Chinese word
    RecordKind.ACTIVITY: ("参加", "缺席（已请假）", "缺席"),
    RecordKind.ASSESSMENT: ("优秀", "合格", "基本合格", "不合格"),
}
OUTCOME_LABELS = {
    "参加": lazy_gettext("参加"),
    "缺席（已请假）": lazy_gettext("缺席（已请假）"),
    "缺席": lazy_gettext("缺席"),
    "优秀": lazy_gettext("优秀"),
    "合格": lazy_gettext("合格"),
    "基本合格": lazy_gettext("基本合格"),
    "不合格": lazy_gettext("不合格"),
}


class InflowRecord(TenantScoped, Timestamped, Base):
    """流入地记录: what the inflow organisation saw of a placed member, on the home register.

    Owned by the home township (the outflow branch sees all of it). An inflow branch on the
    platform writes it through webapp/placements/crossing.py, for the members placed with it
    only; for an off-platform organisation the home branch enters what it reports, with a scan.
    """

    __tablename__ = "inflow_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[RecordKind] = mapped_column(str_enum(RecordKind, 16))
    happened_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(100), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="")
    amount_cents: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    scan: Mapped[bytes | None] = mapped_column(EncryptedBlob())
    scan_name: Mapped[str] = mapped_column(String(120), default="")

    @property
    def kind_label(self) -> str:
        return RECORD_LABELS[self.kind]
