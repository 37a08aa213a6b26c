"""API tokens: a scope (read / write) and an expiry

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:00:00

Tokens issued before this revision could write, so they keep the write scope; they expire 90 days
after the upgrade, when their owners must issue new ones (read-only unless write is asked for).
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE = sa.Enum("read", "write", name="tokenscope", native_enum=False, length=8)
EXPIRES = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", SCOPE, nullable=True))
        batch_op.add_column(sa.Column("expires_at", EXPIRES, nullable=True))
    tokens = sa.table("api_tokens", sa.column("scope", SCOPE), sa.column("expires_at", EXPIRES))
    op.execute(
        tokens.update().values(scope="write", expires_at=datetime.now(UTC) + timedelta(days=90))
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("scope", existing_type=SCOPE, nullable=False)
        batch_op.alter_column("expires_at", existing_type=EXPIRES, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
