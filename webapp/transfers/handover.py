"""What a transfer carries across, and what it closes behind the member at the sending township.

On receipt the sending row becomes the read-only stub (已转出) and the receiving township gets a
member of its own from handed_over(); nothing added afterwards at either side reaches the other.
"""

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from notifications.models import PENDING, Message, RecipientKind, State
from webapp.audit.services import record
from webapp.auth.models import Role, User
from webapp.certificates.models import Certificate, CertificateStatus
from webapp.dues.models import DuesPaidMonth
from webapp.duties.models import ContactAssignment
from webapp.members.models import Member, MemberStatus
from webapp.placements import crossing as placement_crossing
from webapp.placements.models import EndReason, Placement, PlacementStatus

# 姓名, 性别, 身份证号, 出生日期, 民族, 学历, 入党日期, 转正日期 or 预备期满, 手机号
HANDED_OVER = (
    "name",
    "gender",
    "id_number",
    "birth_date",
    "ethnicity",
    "education",
    "join_date",
    "full_on",
    "probation_ends_on",
    "status",
    "phone",
)
SEATS = (Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER)


def dues_paid_to(session: Session, member_id: int) -> str:
    """党费交至: the last month paid ("YYYY-MM"), or "" when nothing was paid here."""
    month = session.scalar(
        select(func.max(DuesPaidMonth.month)).where(DuesPaidMonth.member_id == member_id)
    )
    return f"{month:%Y-%m}" if month else ""


def handed_over(member: Member) -> dict[str, Any]:
    """The fields the receiving township registers the member with."""
    return {key: getattr(member, key) for key in HANDED_OVER}


def new_member(values: dict[str, Any], tenant_id: int, branch_id: int) -> Member:
    """The member as the receiving township registers them (ID number encrypted, indexed)."""
    member = Member(
        tenant_id=tenant_id,
        branch_id=branch_id,
        **{k: v for k, v in values.items() if k != "id_number"},
    )
    member.set_id_number(values["id_number"])
    return member


def close_sending_side(
    session: Session, actor: Any, member: Member, letter_number: str, today: date
) -> dict[str, int]:
    """Make the sending row the stub and close everything that followed the member here.

    Counts of what was closed go into one audit entry on the member, so the log says what ended.
    """
    closed: dict[str, int] = {}
    member.status = MemberStatus.TRANSFERRED_OUT
    assignments = session.scalars(
        select(ContactAssignment).where(
            ContactAssignment.valid_to.is_(None),
            (ContactAssignment.member_id == member.id)
            | ContactAssignment.officer_id.in_(
                select(User.id).where(User.member_id == member.id, User.role.in_(SEATS))
            ),
        )
    ).all()
    for assignment in assignments:
        assignment.valid_to = max(today, assignment.valid_from)
    closed["contact_assignments"] = len(assignments)
    seats = session.scalars(
        select(User).where(
            User.member_id == member.id, User.role.in_(SEATS), User.tenant_id == member.tenant_id
        )
    ).all()
    for seat in seats:
        seat.is_active_account = False
        seat.session_version += 1
    closed["committee_seats"] = len(seats)
    certificates = session.scalars(
        select(Certificate).where(
            Certificate.member_id == member.id, Certificate.status == CertificateStatus.VALID
        )
    ).all()
    for certificate in certificates:
        certificate.status = CertificateStatus.RETURNED
        certificate.status_on = today
        certificate.status_notes = f"{certificate.status_notes}\n组织关系转出（{letter_number}）"
    closed["certificates"] = len(certificates)
    placement = session.scalar(
        select(Placement).where(Placement.member_id == member.id, Placement.closed_on.is_(None))
    )
    if placement is not None:
        placement.status = PlacementStatus.ENDED
        placement.closed_on = max(today, placement.placed_on)
        placement.end_reason = EndReason.TRANSFERRED
        placement_crossing.mirror(session, placement)
    closed["placements"] = int(placement is not None)
    reminders = session.execute(
        update(Message)
        .where(
            Message.recipient_kind == RecipientKind.MEMBER,
            Message.recipient_id == member.id,
            Message.state.in_(PENDING),
        )
        .values(state=State.SUPPRESSED, reason="组织关系已转出")
        .execution_options(synchronize_session=False)
    )
    closed["reminders"] = reminders.rowcount or 0
    record(
        session,
        actor,
        "member.transferred_out",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        after={
            "letter_number": letter_number,
            "status": MemberStatus.TRANSFERRED_OUT.value,
            "closed": closed,
            "three_ones": _("停止跟踪"),
            "visit_schedule": _("停止"),
        },
    )
    return closed
