"""Placement test data: a member away, placed at an off-platform organisation."""

import contextlib
from datetime import date, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.directory.helpers import add_organisation
from tests.factories import TownshipWorld
from webapp.branches.models import Branch
from webapp.departures.services import DepartureInvalid, do_register_departure
from webapp.directory.services import do_publish_branch
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.models import InflowMember
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


def publish(tw: TownshipWorld, branch_id: int) -> int:
    """List one of tw's branches in the directory; the entry's id."""
    with tenant_context(tw.township.id):
        branch = db.session.get(Branch, branch_id)
        entry = do_publish_branch(
            db.session,
            None,
            tw.township,
            branch,
            {"name": branch.name, "division_code": tw.township.division_code},
        )
        entry_id = entry.id
        db.session.remove()
    return entry_id


def place_across(home: TownshipWorld, member_id: int, organisation_id: int) -> int:
    """home's member, away, placed at another township's branch; the placement's id."""
    with contextlib.suppress(DepartureInvalid):
        send_away(home, member_id)
    with tenant_context(home.township.id):
        member = db.session.get(Member, member_id)
        placement = do_place(
            db.session,
            None,
            member,
            {"organisation_id": organisation_id, "placed_on": date.today()},
        )
        placement_id = placement.id
        db.session.remove()
    return placement_id


def victim_inflow_rows(victim: TownshipWorld, home: TownshipWorld) -> dict[str, int]:
    """The cross-tenant matrix's inflow_id: home's member placed at the victim's branch."""
    place_across(home, home.member.id, publish(victim, victim.branch.id))
    with tenant_context(victim.township.id):
        inflow_id = db.session.scalar(select(InflowMember.id).order_by(InflowMember.id.desc()))
        db.session.remove()
    return {"inflow_id": inflow_id}
