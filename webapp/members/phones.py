"""Who may see a member's full phone number: the officers who need to call the member."""

from typing import Any

from sqlalchemy.orm import Session

from webapp.auth.models import Role
from webapp.auth.permissions import can
from webapp.members.models import Member


def may_call(session: Session, user: Any, member: Member) -> bool:
    """member.call in the member's branch; a committee member only for the members assigned to them.

    The permission matrix says which roles call at all (township officer, branch secretary,
    committee member); a committee member's reach is narrowed further to the members whose
    contact duty is theirs now (webapp/duties), which the matrix cannot express.
    """
    if not can(user, "member.call", member.branch_id):
        return False
    if user.role != Role.COMMITTEE_MEMBER:
        return True
    from webapp.duties.assignments import open_assignment

    duty = open_assignment(session, member.id)
    return duty is not None and duty.officer_id == user.id
