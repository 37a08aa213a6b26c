"""Test harness: a fresh database per run (SQLite or PostgreSQL), the real Redis, an app per test."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient

from migrations import alembic_config
from webapp.crypto import new_key_material

RUN_ID = uuid.uuid4().hex[:10]
PG_ADMIN = os.environ.get("LIANXIN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKEND = os.environ.get("LIANXIN_TEST_DB", "sqlite")
CACHE_NAMESPACE = f"test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
ARTIFACTS = Path(__file__).parent / "artifacts"

_keys = new_key_material()
os.environ.setdefault("SECRET_KEY", "test-" + RUN_ID + uuid.uuid4().hex)
os.environ["LIANXIN_DATA_KEYS"] = ",".join(_keys["data_keys"])
os.environ["LIANXIN_INDEX_KEY"] = _keys["index_key"]
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ["CELERY_QUEUE"] = f"lianxin-test-{RUN_ID}"


def pytest_report_header() -> str:
    return f"lianxin database backend: {BACKEND}"


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def create_database(tmp_dir: Path, name: str) -> str:
    """A brand-new empty database; returns its SQLAlchemy URL."""
    if BACKEND == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return (
            PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            + "/"
            + name
        )
    return f"sqlite:///{tmp_dir / (name + '.db')}"


def drop_database(url: str) -> None:
    """Drop a database made by create_database (PostgreSQL; SQLite files go with tmp)."""
    if BACKEND != "postgresql":
        return
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database for the whole run."""
    url = create_database(tmp_path_factory.mktemp("db"), f"lianxin_test_{RUN_ID}")
    command.upgrade(alembic_config(url), "head")
    os.environ["DATABASE_URL"] = url
    yield url
    from webapp.extensions import db

    if db.engine is not None:
        db.engine.dispose()
    drop_database(url)


def make_app(database_url: str, **overrides: object) -> Flask:
    """An app on the test database; CSRF off unless a test turns it on."""
    from webapp import create_app

    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "CACHE_NAMESPACE": CACHE_NAMESPACE,  # this run's cached figures are its own
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture()
def app(database_url: str) -> Iterator[Flask]:
    """A fresh app per test, on the shared database."""
    flask_app = make_app(database_url)
    yield flask_app
    from webapp.extensions import db

    db.session.remove()
    db.engine.dispose()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def world(app: Flask):
    """Two counties, three townships, a branch and members in each, users of every role."""
    from tests.factories import build_world

    with app.app_context():
        return build_world()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
