"""Security 10: migrations 0011 and 0014 encrypt the phone numbers a database already holds
(members.phone with its blind index, whereabouts.phone), and their downgrades give them back."""

import uuid
from datetime import date

from alembic import command
from sqlalchemy import create_engine, text

from migrations import alembic_config
from tenants.context import tenant_context
from tests.conftest import RUN_ID, create_database, drop_database, make_app
from tests.factories import make_branch, make_county, make_member, make_township
from webapp.departures.models import Whereabouts
from webapp.departures.services import do_register_departure
from webapp.extensions import db
from webapp.members.models import Member, phone_index_of

MEMBER_PHONE, AWAY_PHONE = "13900001111", "13800002222"


def _raw(url: str) -> tuple[str, str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('lianxin.system', 'on', false)"))
            member = conn.execute(text("SELECT phone, phone_index FROM members")).one()
            away = conn.execute(text("SELECT phone FROM whereabouts")).scalar_one()
    finally:
        engine.dispose()
    return member[0], member[1], away


def _raw_clear(url: str) -> tuple[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('lianxin.system', 'on', false)"))
            member = conn.execute(text("SELECT phone FROM members")).scalar_one()
            away = conn.execute(text("SELECT phone FROM whereabouts")).scalar_one()
    finally:
        engine.dispose()
    return member, away


def test_finding_10_phones_held_in_clear_are_encrypted_by_the_upgrade(tmp_path) -> None:
    url = create_database(tmp_path, f"lianxin_phones_{RUN_ID}_{uuid.uuid4().hex[:8]}")
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    app = make_app(url)
    try:
        with app.app_context():
            township = make_township(make_county())
            member = make_member(township, make_branch(township), phone=MEMBER_PHONE)
            with tenant_context(township.id):
                do_register_departure(
                    db.session,
                    None,
                    township,
                    db.session.get(Member, member.id),
                    {
                        "departed_on": date(2026, 3, 1),
                        "address": "上海市闵行区",
                        "phone": AWAY_PHONE,
                    },
                )
            db.session.remove()
            db.engine.dispose()
        stored = _raw(url)
        assert MEMBER_PHONE not in stored[0] and AWAY_PHONE not in stored[2]

        command.downgrade(cfg, "0010")  # before either column was encrypted
        assert _raw_clear(url) == (MEMBER_PHONE, AWAY_PHONE)

        command.upgrade(cfg, "head")
        member_phone, index, away_phone = _raw(url)
        assert MEMBER_PHONE not in member_phone and AWAY_PHONE not in away_phone
        with app.app_context(), tenant_context(township.id):
            assert index == phone_index_of(MEMBER_PHONE)
            assert db.session.get(Member, member.id).phone == MEMBER_PHONE
            assert db.session.query(Whereabouts).one().phone == AWAY_PHONE
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
