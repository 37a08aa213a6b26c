"""The demo shows every transfer state a township meets, and 大市聚镇 keeps its 957 members."""

import uuid

from alembic import command
from sqlalchemy import func, select

from migrations import alembic_config
from tenants.context import system_context_unsafe
from tenants.models import Township
from tests.conftest import RUN_ID, create_database, drop_database, make_app
from webapp.demo import load_demo
from webapp.extensions import db
from webapp.members.models import Member, MemberStatus
from webapp.transfers.models import IncomingTransfer, Transfer


def test_the_demo_has_a_transfer_in_each_state(tmp_path) -> None:
    url = create_database(tmp_path, f"lianxin_demo_{RUN_ID}_{uuid.uuid4().hex[:8]}")
    command.upgrade(alembic_config(url), "head")
    app = make_app(url)
    try:
        with app.app_context(), system_context_unsafe():
            load_demo(db.session)
            states = sorted(t.status.value for t in db.session.scalars(select(Transfer)))
            waiting = db.session.scalar(
                select(func.count(IncomingTransfer.id)).where(IncomingTransfer.status == "waiting")
            )
            dashiju = db.session.scalar(select(Township).where(Township.slug == "dashiju"))
            on_register = db.session.scalar(
                select(func.count(Member.id)).where(
                    Member.tenant_id == dashiju.id,
                    Member.status.in_((MemberStatus.FULL, MemberStatus.PROBATIONARY)),
                )
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
    assert states == [
        "issued",
        "issued",
        "pending_branch",
        "pending_township",
        "receipted",
        "refused",
        "returned",
    ]
    assert waiting == 1
    assert on_register == 957
