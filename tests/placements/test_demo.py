"""The demo shows placements as the article describes: 76 members of 大市聚镇 placed in two of its
temporary mobile branches, each away, none at their own branch, most already reported in."""

import uuid

from alembic import command
from sqlalchemy import func, select

from migrations import alembic_config
from tenants.context import system_context_unsafe
from tests.conftest import RUN_ID, create_database, drop_database, make_app
from webapp.auth.models import User
from webapp.demo import load_demo
from webapp.departures.models import Departure
from webapp.directory.models import Organisation, OrganisationKind
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.models import Placement, PlacementStatus


def test_the_demo_places_76_members_in_two_temporary_branches(tmp_path) -> None:
    url = create_database(tmp_path, f"lianxin_demo_{RUN_ID}_{uuid.uuid4().hex[:8]}")
    command.upgrade(alembic_config(url), "head")
    app = make_app(url)
    try:
        with app.app_context(), system_context_unsafe():
            load_demo(db.session)
            rows = db.session.execute(
                select(Placement, Member, Organisation)
                .join(Member, Member.id == Placement.member_id)
                .join(Organisation, Organisation.id == Placement.organisation_id)
            ).all()
            open_trips = set(
                db.session.scalars(
                    select(Departure.member_id).where(Departure.returned_on.is_(None))
                )
            )
            entries = db.session.scalar(
                select(func.count(Organisation.id)).where(
                    Organisation.kind == OrganisationKind.MOBILE_BRANCH
                )
            )
            login = db.session.scalar(select(User).where(User.username == "dsj_member"))
            login_member = db.session.get(Member, login.member_id)
            login_branch = login.branch_id
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
    assert len(rows) == 76 and entries == 2
    assert len({o.id for _p, _m, o in rows}) == 2
    assert all(m.id in open_trips and m.branch_id != o.branch_id for _p, m, o in rows)
    active = sum(1 for p, _m, _o in rows if p.status == PlacementStatus.ACTIVE)
    assert 60 <= active < 76
    # the demo member's own login shows a member away and reported in at an inflow branch
    placed = {m.id: p for p, m, _o in rows}
    assert login_member.id in placed and placed[login_member.id].status == PlacementStatus.ACTIVE
    assert login_branch == login_member.branch_id
