"""Migrations on a brand-new database: up, down, up again; no drift from the models; RLS in place."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from migrations import alembic_config
from migrations.rls import APP_ROLE
from tenants.db import Base
from tenants.scoping import TenantScoped
from tests.conftest import BACKEND, RUN_ID, create_database, drop_database
from webapp.models import metadata

MODEL_TABLES = set(metadata.tables)
NAMED_RLS_TABLES = {"branches", "members", "reports", "audit_logs"}
# ...and every tenant-owned table a later migration adds must have it too
RLS_TABLES = NAMED_RLS_TABLES | {
    mapper.local_table.name
    for mapper in Base.registry.mappers
    if issubclass(mapper.class_, TenantScoped)
}
POLICIES = {"tenant_read", "tenant_insert", "tenant_update", "tenant_delete"}

postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL only")


@pytest.fixture()
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A brand-new, empty database of the backend under test, dropped afterwards."""
    url = create_database(tmp_path, f"lianxin_mig_{RUN_ID}_{uuid.uuid4().hex[:8]}")
    yield url
    drop_database(url)


@pytest.fixture()
def engine(fresh_url: str) -> Iterator[sa.Engine]:
    """An owner's engine on the fresh database (no application role: we inspect, not use)."""
    eng = sa.create_engine(fresh_url, poolclass=sa.pool.NullPool)
    yield eng
    eng.dispose()


def tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def drift(engine: sa.Engine, target: sa.MetaData = metadata) -> list[object]:
    """Every difference autogenerate sees between target and the database (nothing ignored)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, target)


def test_upgrade_downgrade_upgrade(fresh_url, engine):
    cfg = alembic_config(fresh_url)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert tables(engine) == set()

    command.upgrade(cfg, "head")
    assert tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(engine) == head

    command.downgrade(cfg, "base")
    assert tables(engine) == {"alembic_version"}
    assert current_revision(engine) is None

    command.upgrade(cfg, "head")
    assert tables(engine) == MODEL_TABLES | {"alembic_version"}
    assert current_revision(engine) == head
    assert drift(engine) == []


def test_models_match_the_migrated_schema(fresh_url, engine):
    command.upgrade(alembic_config(fresh_url), "head")
    assert drift(engine) == []


def test_drift_check_sees_a_difference(fresh_url, engine):
    """The comparison is not vacuous: a column the migrations lack shows up."""
    command.upgrade(alembic_config(fresh_url), "head")
    changed = sa.MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["members"].append_column(sa.Column("nickname", sa.String(32)))
    changed.tables["reports"].c.title.type = sa.String(64)
    differences = drift(engine, changed)
    assert any(d[0] == "add_column" and d[3].name == "nickname" for d in differences)
    assert any(
        isinstance(d, list) and d[0][0] == "modify_type" and d[0][3] == "title" for d in differences
    )


@postgres_only
def test_row_level_security_is_forced(fresh_url, engine):
    command.upgrade(alembic_config(fresh_url), "head")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                " pg_get_userbyid(c.relowner) AS owner"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
        ).all()
        by_name = {r.relname: r for r in rows}
        for name in sorted(RLS_TABLES):
            assert by_name[name].relrowsecurity is True, name
            assert by_name[name].relforcerowsecurity is True, name
        assert all(r.owner != APP_ROLE for r in rows)

        policies = conn.execute(
            sa.text("SELECT tablename, policyname FROM pg_policies WHERE schemaname = 'public'")
        ).all()
        for name in sorted(RLS_TABLES):
            assert {p.policyname for p in policies if p.tablename == name} == POLICIES, name

        role = conn.execute(
            sa.text("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = :r"),
            {"r": APP_ROLE},
        ).one()
        assert (role.rolsuper, role.rolbypassrls, role.rolcanlogin) == (False, False, False)
        for name in MODEL_TABLES:
            assert conn.execute(
                sa.text("SELECT has_table_privilege(:r, :t, 'SELECT, INSERT, UPDATE, DELETE')"),
                {"r": APP_ROLE, "t": name},
            ).scalar(), name


@postgres_only
def test_downgrade_removes_policies(fresh_url, engine):
    cfg = alembic_config(fresh_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pg_policies")).scalar() == 0
        # The role is cluster-wide and shared with other databases, so it stays.
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}
            ).scalar()
            == 1
        )
