"""Activity (a scheduled piece of branch life) and Attendance (one member's part in it)."""

import enum
from datetime import date, datetime, time

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped
from webapp.branches.models import Branch
from webapp.members.models import Member


class ActivityKind(enum.StrEnum):
    """What sort of branch life."""

    LIFE_MEETING = "life_meeting"
    PARTY_DAY = "party_day"
    STUDY = "study"
    HOMECOMING_TRAINING = "homecoming_training"
    OTHER = "other"


KIND_LABELS = {
    ActivityKind.LIFE_MEETING: lazy_gettext("组织生活会"),
    ActivityKind.PARTY_DAY: lazy_gettext("主题党日"),
    ActivityKind.STUDY: lazy_gettext("学习"),
    ActivityKind.HOMECOMING_TRAINING: lazy_gettext("返乡培训"),
    ActivityKind.OTHER: lazy_gettext("其他"),
}


class AttendanceMode(enum.StrEnum):
    """How the member took part, or that they did not."""

    HOME = "home"
    INFLOW = "inflow"
    ONLINE = "online"
    ABSENT = "absent"


MODE_LABELS = {
    AttendanceMode.HOME: lazy_gettext("本支部现场参加"),
    AttendanceMode.INFLOW: lazy_gettext("在流入地支部参加"),
    AttendanceMode.ONLINE: lazy_gettext("线上参加"),
    AttendanceMode.ABSENT: lazy_gettext("缺席（已说明原因）"),
}


class Activity(TenantScoped, Timestamped, Base):
    """A branch activity on a day; cancelled activities stay for the record."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, 24))
    title: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time | None]
    place: Mapped[str] = mapped_column(String(128), default="")
    online_link: Mapped[str] = mapped_column(String(255), default="")
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    branch: Mapped[Branch] = relationship()

    AUDIT_FIELDS = ("branch_id", "kind", "title", "held_on", "start_time", "place", "online_link")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


class Attendance(TenantScoped, Timestamped, Base):
    """One member at one activity: where they took part, or why they could not."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("activity_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    mode: Mapped[AttendanceMode] = mapped_column(str_enum(AttendanceMode, 16))
    at_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    explanation: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship()
    at_branch: Mapped[Branch | None] = relationship()

    @property
    def mode_label(self) -> str:
        return MODE_LABELS[self.mode]
