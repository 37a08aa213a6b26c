"""The `lianxin` command: run everything, or one part; migrations; demo data; accounts and tokens."""

import os
import subprocess
from pathlib import Path

import click
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, pool, select, text

from migrations import alembic_config
from tenants.context import system_context_unsafe
from tenants.models import CoordinatorAssignment, County, Township
from webapp import create_app
from webapp.auth.models import Role, User
from webapp.extensions import db
from webapp.runlog import celery_log_options


def _app() -> Flask:
    return create_app()


def _embedded_redis(app: Flask) -> subprocess.Popen[bytes] | None:
    if not app.config["REDIS_EMBEDDED"]:
        return None
    from webapp.embedded import ensure_embedded_redis

    return ensure_embedded_redis(Path(app.instance_path))


OWN_TABLES = text(
    "SELECT quote_ident(tablename) FROM pg_tables"
    " WHERE schemaname = current_schema() AND tableowner = current_user ORDER BY tablename"
)


def analyze_as_owner(database_url: str) -> int:
    """Planner statistics after a bulk load, on PostgreSQL; returns how many tables got them.

    Autovacuum would gather them only a while later, and until then PostgreSQL plans for empty
    tables. Only a table's owner may ANALYZE it, and the app's own connections assume the
    non-owner role, so this connects as the migrations do: as DATABASE_URL's user.
    """
    if not database_url.startswith("postgresql"):
        return 0
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            tables = list(conn.scalars(OWN_TABLES))
            if tables:  # a bare ANALYZE would be the whole database
                conn.exec_driver_sql("ANALYZE " + ", ".join(tables))
    finally:
        engine.dispose()
    return len(tables)


@click.group()
def main() -> None:
    """连心 Lianxin: mobile party member management."""


@main.group("db")
def db_group() -> None:
    """Schema migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default head)."""
    app = _app()
    command.upgrade(alembic_config(app.config["DATABASE_URL"]), revision)


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default one step)."""
    app = _app()
    command.downgrade(alembic_config(app.config["DATABASE_URL"]), revision)


@main.command()
@click.option("--if-empty", is_flag=True, help="Only when no township exists yet.")
@click.option("--quiet", is_flag=True, help="Do not list the logins.")
@click.option("--scale", type=click.IntRange(1), default=None, help="Benchmark data: N members.")
def demo(if_empty: bool, quiet: bool, scale: int | None) -> None:
    """Load the demo county, townships, branches, members and a login for each role."""
    from webapp.demo import DEMO_LOGINS, load_demo

    app = _app()
    with app.app_context(), system_context_unsafe():
        if if_empty and db.session.scalar(select(Township.id).limit(1)) is not None:
            click.echo("demo data already present")
            return
        if scale is not None:
            from webapp.scale import generate

            result = generate(db.session, scale, echo=click.echo)
            click.echo(
                f"scale data loaded: {result.members:,} members, {result.departures:,} trips "
                f"in {result.seconds:.0f}s; statistics township: {result.bench_slug}"
            )
        else:
            load_demo(db.session)
        db.session.remove()
    analyze_as_owner(app.config["DATABASE_URL"])
    if scale is not None:
        return
    click.echo("demo data loaded")
    if quiet:
        return
    click.echo(f"logins (password: {DEMO_LOGINS[0][2]}):")
    for username, label, _ in DEMO_LOGINS:
        click.echo(f"  {username:<14} {label}")


@main.command("create-county")
@click.option("--name", required=True)
@click.option("--code", required=True, help="6-digit GB/T 2260 code")
def create_county(name: str, code: str) -> None:
    """Create a county."""
    from webapp.townships import do_create_county

    app = _app()
    with app.app_context(), system_context_unsafe():
        county = do_create_county(db.session, None, name, code)
    click.echo(f"county {county.id} created")


@main.command("create-township")
@click.option("--county-code", required=True)
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--code", "division_code", required=True, help="6-digit county-level division code")
def create_township(county_code: str, name: str, slug: str, division_code: str) -> None:
    """Create a township (a tenant)."""
    from webapp.townships import do_create_township

    app = _app()
    with app.app_context(), system_context_unsafe():
        county = db.session.scalar(select(County).where(County.code == county_code))
        if county is None:
            raise click.ClickException(f"no county with code {county_code}")
        data = {"name": name, "slug": slug, "division_code": division_code, "county_id": county.id}
        township = do_create_township(db.session, None, data)
    click.echo(f"township {township.slug} created")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--township", "slug", default=None, help="slug, for township roles")
@click.option("--county-code", default=None, help="for county coordinators")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(
    username: str,
    display_name: str,
    role: str,
    slug: str | None,
    county_code: str | None,
    password: str,
) -> None:
    """Create an account; a coordinator is assigned every township of their county."""
    from webapp.auth.passwords import password_problem
    from webapp.auth.services import do_create_user

    if problem := password_problem(password, username):
        raise click.ClickException(problem)
    app = _app()
    with app.app_context(), system_context_unsafe():
        township = (
            db.session.scalar(select(Township).where(Township.slug == slug)) if slug else None
        )
        county = (
            db.session.scalar(select(County).where(County.code == county_code))
            if county_code
            else None
        )
        user = do_create_user(
            db.session,
            username=username,
            display_name=display_name,
            password=password,
            role=Role(role),
            tenant_id=township.id if township else None,
            county_id=county.id if county else None,
        )
        if county is not None:
            for t in county.townships:
                db.session.add(CoordinatorAssignment(user_id=user.id, township_id=t.id))
        db.session.commit()
    click.echo(f"user {username} created")


@main.command("create-token")
@click.option("--username", required=True)
@click.option("--name", default="cli")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read", show_default=True)
@click.option("--days", type=click.IntRange(1, 365), default=90, show_default=True)
def create_token(username: str, name: str, scope: str, days: int) -> None:
    """Create an API token (read-only unless --scope write; expires after --days) and print it once."""
    from webapp.auth.tokens import do_create_token

    app = _app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username}")
        _, clear = do_create_token(db.session, user, name, scope, days)
    click.echo(clear)


@main.command("user-status")
@click.option("--username", required=True)
@click.option("--enable/--disable", "active", required=True)
def user_status(username: str, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions at once."""
    from webapp.auth.services import do_set_active

    app = _app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username}")
        do_set_active(db.session, None, user, active)
    click.echo(f"user {username} {'enabled' if active else 'disabled'}")


@main.command("reset-second-factor")
@click.option("--username", required=True)
def reset_second_factor(username: str) -> None:
    """Clear an account's second factor (a lost phone); it is set up again at the next login."""
    from webapp.auth.second_factor import reset

    app = _app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username}")
        reset(db.session, None, user)
    click.echo(f"second factor of {username} cleared; their sessions have ended")


@main.group()
def keys() -> None:
    """Encryption keys for ID and phone numbers."""


@keys.command("add")
def keys_add() -> None:
    """Development: put a new primary data key in instance/keys.json (old keys still decrypt)."""
    from webapp.crypto import add_dev_data_key

    app = _app()
    if os.environ.get("LIANXIN_DATA_KEYS"):
        raise click.ClickException(
            "keys come from LIANXIN_DATA_KEYS: prepend a new key there (comma-separated, newest first)"
        )
    add_dev_data_key(Path(app.instance_path) / "keys.json")
    click.echo("new data key added; now run `lianxin keys reencrypt`")


@keys.command("reencrypt")
def keys_reencrypt() -> None:
    """Re-encrypt every ID and phone number under the newest key; then old keys may be removed."""
    from webapp.keys import reencrypt_all

    app = _app()
    with app.app_context():
        count = reencrypt_all(db.session)
    click.echo(f"{count} ID numbers re-encrypted under the newest key")


@main.command()
def permissions() -> None:
    """Print the permission matrix as Markdown (docs/permissions.md)."""
    from webapp.auth.permissions import render_markdown

    click.echo(render_markdown(), nl=False)


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def web(host: str, port: int) -> None:
    """The web server alone (development server; production uses gunicorn webapp.wsgi:app)."""
    app = _app()
    _embedded_redis(app)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--concurrency", default=2, type=int)
@click.option(
    "--quiet", is_flag=True, help="No banner, warnings and errors only (as `run` starts it)."
)
def worker(concurrency: int, quiet: bool) -> None:
    """A Celery worker."""
    app = _app()
    _embedded_redis(app)
    options, level = celery_log_options(quiet)
    app.extensions["celery"].start(
        [
            *options,
            "worker",
            f"--loglevel={level}",
            f"--concurrency={concurrency}",
            "-Q",
            app.config["CELERY_QUEUE"],
            "--without-gossip",
            "--without-mingle",
        ]
    )


@main.command()
@click.option(
    "--quiet", is_flag=True, help="No banner, warnings and errors only (as `run` starts it)."
)
def beat(quiet: bool) -> None:
    """Celery beat, the scheduler."""
    app = _app()
    _embedded_redis(app)
    schedule = Path(app.instance_path) / "celerybeat-schedule"
    options, level = celery_log_options(quiet)
    app.extensions["celery"].start(
        [*options, "beat", f"--loglevel={level}", f"--schedule={schedule}"]
    )


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def run(host: str, port: int) -> None:
    """Migrate, load demo data on first run, then web + worker + beat until Ctrl-C (exit 0)."""
    from webapp.runner import run_everything

    run_everything(host, port)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
