"""Print jobs of introduction letters (介绍信)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 11:47:02

One tenant table with row-level security like the others: a PDF of one or many issued
transfers' letters (full A4 with 存根, 介绍信 and 回执, or 套打 onto pre-printed stationery),
rendered by a worker like the certificate cards.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "transfer_letter_prints"
MODE = sa.Enum("full", "fill", name="lettermode", native_enum=False, length=8)
STATUS = sa.Enum(
    "queued", "rendering", "done", "failed", name="reportstatus", native_enum=False, length=16
)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("mode", MODE, nullable=False),
        sa.Column("transfer_ids", sa.JSON(), nullable=False),
        sa.Column("reprint_ids", sa.JSON(), nullable=False),
        sa.Column("base_url", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_transfer_letter_prints_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["townships.id"],
            name=op.f("fk_transfer_letter_prints_tenant_id_townships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_letter_prints")),
    )
    op.create_index(op.f("ix_transfer_letter_prints_tenant_id"), TABLE, ["tenant_id"])
    rls.ensure_app_role()
    rls.enable(TABLE)


def downgrade() -> None:
    rls.disable(TABLE)
    op.drop_index(op.f("ix_transfer_letter_prints_tenant_id"), table_name=TABLE)
    op.drop_table(TABLE)
