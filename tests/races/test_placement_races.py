"""Issue 10: two placements of the same member at the same instant, 50 rounds, each on its own
thread, session and database connection: one is stored, the other refused with the reason.

PostgreSQL only, like tests/races/test_races.py (SQLite serialises writers).
"""

import threading

import pytest
from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.conftest import BACKEND
from tests.directory.helpers import add_organisation
from tests.factories import make_member
from tests.placements.helpers import DEPARTED, send_away
from tests.races.helpers import ROUNDS
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.models import Placement
from webapp.placements.services import PlacementInvalid, do_place

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="SQLite serialises writers: nothing can race there"
)


def _place_at_once(app, tenant_id: int, member_id: int, organisation_id: int) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def one() -> None:
        try:
            with app.app_context(), tenant_context(tenant_id):
                member = db.session.get(Member, member_id)
                data = {"organisation_id": organisation_id, "placed_on": DEPARTED}
                barrier.wait(10)
                try:
                    do_place(db.session, None, member, data)
                    outcomes.append("placed")
                except PlacementInvalid as exc:
                    outcomes.append(str(exc))
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not failures, failures
    return outcomes


def test_two_placements_at_once_leave_one_open(app, world, violations) -> None:
    tw = world.a
    with app.app_context():
        organisation = add_organisation(tw)
    for _round in range(ROUNDS):
        with app.app_context():
            member_id = make_member(tw.township, tw.branch).id
            send_away(tw, member_id)
        outcomes = _place_at_once(app, tw.township.id, member_id, organisation.id)
        assert sorted(outcomes) == ["placed", "该党员已有未结束的流入地安排，请先结束原安排"]
        with app.app_context(), tenant_context(tw.township.id):
            count = db.session.scalar(
                select(func.count(Placement.id)).where(
                    Placement.member_id == member_id, Placement.closed_on.is_(None)
                )
            )
            db.session.remove()
        assert count == 1
    violations.check("the one-open-placement index")
