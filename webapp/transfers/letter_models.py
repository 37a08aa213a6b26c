"""Print jobs of introduction letters (介绍信): one PDF for one or many issued transfers."""

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tenants.db import Base, str_enum, utcnow
from tenants.scoping import TenantScoped
from webapp.reports.models import STATUS_LABELS as JOB_STATUS_LABELS
from webapp.reports.models import ReportStatus


class LetterMode(enum.StrEnum):
    """How the letters are printed."""

    FULL = "full"  # on blank A4: 存根, 介绍信 and 回执 with their texts, frames and QR codes
    FILL = "fill"  # 套打: only the values, placed onto the pre-printed official stationery


MODE_LABELS = {LetterMode.FULL: lazy_gettext("介绍信"), LetterMode.FILL: lazy_gettext("介绍信套打")}


class LetterPrint(TenantScoped, Base):
    """One PDF of introduction letters, rendered by a worker.

    reprint_ids are the transfers whose letter had been printed before this request: their
    letters carry 补打 (the counter at request time decides, not the one at rendering).
    """

    __tablename__ = "transfer_letter_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    mode: Mapped[LetterMode] = mapped_column(str_enum(LetterMode, 8), default=LetterMode.FULL)
    transfer_ids: Mapped[list[Any]] = mapped_column(JSON)
    reprint_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    base_url: Mapped[str] = mapped_column(String(200))
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
        return JOB_STATUS_LABELS[self.status]
