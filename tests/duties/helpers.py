"""Builders for duty tests: trips, officers, contacts and assignments written straight to the DB."""

from datetime import date

from tenants.context import tenant_context
from tests.factories import TownshipWorld, make_member, make_user
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.departures.models import Departure
from webapp.duties.models import Contact, ContactAssignment, ContactChannel
from webapp.extensions import db
from webapp.members.models import Member


def trip(member: Member, departed: date, returned: date | None = None) -> Departure:
    """A trip away (history data: the departure service only accepts dates up to today)."""
    with tenant_context(member.tenant_id):
        departure = Departure(
            tenant_id=member.tenant_id,
            member_id=member.id,
            departed_on=departed,
            returned_on=returned,
        )
        db.session.add(departure)
        db.session.commit()
    return departure


def officer(tw: TownshipWorld, branch: Branch | None = None, name: str = "") -> User:
    """A committee member of branch (the world's main branch by default)."""
    user = make_user(Role.COMMITTEE_MEMBER, tw.township, branch=branch or tw.branch)
    if name:
        with tenant_context(tw.township.id):
            db.session.get(User, user.id).display_name = name
            db.session.commit()
        user.display_name = name
    return user


def mobile_member(tw: TownshipWorld, departed: date, returned: date | None = None) -> Member:
    """A new member of the main branch with one trip."""
    member = make_member(tw.township, tw.branch)
    trip(member, departed, returned)
    return member


def assignment(
    member: Member, user: User, valid_from: date, valid_to: date | None = None
) -> ContactAssignment:
    """An assignment row, as history."""
    with tenant_context(member.tenant_id):
        row = ContactAssignment(
            tenant_id=member.tenant_id,
            member_id=member.id,
            officer_id=user.id,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        db.session.add(row)
        db.session.commit()
    return row


def contact(member: Member, day: date, by: User | None = None) -> Contact:
    """A contact row, as history (the service refuses settled quarters)."""
    with tenant_context(member.tenant_id):
        row = Contact(
            tenant_id=member.tenant_id,
            member_id=member.id,
            contacted_on=day,
            channel=ContactChannel.PHONE,
            substance="了解务工情况，传达村里的新消息。",
            logged_by_id=by.id if by else None,
            logged_by_name=by.display_name if by else "",
        )
        db.session.add(row)
        db.session.commit()
    return row


def victim_duty_rows(victim: TownshipWorld) -> dict[str, int]:
    """Duty rows in the victim township for the cross-tenant matrix: a trip, duty, a contact."""
    trip(victim.member, date.today().replace(day=1))
    assignment(victim.member, victim.users[Role.COMMITTEE_MEMBER], date.today().replace(day=1))
    row = contact(victim.member, date.today(), victim.users[Role.COMMITTEE_MEMBER])
    return {"contact_id": row.id}
