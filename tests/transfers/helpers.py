"""Transfer test data: a member of one township sent, step by step, to another's branch."""

from datetime import date
from typing import Any

from sqlalchemy import select

from tenants.context import tenant_context
from tests.factories import TownshipWorld
from tests.placements.helpers import publish
from webapp.auth.models import Role, User
from webapp.directory.models import Organisation
from webapp.extensions import db
from webapp.members.models import Member
from webapp.transfers.models import IncomingTransfer, Step, Transfer
from webapp.transfers.services import do_create, do_decide, do_submit

TODAY = date.today()


def draft(home: TownshipWorld, organisation_id: int, member_id: int | None = None) -> int:
    """A draft transfer of home's member (by default tw.member); its id."""
    with tenant_context(home.township.id):
        member = db.session.get(Member, member_id or home.member.id)
        transfer = do_create(
            db.session,
            None,
            home.township,
            member,
            {"organisation_id": organisation_id, "reason": "在流入地长期工作定居"},
        )
        transfer_id = transfer.id
        db.session.remove()
    return transfer_id


def advance(
    home: TownshipWorld, transfer_id: int, *steps: Step, coordinator: User | None = None
) -> None:
    """Submit (when a draft) and approve the given steps, in order."""
    with tenant_context(home.township.id):
        transfer = db.session.get(Transfer, transfer_id)
        if transfer.status.value in ("draft", "returned"):
            do_submit(db.session, None, home.township, transfer, TODAY)
        for step in steps:
            actor = coordinator if step == Step.COUNTY else None
            do_decide(db.session, actor, home.township, transfer, step, {"approve": True}, TODAY)
        db.session.remove()


def issued_to(home: TownshipWorld, receiver: TownshipWorld, member_id: int | None = None) -> int:
    """home's member, on a letter issued to receiver's branch (same county: two approvals)."""
    transfer_id = draft(home, entry_for(receiver, receiver.branch.id), member_id)
    advance(home, transfer_id, Step.BRANCH, Step.TOWNSHIP)
    return transfer_id


def load(tw: TownshipWorld, model: type, ident: int) -> Any:
    with tenant_context(tw.township.id):
        row = db.session.get(model, ident)
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def incoming_of(tw: TownshipWorld, transfer_id: int) -> IncomingTransfer | None:
    with tenant_context(tw.township.id):
        row = db.session.scalar(
            select(IncomingTransfer).where(IncomingTransfer.transfer_id == transfer_id)
        )
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def officer(tw: TownshipWorld) -> User:
    return tw.users[Role.TOWNSHIP_ADMIN]


def victim_transfer_rows(tw: TownshipWorld, receiver: TownshipWorld) -> dict[str, int]:
    """The cross-tenant matrix's transfer_id and incoming_id: the victim's member sent to
    receiver, and receiver's member sent to the victim."""
    transfer_id = issued_to(tw, receiver, tw.other_member.id)
    back = issued_to(receiver, tw, receiver.other_member.id)
    return {"transfer_id": transfer_id, "incoming_id": incoming_of(tw, back).id}


def entry_for(tw: TownshipWorld, branch_id: int) -> int:
    """The directory entry of one of tw's branches, published on first use."""
    with tenant_context(tw.township.id):
        found = db.session.scalar(
            select(Organisation.id).where(Organisation.branch_id == branch_id)
        )
        db.session.remove()
    return found or publish(tw, branch_id)
