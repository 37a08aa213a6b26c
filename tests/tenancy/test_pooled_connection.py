"""One pooled PostgreSQL connection, alternating townships, an error mid-request: nothing leaks."""

import pytest
from flask import g
from sqlalchemy import select, text

from tests.conftest import BACKEND, make_app
from tests.factories import login
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.members.models import Member
from webapp.tenancy import enter_township_for

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="pooling and RLS: PostgreSQL")


def _boom(slug: str) -> str:
    """Set the scope, touch the database, then fail before the transaction ends."""
    from flask_login import current_user

    enter_township_for(current_user, slug)
    db.session.scalars(select(Member)).all()
    db.session.execute(text("SELECT set_config('lianxin.tenant_ids', '0', false)"))
    raise RuntimeError(f"failure in the middle of a request for {g.township.slug}")


def test_pool_of_one_alternating_tenants_with_an_error(database_url, world):
    app = make_app(database_url, DATABASE_POOL_SIZE=1, PROPAGATE_EXCEPTIONS=False)
    app.add_url_rule("/_boom/<slug>", view_func=_boom)
    a_admin, b_admin = world.a.users[Role.TOWNSHIP_ADMIN], world.b.users[Role.TOWNSHIP_ADMIN]
    a_client, b_client = app.test_client(), app.test_client()
    login(a_client, a_admin)
    login(b_client, b_admin)
    a_url = f"/t/{world.a.township.slug}/members/?q={world.a.member.name}"
    b_url = f"/t/{world.b.township.slug}/members/?q={world.a.member.name}"
    for _ in range(3):
        assert world.a.member.name in a_client.get(a_url).get_data(as_text=True)
        assert a_client.get(f"/_boom/{world.a.township.slug}").status_code == 500
        b_body = b_client.get(b_url).get_data(as_text=True)
        assert f">{world.a.member.name}</a>" not in b_body
        assert (
            b_client.get(f"/t/{world.b.township.slug}/members/{world.a.member.id}").status_code
            == 404
        )
    with app.app_context():
        assert db.engine.pool.size() == 1
        # the one connection carries no scope from earlier requests: RLS shows nothing
        assert db.session.execute(text("SELECT count(*) FROM members")).scalar() == 0
        role = db.session.execute(text("SELECT current_user")).scalar()
        assert role == "lianxin_app"
        db.session.rollback()
    db.engine.dispose()
