"""流入党员: the inflow township's own record of a member placed at one of its branches

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:30:00

A tenant table of the inflow township, with row-level security like the others.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = sa.Enum("pending", "active", "ended", name="placementstatus", native_enum=False, length=16)
INDEXED = ("organisation_id", "branch_id", "tenant_id")


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_inflow_members_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "inflow_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("home_township_id", sa.Integer(), nullable=False),
        sa.Column("home_township_name", sa.String(length=64), nullable=False),
        sa.Column("home_branch_name", sa.String(length=64), nullable=False),
        sa.Column("member_name", sa.String(length=32), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("placement_id", "placements"),
        _fk("organisation_id", "organisations"),
        _fk("branch_id", "branches"),
        _fk("home_township_id", "townships"),
        _fk("tenant_id", "townships"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inflow_members")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_inflow_members_placement_id")),
    )
    for column in INDEXED:
        op.create_index(op.f(f"ix_inflow_members_{column}"), "inflow_members", [column])
    rls.ensure_app_role()
    rls.enable("inflow_members")


def downgrade() -> None:
    rls.disable("inflow_members")
    for column in INDEXED:
        op.drop_index(op.f(f"ix_inflow_members_{column}"), table_name="inflow_members")
    op.drop_table("inflow_members")
