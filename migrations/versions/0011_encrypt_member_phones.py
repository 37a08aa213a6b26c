"""members.phone encrypted at rest, with a keyed blind index for lookup by exact number

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 03:30:00

The clear column is replaced, not altered: a new ciphertext column is filled in batches, the old
one dropped and the new one renamed. Nothing recreates the members table, so the data-version
triggers of 0009 (SQLite) and the row-level security policies (PostgreSQL) stay as they are.
Run it through `lianxin db upgrade`, which loads the data keys; on an empty table no key is needed.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from webapp.crypto import keyring

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def _members(source: str, target: str) -> sa.TableClause:
    return sa.table(
        "members", sa.column("id"), sa.column(source), sa.column(target), sa.column("phone_index")
    )


def _system() -> None:
    """The owner meets FORCE ROW LEVEL SECURITY on PostgreSQL: act as the system."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('lianxin.system', 'on', true)")


def _convert(source: str, target: str, change: Callable[[str], tuple[str, str]]) -> None:
    """Fill target (and phone_index) from source, BATCH rows at a time, in id order."""
    bind = op.get_bind()
    table = _members(source, target)
    write = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values({target: sa.bindparam("value"), "phone_index": sa.bindparam("index")})
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
        params = []
        for row_id, value in rows:
            new, index = change(value or "")
            params.append({"row_id": row_id, "value": new, "index": index})
        bind.execute(write, params)
        last_id = rows[-1][0]


def _encrypt(phone: str) -> tuple[str, str]:
    phone = phone.strip()
    if not phone:
        return "", ""
    return keyring.encrypt(phone), keyring.blind_index(phone, "phone")


def _decrypt(token: str) -> tuple[str, str]:
    return (keyring.decrypt(token) if token else "")[:20], ""


def upgrade() -> None:
    op.add_column(
        "members",
        sa.Column("phone_index", sa.String(64), nullable=False, server_default=sa.text("''")),
    )
    op.add_column(
        "members",
        sa.Column("phone_encrypted", sa.String(512), nullable=False, server_default=sa.text("''")),
    )
    op.create_index("ix_members_phone_index", "members", ["phone_index"])
    _system()
    _convert("phone", "phone_encrypted", _encrypt)
    op.drop_column("members", "phone")
    op.execute("ALTER TABLE members RENAME COLUMN phone_encrypted TO phone")


def downgrade() -> None:
    op.add_column(
        "members",
        sa.Column("phone_plain", sa.String(20), nullable=False, server_default=sa.text("''")),
    )
    _system()
    _convert("phone", "phone_plain", _decrypt)
    op.drop_index("ix_members_phone_index", table_name="members")
    op.drop_column("members", "phone_index")
    op.drop_column("members", "phone")
    op.execute("ALTER TABLE members RENAME COLUMN phone_plain TO phone")
