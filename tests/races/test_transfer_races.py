"""Issue 10: transfers and placements at the same instant, 50 rounds each, every copy on its own
thread, session and database connection. Every round ends with the member on exactly one active
register and at most one open placement.

PostgreSQL only, like tests/races/test_races.py (SQLite serialises writers).
"""

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from tenants.context import system_context_unsafe, tenant_context
from tests.conftest import BACKEND
from tests.directory.helpers import add_organisation
from tests.factories import make_member, valid_id_number
from tests.placements.helpers import DEPARTED, send_away
from tests.races.helpers import ROUNDS
from tests.transfers.helpers import TODAY, advance, draft, incoming_of, issued_to, load
from webapp.audit.models import AuditLog
from webapp.crypto import keyring
from webapp.extensions import db
from webapp.members.models import Member, MemberStatus
from webapp.members.rules import MemberInvalid
from webapp.members.services import do_create_member
from webapp.placements.models import Placement
from webapp.placements.services import PlacementInvalid, do_bulk_place, do_place
from webapp.transfers import crossing
from webapp.transfers.crossing import CrossingRefused
from webapp.transfers.models import IncomingTransfer, Step, Transfer, TransferStatus
from webapp.transfers.receipts import do_record_receipt
from webapp.transfers.services import TransferInvalid, do_withdraw

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite serialises writers: nothing can race there"
)
REFUSED = (CrossingRefused, TransferInvalid, PlacementInvalid, MemberInvalid)


def _together(app, *actions: tuple[int, Callable[[], str]]) -> list[str]:
    """Run each (tenant_id, action) at once in its own thread; their outcomes, sorted."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def run(tenant_id: int, action: Callable[[], str]) -> None:
        try:
            with app.app_context(), tenant_context(tenant_id):
                barrier.wait(10)
                try:
                    outcomes.append(action())
                except REFUSED:
                    outcomes.append("refused")
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures, failures
    return sorted(outcomes)


def _registers(index: str) -> list[int]:
    """The townships where the ID number is active."""
    with system_context_unsafe():
        found = list(
            db.session.scalars(
                select(Member.tenant_id).where(
                    Member.id_number_index == index,
                    Member.status.in_((MemberStatus.FULL, MemberStatus.PROBATIONARY)),
                )
            )
        )
        db.session.remove()
    return found


def _receive(receiver, row_id: int) -> Callable[[], str]:
    def act() -> str:
        row = db.session.get(IncomingTransfer, row_id)
        crossing.receive(db.session, None, receiver.township, row, TODAY)
        return "received"

    return act


def _refuse(receiver, row_id: int) -> Callable[[], str]:
    def act() -> str:
        row = db.session.get(IncomingTransfer, row_id)
        crossing.refuse(db.session, None, receiver.township, row, "本支部不再接收", TODAY)
        return "refused-by-receiver"

    return act


def _issued(app, home, receiver) -> tuple[int, int, str]:
    with app.app_context():
        member = make_member(home.township, home.branch)
        transfer_id = issued_to(home, receiver, member.id)
        return transfer_id, incoming_of(receiver, transfer_id).id, member.id_number_index


def test_two_accepts_at_once_receive_the_member_once(app, world) -> None:
    home, receiver = world.a, world.a2
    for _round in range(ROUNDS):
        transfer_id, row_id, index = _issued(app, home, receiver)
        accept = (receiver.township.id, _receive(receiver, row_id))
        assert _together(app, accept, accept) == ["received", "refused"]
        with app.app_context():
            assert _registers(index) == [receiver.township.id]
            assert load(home, Transfer, transfer_id).status == TransferStatus.RECEIVED


def test_accept_against_refuse_leaves_one_register(app, world) -> None:
    home, receiver = world.a, world.a2
    for _round in range(ROUNDS):
        transfer_id, row_id, index = _issued(app, home, receiver)
        outcomes = _together(
            app,
            (receiver.township.id, _receive(receiver, row_id)),
            (receiver.township.id, _refuse(receiver, row_id)),
        )
        assert outcomes in (["received", "refused"], ["refused", "refused-by-receiver"])
        with app.app_context():
            status = load(home, Transfer, transfer_id).status
            where = receiver.township.id if status == TransferStatus.RECEIVED else home.township.id
            assert _registers(index) == [where]


def test_accept_against_withdraw_leaves_one_register(app, world) -> None:
    home, receiver = world.a, world.a2
    for _round in range(ROUNDS):
        transfer_id, row_id, index = _issued(app, home, receiver)

        def withdraw(transfer_id: int = transfer_id) -> str:
            do_withdraw(db.session, None, db.session.get(Transfer, transfer_id))
            return "withdrawn"

        outcomes = _together(
            app,
            (receiver.township.id, _receive(receiver, row_id)),
            (home.township.id, withdraw),
        )
        assert outcomes == ["received", "refused"]  # issued letters cannot be withdrawn
        with app.app_context():
            assert _registers(index) == [receiver.township.id]


def test_receipt_entered_twice_at_once_completes_once(app, world) -> None:
    home = world.a
    with app.app_context():
        shenzhen = add_organisation(home).id
    for _round in range(ROUNDS):
        with app.app_context():
            member = make_member(home.township, home.branch)
            transfer_id = draft(home, shenzhen, member.id)
            advance(home, transfer_id, Step.BRANCH, Step.TOWNSHIP)
            advance(home, transfer_id, Step.COUNTY, coordinator=world.coordinator_a)
            number = load(home, Transfer, transfer_id).letter_number
        data = {
            "letter_number": number,
            "received_on": TODAY,
            "reference": "回执",
            "scan": b"%PDF",
            "scan_name": "r.pdf",
        }

        def enter(data: dict = data) -> str:
            do_record_receipt(db.session, None, data, TODAY)
            return "recorded"

        assert _together(app, (home.township.id, enter), (home.township.id, enter)) == [
            "recorded",
            "refused",
        ]
        with app.app_context():
            assert _registers(member.id_number_index) == []
            with system_context_unsafe():
                entries = db.session.scalar(
                    select(func.count(AuditLog.id)).where(
                        AuditLog.action == "member.transferred_out",
                        AuditLog.entity_id == member.id,
                    )
                )
                db.session.remove()
            assert entries == 1


def test_bulk_placement_against_single_placement_leaves_one_open(app, world, violations) -> None:
    home = world.a
    with app.app_context():
        organisation = add_organisation(home).id
    data = {"organisation_id": organisation, "placed_on": DEPARTED}
    for _round in range(ROUNDS):
        with app.app_context():
            member_id = make_member(home.township, home.branch).id
            send_away(home, member_id)

        def single(member_id: int = member_id) -> str:
            do_place(db.session, None, db.session.get(Member, member_id), data)
            return "placed"

        def bulk(member_id: int = member_id) -> str:
            results = do_bulk_place(db.session, None, [db.session.get(Member, member_id)], data)
            return "bulk-placed" if results[0][1] == "" else "refused"

        outcomes = _together(app, (home.township.id, single), (home.township.id, bulk))
        assert outcomes in (["placed", "refused"], ["bulk-placed", "refused"])
        with app.app_context(), tenant_context(home.township.id):
            open_count = db.session.scalar(
                select(func.count(Placement.id)).where(
                    Placement.member_id == member_id, Placement.closed_on.is_(None)
                )
            )
            db.session.remove()
        assert open_count == 1
    violations.check("the one-open-placement index")


def test_same_person_registered_in_two_townships_at_once_is_active_once(
    app, world, violations
) -> None:
    """Both townships' checks pass at the same moment; the partial unique index refuses one."""
    towns, born = (world.a, world.b), date(1980, 5, 5)
    for _round in range(ROUNDS):
        number = valid_id_number(born)

        def register(tw, number: str = number) -> Callable[[], str]:
            def act() -> str:
                data = {
                    "name": "同一人",
                    "gender": "male",
                    "id_number": number,
                    "birth_date": born,
                    "join_date": date(2005, 7, 1),
                    "branch_id": tw.branch.id,
                    "status": "full",
                }
                do_create_member(db.session, None, tw.township, data)
                return "registered"

            return act

        outcomes = _together(app, *((tw.township.id, register(tw)) for tw in towns))
        assert outcomes == ["refused", "registered"]
        with app.app_context():
            assert len(_registers(keyring.blind_index(number))) == 1
    violations.check("the one-active-register index")
