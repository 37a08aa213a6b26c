"""Which townships a user may enter: the one place that answers it."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import CoordinatorAssignment, Township
from webapp.auth.models import Role, User


def accessible_township_ids(session: Session, user: User) -> set[int]:
    """Ids of the townships user may read."""
    if user.role == Role.PLATFORM_ADMIN:
        return set(session.scalars(select(Township.id)))
    if user.role == Role.COUNTY_COORDINATOR:
        stmt = (
            select(CoordinatorAssignment.township_id)
            .join(Township, Township.id == CoordinatorAssignment.township_id)
            .where(CoordinatorAssignment.user_id == user.id)
        )
        if user.county_id is not None:
            stmt = stmt.where(Township.county_id == user.county_id)
        return set(session.scalars(stmt))
    return {user.tenant_id} if user.tenant_id is not None else set()


def accessible_townships(session: Session, user: User) -> list[Township]:
    """The townships user may read, by name."""
    ids = accessible_township_ids(session, user)
    if not ids:
        return []
    return list(
        session.scalars(select(Township).where(Township.id.in_(ids)).order_by(Township.name))
    )


def can_write_township(user: User, township_id: int) -> bool:
    """Coordinators only read; township roles write their own township; the platform admin any."""
    if user.role == Role.PLATFORM_ADMIN:
        return True
    return user.role != Role.COUNTY_COORDINATOR and user.tenant_id == township_id
