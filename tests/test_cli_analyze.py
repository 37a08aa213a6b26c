"""`lianxin demo` (also what `lianxin run` loads on the first run) leaves PostgreSQL with planner
statistics for every table it filled, gathered as the table owner: the app's own role may not
ANALYZE, and autovacuum would come only a while later."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from click.testing import CliRunner

from migrations import alembic_config
from tests.conftest import BACKEND, RUN_ID, create_database, drop_database
from webapp.cli import analyze_as_owner, main

ON_POSTGRESQL = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's statistics")
FILLED = "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE n_live_tup > 0"


@pytest.fixture()
def fresh_url(tmp_path: Path) -> Iterator[str]:
    url = create_database(tmp_path, f"lianxin_cli_{RUN_ID}_{uuid.uuid4().hex[:8]}")
    try:
        command.upgrade(alembic_config(url), "head")
        yield url
    finally:
        from webapp.extensions import db

        if db.engine is not None:
            db.engine.dispose()
        drop_database(url)


def _members_stats(url: str) -> tuple[float, int, object]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        reltuples = conn.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'members'"
        ).fetchone()[0]
        count = conn.execute("SELECT count(*) FROM members").fetchone()[0]
        analysed = conn.execute(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'members'"
        ).fetchone()[0]
    return reltuples, count, analysed


def _never_analysed(url: str) -> list[str]:
    """Filled tables without a manual ANALYZE (the statistics views follow within a moment)."""
    for _ in range(50):
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            rows = conn.execute(FILLED).fetchall()
        missing = [name for name, analysed in rows if analysed is None]
        if rows and not missing:
            return []
        time.sleep(0.1)
    return missing


@ON_POSTGRESQL
def test_demo_leaves_every_filled_table_analysed(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_url)
    reltuples, _, analysed = _members_stats(fresh_url)
    assert reltuples <= 0 and analysed is None  # a fresh table: never analysed

    result = CliRunner().invoke(main, ["demo", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "demo data loaded" in result.output

    reltuples, count, _ = _members_stats(fresh_url)
    assert count > 1000 and reltuples == count  # ANALYZE of a small table counts every row
    assert _never_analysed(fresh_url) == []
    assert _members_stats(fresh_url)[2] is not None


@ON_POSTGRESQL
def test_the_app_role_alone_could_not_analyse(fresh_url: str) -> None:
    with psycopg.connect(fresh_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("SET ROLE lianxin_app")
        conn.execute("ANALYZE members")  # PostgreSQL skips it with a warning
        conn.execute("RESET ROLE")
    assert _members_stats(fresh_url)[2] is None
    assert analyze_as_owner(fresh_url) > 0
    for _ in range(50):
        if _members_stats(fresh_url)[2] is not None:
            break
        time.sleep(0.1)
    assert _members_stats(fresh_url)[2] is not None


def test_sqlite_has_nothing_to_analyse(tmp_path: Path) -> None:
    assert analyze_as_owner(f"sqlite:///{tmp_path / 'none.db'}") == 0
    assert not (tmp_path / "none.db").exists()  # not even connected
