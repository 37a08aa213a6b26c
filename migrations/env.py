"""Alembic environment: the owner's connection, Lianxin's metadata."""

from alembic import context
from sqlalchemy import create_engine, pool

from webapp.models import metadata

config = context.config
url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")


def run_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run against the database."""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
