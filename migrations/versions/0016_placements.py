"""Placements for dual management: a member placed at an inflow organisation of the directory

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 10:00:00

A tenant table of the home township, with row-level security like the others, and a partial unique
index that allows one open placement (closed_on IS NULL) per member.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = sa.Enum("pending", "active", "ended", name="placementstatus", native_enum=False, length=16)
REASON = sa.Enum(
    "returned",
    "moved_on",
    "transferred",
    "refused",
    "other",
    name="endreason",
    native_enum=False,
    length=16,
)
OPEN = sa.text("closed_on IS NULL")


def upgrade() -> None:
    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("end_reason", REASON, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_placements_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_placements_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_placements_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    for column in ("member_id", "organisation_id", "tenant_id"):
        op.create_index(op.f(f"ix_placements_{column}"), "placements", [column])
    op.create_index(
        "uq_placements_open",
        "placements",
        ["member_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    rls.ensure_app_role()
    rls.enable("placements")


def downgrade() -> None:
    rls.disable("placements")
    op.drop_index("uq_placements_open", table_name="placements")
    for column in ("member_id", "organisation_id", "tenant_id"):
        op.drop_index(op.f(f"ix_placements_{column}"), table_name="placements")
    op.drop_table("placements")
