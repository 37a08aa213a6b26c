"""Activity reads: the list, attendance rates per member and per branch, and attended_activity."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from webapp.activities.models import Activity, Attendance, AttendanceMode
from webapp.activities.services import ACTIVE
from webapp.branches.models import Branch
from webapp.members.models import Member


def list_activities(
    q: str = "",
    branch_id: int | None = None,
    kind: str = "",
    start: date | None = None,
    end: date | None = None,
) -> Select[tuple[Activity]]:
    """Activities in scope, newest first, filtered."""
    stmt = select(Activity)
    if q:
        stmt = stmt.where(or_(Activity.title.contains(q), Activity.place.contains(q)))
    if branch_id is not None:
        stmt = stmt.where(Activity.branch_id == branch_id)
    if kind:
        stmt = stmt.where(Activity.kind == kind)
    if start is not None:
        stmt = stmt.where(Activity.held_on >= start)
    if end is not None:
        stmt = stmt.where(Activity.held_on <= end)
    return stmt.order_by(Activity.held_on.desc(), Activity.id.desc())


def attended_activity(session: Session, member_id: int, start: date, end: date) -> bool:
    """Did the member take part (in person, at an inflow branch or online) in a held activity?

    Evidence for the 三个一 "attend one branch activity" item.
    """
    stmt = (
        select(Attendance.id)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(
            Attendance.member_id == member_id,
            Attendance.mode != AttendanceMode.ABSENT,
            Activity.cancelled_at.is_(None),
            Activity.held_on >= start,
            Activity.held_on <= end,
        )
        .limit(1)
    )
    return session.scalar(stmt) is not None


@dataclass
class Rate:
    """Held activities a member (or a branch's members) was expected at, and how many attended."""

    expected: int
    attended: int
    absent: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.attended / self.expected, 1) if self.expected else None


def _held(start: date, end: date) -> Any:
    return and_(
        Activity.cancelled_at.is_(None),
        Activity.held_on >= start,
        Activity.held_on <= min(end, date.today()),
    )


def member_rates(
    session: Session, start: date, end: date, branch_id: int | None = None, q: str = ""
) -> Select:
    """Rows (member, branch name, expected, attended, absent) over held activities of the branch."""
    attended = func.count(Attendance.id).filter(Attendance.mode != AttendanceMode.ABSENT)
    absent = func.count(Attendance.id).filter(Attendance.mode == AttendanceMode.ABSENT)
    stmt = (
        select(
            Member,
            Branch.name,
            func.count(func.distinct(Activity.id)).label("expected"),
            attended.label("attended"),
            absent.label("absent"),
        )
        .join(Branch, Branch.id == Member.branch_id)
        .outerjoin(Activity, and_(Activity.branch_id == Member.branch_id, _held(start, end)))
        .outerjoin(
            Attendance,
            and_(Attendance.activity_id == Activity.id, Attendance.member_id == Member.id),
        )
        .where(Member.status.in_(ACTIVE))
        .group_by(Member.id, Branch.name)
        .order_by(Branch.name, Member.name, Member.id)
    )
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    if q:
        stmt = stmt.where(Member.name.contains(q))
    return stmt


def branch_rates(session: Session, start: date, end: date) -> list[tuple[Branch, Rate]]:
    """Each branch: member-activity pairs expected, attended and absent over the range."""
    rows = session.execute(member_rates(session, start, end).order_by(None)).all()
    totals: dict[int, list[int]] = {}
    for member, _name, expected, attended, absent in rows:
        t = totals.setdefault(member.branch_id, [0, 0, 0])
        t[0], t[1], t[2] = t[0] + expected, t[1] + attended, t[2] + absent
    branches = session.scalars(select(Branch).order_by(Branch.name))
    return [(b, Rate(*totals.get(b.id, [0, 0, 0]))) for b in branches]


def attendance_of(session: Session, activity: Activity) -> dict[int, Attendance]:
    """member_id -> attendance row of an activity."""
    rows = session.scalars(select(Attendance).where(Attendance.activity_id == activity.id))
    return {a.member_id: a for a in rows}
