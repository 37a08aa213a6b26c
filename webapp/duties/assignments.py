"""Contact duty writes: assign a member to a committee member, end it, balanced auto-assignment.

Assignments are history. A change closes the row in force on the effective day and opens a new
one, so a past quarter is judged against whoever was responsible then. A change effective on
the very day the current row began corrects that row in place instead (a zero-day row would
mean nothing); the audit log keeps what it was.
"""

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.audit.services import record
from webapp.auth.models import Role, User
from webapp.auth.permissions import can
from webapp.branches.models import Branch
from webapp.departures.census import ON_REGISTER, away_on
from webapp.departures.models import Departure
from webapp.duties.models import ContactAssignment
from webapp.duties.services import DutyInvalid, check_on_register, earliest_contact_day
from webapp.members.models import Member

OFFICER_ROLES = (Role.COMMITTEE_MEMBER, Role.BRANCH_SECRETARY)


def officers_of(session: Session, branch: Branch) -> list[User]:
    """Active committee members and the secretary of branch: who may carry contact duty."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.tenant_id == branch.tenant_id,
                User.branch_id == branch.id,
                User.role.in_(OFFICER_ROLES),
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )


def open_assignment(session: Session, member_id: int) -> ContactAssignment | None:
    """The assignment in force for a member, if any."""
    return session.scalar(
        select(ContactAssignment).where(
            ContactAssignment.member_id == member_id, ContactAssignment.valid_to.is_(None)
        )
    )


def members_to_call(session: Session, user: Any, branch_id: int) -> set[int] | None:
    """Ids of branch members user may call, or None for all of them (webapp/members/phones.py).

    A committee member calls the members assigned to them now; a role that may not call at all
    gets an empty set.
    """
    if not can(user, "member.call", branch_id):
        return set()
    if user.role != Role.COMMITTEE_MEMBER:
        return None
    return set(
        session.scalars(
            select(ContactAssignment.member_id).where(
                ContactAssignment.officer_id == user.id, ContactAssignment.valid_to.is_(None)
            )
        )
    )


def loads(session: Session, officer_ids: list[int]) -> Counter[int]:
    """How many members each officer is responsible for now."""
    counts: Counter[int] = Counter({i: 0 for i in officer_ids})
    if not officer_ids:
        return counts
    rows = session.execute(
        select(ContactAssignment.officer_id, func.count(ContactAssignment.id))
        .where(ContactAssignment.valid_to.is_(None), ContactAssignment.officer_id.in_(officer_ids))
        .group_by(ContactAssignment.officer_id)
    )
    counts.update({officer_id: count for officer_id, count in rows})
    return counts


def _audit(
    session: Session, actor: Any, member: Member, action: str, notes: str, **facts: Any
) -> None:
    record(
        session,
        actor,
        action,
        "member",
        member.id,
        tenant_id=member.tenant_id,
        after={**facts, "notes": notes},
    )


def _flush(session: Session) -> None:
    """Flush; a second assignment in force saved at the same moment becomes a field error."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise DutyInvalid({"officer_id": "该党员的联系人刚被他人修改，请刷新页面后重试"}) from exc


def assignment_problems(
    session: Session, member: Member, officer_id: Any, valid_from: Any, today: date
) -> tuple[dict[str, str], User | None]:
    """Field -> message for a (re)assignment, and the officer when valid."""
    errors: dict[str, str] = {}
    check_on_register(errors, member)
    officer = next(
        (u for u in officers_of(session, member.branch) if str(u.id) == str(officer_id)), None
    )
    current = open_assignment(session, member.id)
    if officer is None:
        errors["officer_id"] = "请选择该党员所在支部的支部委员或支部书记"
    elif current is not None and current.officer_id == officer.id:
        errors["officer_id"] = f"该党员已由{officer.display_name}负责联系"
    last_end = session.scalar(
        select(func.max(ContactAssignment.valid_to)).where(ContactAssignment.member_id == member.id)
    )
    earliest = max(d for d in (earliest_contact_day(today), last_end) if d is not None)
    if current is not None:
        earliest = max(earliest, current.valid_from)
    if not isinstance(valid_from, date):
        errors["valid_from"] = "请填写生效日期"
    elif valid_from > today:
        errors["valid_from"] = "生效日期不能晚于今天"
    elif valid_from < earliest:
        errors["valid_from"] = f"生效日期不能早于 {earliest}（已结算的季度和已有的分配不能改写）"
    return errors, officer


def do_assign(
    session: Session,
    actor: Any,
    member: Member,
    officer_id: Any,
    valid_from: date | None = None,
    today: date | None = None,
) -> ContactAssignment:
    """Make officer responsible for member from valid_from (today by default)."""
    today = today or date.today()
    valid_from = valid_from or today
    errors, officer = assignment_problems(session, member, officer_id, valid_from, today)
    if errors or officer is None:
        raise DutyInvalid(errors)
    current = open_assignment(session, member.id)
    previous = current.officer.display_name if current else ""
    if current is not None and current.valid_from == valid_from:
        current.officer = officer
        current.assigned_by_id = getattr(actor, "id", None)
        assignment = current
    else:
        if current is not None:
            current.valid_to = valid_from
            _flush(session)
        assignment = ContactAssignment(
            tenant_id=member.tenant_id,
            member_id=member.id,
            officer=officer,
            valid_from=valid_from,
            assigned_by_id=getattr(actor, "id", None),
        )
        session.add(assignment)
    _flush(session)
    change = f"{previous} → {officer.display_name}" if previous else officer.display_name
    _audit(
        session,
        actor,
        member,
        "duty.assigned",
        f"联系人：{change}（自{valid_from}）",
        officer_id=officer.id,
        valid_from=valid_from.isoformat(),
    )
    session.commit()
    return assignment


def do_end_assignment(
    session: Session, actor: Any, member: Member, today: date | None = None
) -> None:
    """Nobody is responsible for member from today on (the row made today is removed)."""
    today = today or date.today()
    current = open_assignment(session, member.id)
    if current is None:
        raise DutyInvalid({"officer_id": "该党员当前没有联系人"})
    name = current.officer.display_name
    if current.valid_from >= today:
        session.delete(current)
    else:
        current.valid_to = today
    _audit(session, actor, member, "duty.unassigned", f"取消联系人：{name}（自{today}）")
    session.commit()


def unassigned_mobile(session: Session, branch: Branch, today: date) -> list[Member]:
    """Members of branch away today with nobody responsible for them, in register order."""
    has_open = (
        select(ContactAssignment.id)
        .where(ContactAssignment.member_id == Member.id, ContactAssignment.valid_to.is_(None))
        .exists()
    )
    away = select(Departure.id).where(Departure.member_id == Member.id, away_on(today)).exists()
    return list(
        session.scalars(
            select(Member)
            .where(Member.branch_id == branch.id, Member.status.in_(ON_REGISTER), away, ~has_open)
            .order_by(Member.id)
        )
    )


def do_auto_assign(
    session: Session, actor: Any, branch: Branch, today: date | None = None
) -> list[ContactAssignment]:
    """Give every unassigned mobile member of branch to the officer with the fewest members now.

    Existing assignments are kept. Members go in register order and ties go to the officer
    whose account is oldest, so the same data always gives the same result. A run that meets
    members given a contact by another run at the same moment (the one-in-force index) starts
    again from what that run saved, so running twice at once is like running twice in a row.
    """
    today = today or date.today()
    for _attempt in range(3):
        try:
            return _auto_assign_once(session, actor, branch, today)
        except IntegrityError:
            session.rollback()
    raise DutyInvalid({"officer_id": "该支部的联系人刚被他人修改，请刷新页面后重试"})


def _auto_assign_once(
    session: Session, actor: Any, branch: Branch, today: date
) -> list[ContactAssignment]:
    officers = officers_of(session, branch)
    if not officers:
        raise DutyInvalid(
            {"officer_id": "本支部还没有支部委员或支部书记的账号，无法分配；请先为支委开设账号"}
        )
    load = loads(session, [o.id for o in officers])
    created = []
    for member in unassigned_mobile(session, branch, today):
        officer = min(officers, key=lambda o: (load[o.id], o.id))
        load[officer.id] += 1
        assignment = ContactAssignment(
            tenant_id=branch.tenant_id,
            member_id=member.id,
            officer=officer,
            valid_from=today,
            assigned_by_id=getattr(actor, "id", None),
        )
        session.add(assignment)
        created.append(assignment)
        _audit(
            session,
            actor,
            member,
            "duty.assigned",
            f"自动分配联系人：{officer.display_name}（自{today}）",
            officer_id=officer.id,
            valid_from=today.isoformat(),
            auto=True,
        )
    session.flush()
    session.commit()
    return created
