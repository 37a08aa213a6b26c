"""Placement test data: a member away, placed at an off-platform organisation."""

import contextlib
from datetime import date, timedelta

from tenants.context import tenant_context
from tests.directory.helpers import add_organisation
from tests.factories import TownshipWorld
from webapp.departures.services import DepartureInvalid, do_register_departure
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.services import do_place

DEPARTED = date.today() - timedelta(days=60)


def send_away(tw: TownshipWorld, member_id: int) -> None:
    with tenant_context(tw.township.id):
        member = db.session.get(Member, member_id)
        do_register_departure(
            db.session,
            None,
            tw.township,
            member,
            {"departed_on": DEPARTED, "address": "广东省深圳市南山区", "occupation": "电工"},
        )
        db.session.remove()


def victim_placement_rows(tw: TownshipWorld) -> dict[str, int]:
    """The cross-tenant matrix's placement_id: the victim's member placed off the platform."""
    organisation = add_organisation(tw)
    with contextlib.suppress(DepartureInvalid):  # away already, in another helper's rows
        send_away(tw, tw.member.id)
    with tenant_context(tw.township.id):
        member = db.session.get(Member, tw.member.id)
        placement = do_place(
            db.session,
            None,
            member,
            {"organisation_id": organisation.id, "placed_on": date.today()},
        )
        placement_id = placement.id
        db.session.remove()
    return {"placement_id": placement_id}
