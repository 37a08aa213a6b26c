"""Extensions created bare and bound in create_app; the database session with the tenant guard."""

from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

from tenants.scoping import TenantSession, install_guard


class Database:
    """One engine per app and a scoped session removed at the end of every request or task."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session = scoped_session(sessionmaker(class_=TenantSession, expire_on_commit=False))
        install_guard(TenantSession)

    def init_app(self, app: Flask) -> None:
        """Create the engine from DATABASE_URL and bind the session."""
        self.engine = make_engine(app.config["DATABASE_URL"], app.config)
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(self._remove)

    def _remove(self, _exc: BaseException | None = None) -> None:
        self.session.remove()


def make_engine(url: str, config: dict[str, Any]) -> Engine:
    """An engine; on PostgreSQL every connection assumes the non-owner application role."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url,
        pool_size=config.get("DATABASE_POOL_SIZE", 5),
        max_overflow=0 if config.get("DATABASE_POOL_SIZE") == 1 else 10,
        pool_pre_ping=True,
    )
    role = config.get("DATABASE_APP_ROLE")
    if role:
        strict = config.get("LIANXIN_ENV") == "production"
        event.listen(engine, "connect", lambda conn, _rec: _set_role(conn, role, strict))
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


class AppRoleMissing(RuntimeError):
    """Production must not run as the table owner: row-level security would not apply."""


def _set_role(dbapi_conn: Any, role: str, strict: bool) -> None:
    """Assume the non-owner role that row-level security applies to (created by the migrations)."""
    cur = dbapi_conn.cursor()
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
    exists = cur.fetchone() is not None
    if exists:
        cur.execute(f'SET ROLE "{role}"')
    cur.close()
    dbapi_conn.commit()
    if strict and not exists:
        raise AppRoleMissing(f"role {role} is missing: run `lianxin db upgrade` first")


db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
