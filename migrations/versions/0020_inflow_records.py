"""流入地记录: what the inflow organisation records of a placed member, on the home register

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:30:00

A tenant table of the home township, with row-level security like the others; and the
receiving side of a transfer learns the month the member's dues are paid up to (党费交至).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "inflow_records"
KIND = sa.Enum(
    "activity",
    "three_ones",
    "verification",
    "dues",
    "assessment",
    name="recordkind",
    native_enum=False,
    length=16,
)


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{TABLE}_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("scan", sa.LargeBinary(), nullable=True),
        sa.Column("scan_name", sa.String(length=120), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("placement_id", "placements"),
        _fk("member_id", "members"),
        _fk("tenant_id", "townships"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    for column in ("placement_id", "member_id", "tenant_id"):
        op.create_index(op.f(f"ix_{TABLE}_{column}"), TABLE, [column])
    rls.ensure_app_role()
    rls.enable(TABLE)
    with op.batch_alter_table("incoming_transfers") as batch_op:
        batch_op.add_column(
            sa.Column(
                "dues_paid_to", sa.String(length=7), server_default=sa.text("''"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("incoming_transfers") as batch_op:
        batch_op.drop_column("dues_paid_to")
    rls.disable(TABLE)
    for column in ("placement_id", "member_id", "tenant_id"):
        op.drop_index(op.f(f"ix_{TABLE}_{column}"), table_name=TABLE)
    op.drop_table(TABLE)
