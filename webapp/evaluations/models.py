"""The evaluation year of a township, each branch's round in it, the members evaluated, and the
ballot counts.

Ballots are anonymous by construction: MarkCount keeps only a number per member, grade and kind of
voter, and Voter only who has voted (to stop a second ballot). Neither carries a timestamp, so
the order of the rows' changes cannot be matched to the order voters came in.
"""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped
from webapp.branches.models import Branch
from webapp.members.models import Member


class Grade(enum.StrEnum):
    """评定等次."""

    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    BASIC = "basic"
    UNQUALIFIED = "unqualified"


GRADE_LABELS = {
    Grade.EXCELLENT: "优秀",
    Grade.QUALIFIED: "合格",
    Grade.BASIC: "基本合格",
    Grade.UNQUALIFIED: "不合格",
}


class RoundStatus(enum.StrEnum):
    """Where a branch's round stands: the township approves or returns what the branch reports."""

    OPEN = "open"
    REPORTED = "reported"
    APPROVED = "approved"
    RETURNED = "returned"


ROUND_LABELS = {
    RoundStatus.OPEN: "评议中",
    RoundStatus.REPORTED: "已上报待审",
    RoundStatus.APPROVED: "已审批（锁定）",
    RoundStatus.RETURNED: "已退回修改",
}


class VoterKind(enum.StrEnum):
    """党员 or an invited non-party representative (counted separately)."""

    MEMBER = "member"
    REPRESENTATIVE = "representative"


class EvaluationYear(TenantScoped, Timestamped, Base):
    """A township's evaluation of one year, with its dates and rules."""

    __tablename__ = "evaluation_years"
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    self_until: Mapped[date]
    ballot_until: Mapped[date]
    grading_until: Mapped[date]
    quorum_percent: Mapped[int]
    excellent_cap_divisor: Mapped[int]
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the evidence task's progress: queued / running / done / failed, members done of total
    evidence_state: Mapped[str] = mapped_column(String(16), default="")
    evidence_done: Mapped[int] = mapped_column(default=0)
    evidence_total: Mapped[int] = mapped_column(default=0)

    rounds: Mapped[list["EvaluationRound"]] = relationship(back_populates="year_row")

    AUDIT_FIELDS = (
        "year",
        "self_until",
        "ballot_until",
        "grading_until",
        "quorum_percent",
        "excellent_cap_divisor",
        "weights",
    )


class EvaluationRound(TenantScoped, Timestamped, Base):
    """One branch's round of a year: ballots, grades, report and approval."""

    __tablename__ = "evaluation_rounds"
    __table_args__ = (UniqueConstraint("tenant_id", "year_id", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("evaluation_years.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    status: Mapped[RoundStatus] = mapped_column(str_enum(RoundStatus, 16), default=RoundStatus.OPEN)
    paper_ballots: Mapped[int] = mapped_column(default=0)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    year_row: Mapped[EvaluationYear] = relationship(back_populates="rounds")
    branch: Mapped[Branch] = relationship()

    @property
    def status_label(self) -> str:
        return ROUND_LABELS[self.status]

    @property
    def locked(self) -> bool:
        """Approved: nothing of the round changes until it is reopened with a reason."""
        return self.status == RoundStatus.APPROVED


class Evaluee(TenantScoped, Timestamped, Base):
    """A member evaluated in a round: self-assessment, exemption, grade and the branch's opinion."""

    __tablename__ = "evaluees"
    __table_args__ = (UniqueConstraint("tenant_id", "round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    probationary: Mapped[bool] = mapped_column(default=False)
    exempt_reason: Mapped[str] = mapped_column(String(200), default="")
    self_assessment: Mapped[str] = mapped_column(Text, default="")
    inflow_opinion: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[Grade | None] = mapped_column(str_enum(Grade, 16), nullable=True)
    opinion: Mapped[str] = mapped_column(Text, default="")
    excellent_reason: Mapped[str] = mapped_column(Text, default="")
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    round: Mapped[EvaluationRound] = relationship()
    member: Mapped[Member] = relationship()

    AUDIT_FIELDS = (
        "member_id",
        "probationary",
        "exempt_reason",
        "grade",
        "opinion",
        "excellent_reason",
    )

    @property
    def exempt(self) -> bool:
        return bool(self.exempt_reason)

    @property
    def gradable(self) -> bool:
        """Full members who are not exempted get a grade; 预备党员 take part without one."""
        return not self.probationary and not self.exempt


class MarkCount(TenantScoped, Base):
    """How many voters of a kind marked an evaluee with a grade: counts, never who."""

    __tablename__ = "evaluation_marks"
    __table_args__ = (UniqueConstraint("tenant_id", "evaluee_id", "grade", "voter_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluee_id: Mapped[int] = mapped_column(ForeignKey("evaluees.id"), index=True)
    grade: Mapped[Grade] = mapped_column(str_enum(Grade, 16))
    voter_kind: Mapped[VoterKind] = mapped_column(str_enum(VoterKind, 16))
    count: Mapped[int] = mapped_column(default=0)


class Voter(TenantScoped, Base):
    """Someone has voted in a round (only to stop a second ballot); their marks are not here."""

    __tablename__ = "evaluation_voters"
    __table_args__ = (UniqueConstraint("tenant_id", "round_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id"), index=True)
    voter_key: Mapped[str] = mapped_column(String(64))
    voter_kind: Mapped[VoterKind] = mapped_column(str_enum(VoterKind, 16))


class EvidenceCard(TenantScoped, Base):
    """What the year's records say about an evaluee, the score and the grade it suggests.

    Written by the evidence task; `digest` is a hash of the components, so a re-run that finds
    the same records writes nothing and a changed record rewrites only its member's card.
    """

    __tablename__ = "evidence_cards"
    __table_args__ = (UniqueConstraint("tenant_id", "evaluee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluee_id: Mapped[int] = mapped_column(ForeignKey("evaluees.id"), index=True)
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    suggested: Mapped[Grade | None] = mapped_column(str_enum(Grade, 16), nullable=True)
    digest: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime]
