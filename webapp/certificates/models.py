"""流动党员证: the certificate, its half-yearly verifications, and card-printing jobs."""

import calendar
import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum, utcnow
from tenants.models import Township
from tenants.scoping import TenantScoped
from webapp.branches.models import Branch
from webapp.members.models import Member
from webapp.reports.models import STATUS_LABELS as JOB_STATUS_LABELS
from webapp.reports.models import ReportStatus

DEFAULT_VERIFY_MONTHS = 6


class CertificateStatus(enum.StrEnum):
    """Where a certificate stands; only a valid one may be used, verified or replaced."""

    VALID = "valid"
    VOIDED = "voided"
    LOST = "lost"
    RETURNED = "returned"


class VerificationSide(enum.StrEnum):
    """Which branch checked the certificate: the member's own, or the one where they work."""

    OUTFLOW = "outflow"
    INFLOW = "inflow"


STATUS_LABELS = {
    CertificateStatus.VALID: lazy_gettext("有效"),
    CertificateStatus.VOIDED: lazy_gettext("已作废"),
    CertificateStatus.LOST: lazy_gettext("已挂失"),
    CertificateStatus.RETURNED: lazy_gettext("已交回"),
}
SIDE_LABELS = {
    VerificationSide.OUTFLOW: lazy_gettext("流出地支部"),
    VerificationSide.INFLOW: lazy_gettext("流入地支部"),
}


def add_months(day: date, months: int) -> date:
    """day plus months, clamped to the month's end (08-31 + 6 months is 02-28 or 02-29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_base_due_by(day: date, months: int) -> date:
    """The latest verification (or issue) date whose next verification falls due on or before day.

    add_months is monotone, so "due on or before day" is "base on or before this date": a
    filter the database can run without month arithmetic of its own.
    """
    base = add_months(day, -months)
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        # day is a month's end: every base in that earlier month clamps to a day <= day
        return date(base.year, base.month, calendar.monthrange(base.year, base.month)[1])
    return base


class Certificate(TenantScoped, Timestamped, Base):
    """流动党员证 (活动证): one card, issued by the township through the member's branch."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        # at most one valid certificate per member, even under concurrent issues
        Index(
            "uq_certificates_one_valid",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'valid'"),
            postgresql_where=text("status = 'valid'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    inflow_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    departure_id: Mapped[int | None] = mapped_column(ForeignKey("departures.id"))
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(100))
    destination: Mapped[str] = mapped_column(String(200), default="")
    destination_code: Mapped[str | None] = mapped_column(String(6))
    status: Mapped[CertificateStatus] = mapped_column(
        str_enum(CertificateStatus, 16), default=CertificateStatus.VALID
    )
    status_on: Mapped[date | None]
    status_notes: Mapped[str] = mapped_column(Text, default="")
    last_verified_on: Mapped[date | None]
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), unique=True)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), unique=True)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    member: Mapped[Member] = relationship()
    branch: Mapped[Branch] = relationship(foreign_keys=[branch_id])
    inflow_branch: Mapped[Branch | None] = relationship(foreign_keys=[inflow_branch_id])
    verifications: Mapped[list["Verification"]] = relationship(
        back_populates="certificate",
        order_by=lambda: (Verification.verified_on.desc(), Verification.id.desc()),
    )

    AUDIT_FIELDS = (
        "number",
        "member_id",
        "branch_id",
        "inflow_branch_id",
        "issued_on",
        "expires_on",
        "reason",
        "destination",
        "status",
        "status_on",
        "status_notes",
        "replaces_id",
        "replaced_by_id",
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID

    def expired_on(self, day: date) -> bool:
        """Past its validity on day (the status may still say valid)."""
        return day > self.expires_on

    def due_on(self, months: int = DEFAULT_VERIFY_MONTHS) -> date:
        """When the next half-yearly verification falls due: never after the card expires,
        because a card past its validity is renewed (换证), not verified."""
        return min(add_months(self.last_verified_on or self.issued_on, months), self.expires_on)

    def due_is_expiry(self, months: int = DEFAULT_VERIFY_MONTHS) -> bool:
        """The next check is the expiry itself: what falls due is a renewal."""
        return self.due_on(months) == self.expires_on

    def holder_branch_ids(self) -> set[int]:
        """The outflow branch and, when there is one, the inflow branch: both see the card."""
        return {self.branch_id} | ({self.inflow_branch_id} if self.inflow_branch_id else set())


class Verification(TenantScoped, Timestamped, Base):
    """验证: a branch checked the certificate on a day."""

    __tablename__ = "certificate_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    verified_on: Mapped[date]
    due_on: Mapped[date]
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    side: Mapped[VerificationSide] = mapped_column(str_enum(VerificationSide, 16))
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verifier_name: Mapped[str] = mapped_column(String(32))
    notes: Mapped[str] = mapped_column(Text, default="")

    certificate: Mapped[Certificate] = relationship(back_populates="verifications")
    branch: Mapped[Branch] = relationship()

    @property
    def side_label(self) -> str:
        return SIDE_LABELS[self.side]

    @property
    def late(self) -> bool:
        return self.verified_on > self.due_on


class CertificatePrint(TenantScoped, Base):
    """One PDF of cards (one or many certificates), rendered by a worker."""

    __tablename__ = "certificate_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    certificate_ids: Mapped[list[Any]] = mapped_column(JSON)
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


def verify_months(township: Township) -> int:
    """The township's verification interval in months (the article's half year by default)."""
    return int((township.settings or {}).get("certificate_verify_months", DEFAULT_VERIFY_MONTHS))
