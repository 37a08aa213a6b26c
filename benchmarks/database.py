"""The benchmark database: create or reuse lianxin_bench, migrate, load scale data, make logins."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from alembic import command
from flask import Flask
from sqlalchemy import func, select

from migrations import alembic_config
from tenants.context import system_context_unsafe
from tenants.models import CoordinatorAssignment, Township
from webapp.auth.models import Role, User
from webapp.auth.services import do_create_user
from webapp.auth.tokens import do_create_token
from webapp.extensions import db
from webapp.members.models import Member
from webapp.scale import generate

PG_ADMIN = os.environ.get("LIANXIN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("LIANXIN_BENCH_DB", "lianxin_bench")
PASSWORD = "bench2026pass"
TABLES = ("townships", "branches", "members", "departures", "whereabouts")


@dataclass
class World:
    """What the measurements need: the statistics township, the county's townships, logins."""

    slug: str
    township_id: int
    township_members: int
    county_ids: list[int]
    total_members: int
    admin: str
    coordinator: str
    admin_token: str = ""
    coordinator_token: str = ""


def superuser_url(name: str = DB_NAME) -> str:
    """psycopg URL of a database on the admin server, as the superuser."""
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def app_url(name: str = DB_NAME) -> str:
    """SQLAlchemy URL of the benchmark database."""
    return superuser_url(name).replace("postgresql://", "postgresql+psycopg://")


def prepare_database(reuse: bool) -> bool:
    """Create (or with reuse keep) the database and migrate it; True when it was created."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
        if not exists or not reuse:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    command.upgrade(alembic_config(app_url()), "head")
    return not (exists and reuse)


def vacuum_analyze() -> None:
    """Fresh planner statistics and visibility maps, as the superuser (the app role may not)."""
    with psycopg.connect(superuser_url(), autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")


def _existing_bench_township() -> Township | None:
    stmt = select(Township).where(Township.slug.like("scale-%-01")).order_by(Township.id).limit(1)
    return db.session.scalar(stmt)


def load_data(app: Flask, members: int, echo: Callable[[str], Any] = print) -> World:
    """Generate scale data unless a previous run left some; returns the world to measure."""
    with app.app_context(), system_context_unsafe():
        town = _existing_bench_township()
        if town is None:
            generate(db.session, members, echo=echo)
            vacuum_analyze()
            town = _existing_bench_township()
            assert town is not None
        else:
            print(f"reusing scale data (statistics township {town.slug})")
        county_ids = list(
            db.session.scalars(
                select(Township.id)
                .where(Township.county_id == town.county_id)
                .order_by(Township.id)
            )
        )
        count = select(func.count(Member.id)).join(Township, Township.id == Member.tenant_id)
        count = count.where(Township.slug.like("scale-%"))
        world = World(
            slug=town.slug,
            township_id=town.id,
            township_members=db.session.scalar(count.where(Member.tenant_id == town.id)) or 0,
            county_ids=county_ids,
            total_members=db.session.scalar(count) or 0,
            admin=f"bench_admin_{town.id}",
            coordinator=f"bench_county_{town.county_id}",
        )
        _ensure_users(world, town)
        db.session.commit()
    if world.total_members != members:
        print(f"note: the database holds {world.total_members:,} members (asked {members:,})")
    return world


def _user(username: str, **kw: object) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = do_create_user(
            db.session, username=username, display_name=username, password=PASSWORD, **kw
        )  # type: ignore[arg-type]
    return user


def _ensure_users(world: World, town: Township) -> None:
    """A township admin of the statistics township and a coordinator of its county, with tokens."""
    admin = _user(world.admin, role=Role.TOWNSHIP_ADMIN, tenant_id=town.id)
    coordinator = _user(world.coordinator, role=Role.COUNTY_COORDINATOR, county_id=town.county_id)
    assigned = set(
        db.session.scalars(
            select(CoordinatorAssignment.township_id).where(
                CoordinatorAssignment.user_id == coordinator.id
            )
        )
    )
    for township_id in world.county_ids:
        if township_id not in assigned:
            db.session.add(CoordinatorAssignment(user_id=coordinator.id, township_id=township_id))
    db.session.flush()
    world.admin_token = do_create_token(db.session, admin, "bench")[1]
    world.coordinator_token = do_create_token(db.session, coordinator, "bench")[1]
