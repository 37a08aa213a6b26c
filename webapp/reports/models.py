"""Report: a PDF asked for by a user and rendered by a worker."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tenants.db import Base, str_enum, utcnow
from tenants.scoping import TenantScoped


class ReportStatus(enum.StrEnum):
    """Where the rendering stands."""

    QUEUED = "queued"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"


STATUS_LABELS = {
    ReportStatus.QUEUED: lazy_gettext("排队中"),
    ReportStatus.RENDERING: lazy_gettext("生成中"),
    ReportStatus.DONE: lazy_gettext("已完成"),
    ReportStatus.FAILED: lazy_gettext("失败"),
}


class Report(TenantScoped, Base):
    """One requested PDF."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="branch_roster")
    title: Mapped[str] = mapped_column(String(128))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="SET NULL"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, 16), default=ReportStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
