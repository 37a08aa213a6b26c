"""Rewrite one column of a table into another, in batches: used to encrypt columns in place.

The clear column is replaced, not altered: a new column is filled BATCH rows at a time in id
order, the old one dropped and the new one renamed. Nothing recreates the table, so the
data-version triggers of 0009 (SQLite) and the row-level security policies (PostgreSQL) stay.
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

BATCH = 500

# the value of the source column -> the values of the target columns
Change = Callable[[str], dict[str, str]]


def act_as_system() -> None:
    """The owner meets FORCE ROW LEVEL SECURITY on PostgreSQL: act as the system."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('lianxin.system', 'on', true)")


def reencode(table_name: str, source: str, targets: tuple[str, ...], change: Change) -> None:
    """Fill targets from source for every row of table_name."""
    bind = op.get_bind()
    table = sa.table(table_name, sa.column("id"), sa.column(source), *map(sa.column, targets))
    write = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({t: sa.bindparam(f"new_{t}") for t in targets})
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c[source])
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        params = [
            {"row_id": row_id, **{f"new_{k}": v for k, v in change(value or "").items()}}
            for row_id, value in rows
        ]
        bind.execute(write, params)
        last_id = rows[-1][0]


def swap_column(table_name: str, old: str, new: str) -> None:
    """Drop old and give new its name."""
    op.drop_column(table_name, old)
    op.execute(f"ALTER TABLE {table_name} RENAME COLUMN {new} TO {old}")
