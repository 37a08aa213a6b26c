"""Quarterly coverage (一季度一访): who was due, who was responsible, who was contacted.

Responsibility for a quarter goes to the assignment that overlapped the quarter (up to today for
the current one) and began last. A member reassigned mid-quarter is the new officer's for the
whole quarter: they took over someone who must still be contacted that quarter, and a contact
made before the hand-over still counts. An assignment that ended without a successor stays
responsible for the quarter it overlapped; a member with no overlapping assignment is shown as
unassigned (nobody's: the "两不管" the system exists to prevent), never dropped.

Any logged contact in the quarter counts, whoever made it: the duty is that the member was
reached; the log shows who did it.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from webapp.auth.models import User
from webapp.branches.models import Branch
from webapp.departures.census import ON_REGISTER, away_on, percent
from webapp.departures.models import Departure
from webapp.duties.models import Contact, ContactAssignment
from webapp.duties.periods import Quarter, closed, due_condition
from webapp.members.models import Member
from webapp.pagination import Page

UNASSIGNED = "未分配"


@dataclass
class CoverageRow:
    """One due member in the quarter."""

    member: Member
    officer_id: int | None
    officer_name: str
    contacts: int = 0
    last_contact: date | None = None

    @property
    def visited(self) -> bool:
        return self.contacts > 0


@dataclass
class CoverageTally:
    """Counts for one officer, one branch, or everything shown."""

    key: int | None
    name: str
    due: int = 0
    visited: int = 0
    unassigned: int = 0

    @property
    def overdue(self) -> int:
        return self.due - self.visited

    @property
    def rate(self) -> str:
        return percent(self.visited, self.due)

    def add(self, row: CoverageRow) -> None:
        """Count one due member."""
        self.due += 1
        self.visited += row.visited
        self.unassigned += row.officer_id is None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "id": self.key,
            "name": self.name,
            "due": self.due,
            "visited": self.visited,
            "overdue": self.overdue,
            "unassigned": self.unassigned,
            "visited_share": self.rate,
        }


@dataclass
class Coverage:
    """A quarter's coverage of the members in scope (a branch, or the township)."""

    quarter: Quarter
    today: date
    rows: list[CoverageRow] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return closed(self.quarter, self.today)

    @property
    def days_left(self) -> int:
        return 0 if self.closed else (self.quarter.end - self.today).days + 1

    @property
    def total(self) -> CoverageTally:
        tally = CoverageTally(None, "合计")
        for row in self.rows:
            tally.add(row)
        return tally

    def by_officer(self) -> list[CoverageTally]:
        """One tally per responsible officer, by name; the unassigned last."""
        groups: dict[int | None, CoverageTally] = {}
        for row in self.rows:
            name = row.officer_name if row.officer_id else UNASSIGNED
            groups.setdefault(row.officer_id, CoverageTally(row.officer_id, name)).add(row)
        return sorted(groups.values(), key=lambda t: (t.key is None, t.name, t.key or 0))

    def by_branch(self, branches: list[Branch]) -> list[CoverageTally]:
        """One tally per branch, in the order given (branches with nobody due included)."""
        groups = {b.id: CoverageTally(b.id, b.name) for b in branches}
        for row in self.rows:
            if row.member.branch_id in groups:
                groups[row.member.branch_id].add(row)
        return list(groups.values())

    def select(self, officer: str = "", status: str = "", q: str = "") -> list[CoverageRow]:
        """Rows for a drill-down: officer id or "none", status "visited"/"overdue", a name."""
        rows = self.rows
        if officer == "none":
            rows = [r for r in rows if r.officer_id is None]
        elif officer.isdigit():
            rows = [r for r in rows if r.officer_id == int(officer)]
        if status == "visited":
            rows = [r for r in rows if r.visited]
        elif status == "overdue":
            rows = [r for r in rows if not r.visited]
        if q.strip():
            rows = [r for r in rows if q.strip() in r.member.name]
        return rows


def responsible(
    session: Session, member_ids: Select[Any], start: date, reference: date
) -> dict[int, ContactAssignment]:
    """Member id -> the assignment responsible for the period start..reference (see module)."""
    stmt = (
        select(ContactAssignment)
        .where(
            ContactAssignment.member_id.in_(member_ids),
            ContactAssignment.valid_from <= reference,
            or_(ContactAssignment.valid_to.is_(None), ContactAssignment.valid_to > start),
        )
        .order_by(ContactAssignment.valid_from, ContactAssignment.id)
    )
    return {a.member_id: a for a in session.scalars(stmt)}  # later rows win


def officer_names(session: Session, ids: set[int]) -> dict[int, str]:
    """User id -> display name."""
    if not ids:
        return {}
    stmt = select(User.id, User.display_name).where(User.id.in_(ids))
    return {row[0]: row[1] for row in session.execute(stmt)}


def compute_coverage(
    session: Session, quarter: Quarter, today: date, branch_id: int | None = None
) -> Coverage:
    """Who was due in quarter, who was responsible, and how often each was contacted."""
    due = select(Member.id).where(due_condition(quarter))
    if branch_id is not None:
        due = due.where(Member.branch_id == branch_id)
    members = session.scalars(
        select(Member).where(Member.id.in_(due)).order_by(Member.name, Member.id)
    ).all()
    reference = min(quarter.end, today)
    duty = responsible(session, due, quarter.start, reference)
    contacts = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            select(Contact.member_id, func.count(Contact.id), func.max(Contact.contacted_on))
            .where(
                Contact.member_id.in_(due),
                Contact.contacted_on >= quarter.start,
                Contact.contacted_on <= quarter.end,
            )
            .group_by(Contact.member_id)
        )
    }
    names = officer_names(session, {a.officer_id for a in duty.values()})
    coverage = Coverage(quarter=quarter, today=today)
    for member in members:
        assignment = duty.get(member.id)
        count, last = contacts.get(member.id, (0, None))
        officer_id = assignment.officer_id if assignment else None
        coverage.rows.append(
            CoverageRow(
                member=member,
                officer_id=officer_id,
                officer_name=names.get(officer_id, "") if officer_id else UNASSIGNED,
                contacts=count,
                last_contact=last,
            )
        )
    return coverage


def list_page(items: list[Any], page: int, per_page: int = 20) -> Page:
    """One page of an already computed list."""
    per_page = max(1, min(per_page, 100))
    start = (page - 1) * per_page
    return Page(
        items=items[start : start + per_page], page=page, per_page=per_page, total=len(items)
    )


def contacts_of(member_id: int) -> Select[tuple[Contact]]:
    """A member's contacts, newest first."""
    return (
        select(Contact)
        .where(Contact.member_id == member_id)
        .order_by(Contact.contacted_on.desc(), Contact.id.desc())
    )


def list_contacts(
    q: str = "", branch_id: int | None = None, quarter: Quarter | None = None
) -> Select[tuple[Contact]]:
    """Contacts in scope: by member name or words of the substance, one branch, one quarter."""
    stmt = (
        select(Contact)
        .join(Member, Member.id == Contact.member_id)
        .options(contains_eager(Contact.member))
    )
    if q.strip():
        stmt = stmt.where(
            or_(Member.name.contains(q.strip()), Contact.substance.contains(q.strip()))
        )
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    if quarter is not None:
        stmt = stmt.where(
            Contact.contacted_on >= quarter.start, Contact.contacted_on <= quarter.end
        )
    return stmt.order_by(Contact.contacted_on.desc(), Contact.id.desc())


def assignment_history(member_id: int) -> Select[tuple[ContactAssignment]]:
    """Who was responsible for a member, newest first."""
    return (
        select(ContactAssignment)
        .where(ContactAssignment.member_id == member_id)
        .order_by(ContactAssignment.valid_from.desc(), ContactAssignment.id.desc())
    )


def duty_roster(
    branch_id: int, today: date, q: str = "", only_unassigned: bool = False
) -> Select[Any]:
    """(Member, assignment in force or None, away today) for members away now or assigned."""
    away = select(Departure.id).where(Departure.member_id == Member.id, away_on(today)).exists()
    stmt = (
        select(Member, ContactAssignment, away.label("away"))
        .outerjoin(
            ContactAssignment,
            and_(ContactAssignment.member_id == Member.id, ContactAssignment.valid_to.is_(None)),
        )
        .where(
            Member.branch_id == branch_id,
            Member.status.in_(ON_REGISTER),
            or_(away, ContactAssignment.id.is_not(None)),
        )
    )
    if only_unassigned:
        stmt = stmt.where(ContactAssignment.id.is_(None))
    if q.strip():
        stmt = stmt.where(Member.name.contains(q.strip()))
    return stmt.order_by(Member.name, Member.id)
