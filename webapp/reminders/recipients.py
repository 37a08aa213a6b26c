"""Who a township's notices to officers go to: its officers (组织委员) and the county
coordinators assigned to it, active accounts only."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import CoordinatorAssignment
from webapp.auth.models import Role, User


def township_officers(session: Session, township_id: int) -> list[User]:
    """The township's officers."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.tenant_id == township_id,
                User.role == Role.TOWNSHIP_ADMIN,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )


def township_coordinators(session: Session, township_id: int) -> list[User]:
    """The county coordinators who oversee the township."""
    return list(
        session.scalars(
            select(User)
            .join(CoordinatorAssignment, CoordinatorAssignment.user_id == User.id)
            .where(
                CoordinatorAssignment.township_id == township_id,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )
