"""DuesRate (a member's monthly amount from a start month), DuesPayment (months paid) and
DuesPaidMonth (each month a payment covers, unique per member)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped
from tenants.scoping import TenantScoped
from webapp.branches.models import Branch
from webapp.members.models import Member


class DuesRate(TenantScoped, Timestamped, Base):
    """The monthly amount the branch set for a member, due from start_month (a 1st of month)."""

    __tablename__ = "dues_rates"
    __table_args__ = (UniqueConstraint("tenant_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    monthly_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    start_month: Mapped[date]

    member: Mapped[Member] = relationship()


class DuesPayment(TenantScoped, Timestamped, Base):
    """A payment covering `months` consecutive months from first_month, paid at a branch."""

    __tablename__ = "dues_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    first_month: Mapped[date]
    months: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    paid_on: Mapped[date]
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    receipt_note: Mapped[str] = mapped_column(String(200), default="")

    member: Mapped[Member] = relationship()
    branch: Mapped[Branch] = relationship()
    covered: Mapped[list["DuesPaidMonth"]] = relationship(
        back_populates="payment", cascade="all, delete-orphan"
    )

    AUDIT_FIELDS = ("member_id", "first_month", "months", "paid_on", "branch_id", "receipt_note")


class DuesPaidMonth(TenantScoped, Base):
    """One month (a 1st) a payment covers: the database keeps each member-month paid only once,
    even when two clerks record the same month at the same moment."""

    __tablename__ = "dues_paid_months"
    __table_args__ = (UniqueConstraint("tenant_id", "member_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("dues_payments.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    month: Mapped[date]

    payment: Mapped[DuesPayment] = relationship(back_populates="covered")
