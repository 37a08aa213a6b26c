"""三个一 items remember the record that completed them (an attendance, a contact)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 09:00:00

An item completed by an activity attendance or a logged contact carries source_kind and
source_id, so the page can say where it came from, and removing that record (before the branch
confirmed the item by hand) can undo it. Items entered by hand keep an empty source_kind.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "three_ones_items"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source_kind", sa.String(length=16), server_default=sa.text("''"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.drop_column("source_id")
        batch_op.drop_column("source_kind")
