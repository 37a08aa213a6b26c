"""The list of mobile members (in scope) with filters, sorting and the current stint."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from webapp.departures.census import ON_REGISTER, away_on
from webapp.departures.models import Departure, FlowCategory, Whereabouts
from webapp.members.models import Member

SORTS = {
    "departed": (Departure.departed_on.desc(),),
    "departed_asc": (Departure.departed_on.asc(),),
    "name": (Member.name.asc(),),
    "expected": (Departure.expected_return.asc(),),
}


@dataclass
class MobileFilters:
    """What the officer asked for; every field optional."""

    as_of: date
    branch_id: int | None = None
    category: str = ""
    destination: str = ""
    long_term_days: int | None = None
    status: str = "away"
    q: str = ""
    sort: str = "departed"


def _stint_on(day: date) -> Any:
    return and_(
        Whereabouts.departure_id == Departure.id,
        Whereabouts.valid_from <= day,
        or_(Whereabouts.valid_to.is_(None), Whereabouts.valid_to > day),
    )


def mobile_members(f: MobileFilters) -> Select[Any]:
    """(Member, Departure, Whereabouts | None) rows matching the filters."""
    if f.status == "returned":
        later = aliased(Departure)
        newer_trip = exists().where(
            later.member_id == Departure.member_id, later.departed_on > Departure.departed_on
        )
        stmt = (
            select(Member, Departure, Whereabouts)
            .join(Departure, Departure.member_id == Member.id)
            .outerjoin(
                Whereabouts,
                and_(
                    Whereabouts.departure_id == Departure.id,
                    Whereabouts.valid_to == Departure.returned_on,
                ),
            )
            .where(
                Departure.returned_on.is_not(None), Departure.returned_on <= f.as_of, ~newer_trip
            )
        )
    else:
        stmt = (
            select(Member, Departure, Whereabouts)
            .join(Departure, Departure.member_id == Member.id)
            .outerjoin(Whereabouts, _stint_on(f.as_of))
            .where(away_on(f.as_of))
        )
        if f.status == "overdue":
            stmt = stmt.where(Departure.expected_return < f.as_of)
    stmt = stmt.where(Member.status.in_(ON_REGISTER))
    if f.branch_id is not None:
        stmt = stmt.where(Member.branch_id == f.branch_id)
    if f.category == "unknown":
        stmt = stmt.where(or_(Whereabouts.id.is_(None), Whereabouts.flow_category.is_(None)))
    elif f.category in {c.value for c in FlowCategory}:
        stmt = stmt.where(Whereabouts.flow_category == FlowCategory(f.category))
    if f.destination:
        stmt = stmt.where(
            or_(
                Whereabouts.address.contains(f.destination),
                Whereabouts.destination_prefecture == f.destination,
                Whereabouts.destination_code == f.destination,
            )
        )
    if f.long_term_days:
        stmt = stmt.where(Departure.departed_on <= f.as_of - timedelta(days=f.long_term_days))
    if f.q:
        stmt = stmt.where(
            or_(
                Member.name.contains(f.q),
                Whereabouts.occupation.contains(f.q),
                Whereabouts.employer.contains(f.q),
            )
        )
    return stmt.order_by(*SORTS.get(f.sort, SORTS["departed"]), Member.id)


def trips_of(member_id: int) -> Select[tuple[Departure]]:
    """A member's trips, newest first."""
    return (
        select(Departure)
        .where(Departure.member_id == member_id)
        .order_by(Departure.departed_on.desc(), Departure.id.desc())
    )


def current_departure(session: Session, member: Member) -> Departure | None:
    """The member's open trip, if they are away now."""
    return session.scalar(
        select(Departure).where(Departure.member_id == member.id, Departure.returned_on.is_(None))
    )
