"""The organisation directory: on-platform branches and off-platform organisations that accept
mobile members, searchable by every township (organisational data only)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:40:00

Not a tenant table: every township reads it, so it has no row-level security policy; writes are
the owner township's only, which the services check (webapp/directory/services.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = sa.Enum(
    "branch", "mobile_branch", "off_platform", name="organisationkind", native_enum=False, length=16
)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_township_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("division_code", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("national_ref", sa.String(length=32), nullable=False),
        sa.Column("accepting", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_organisations_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_township_id"],
            ["townships.id"],
            name=op.f("fk_organisations_owner_township_id_townships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("branch_id", name=op.f("uq_organisations_branch_id")),
    )
    rls.ensure_app_role()  # the application role may read and write the new table
    for column in ("owner_township_id", "name", "division_code"):
        op.create_index(op.f(f"ix_organisations_{column}"), "organisations", [column])


def downgrade() -> None:
    for column in ("owner_township_id", "name", "division_code"):
        op.drop_index(op.f(f"ix_organisations_{column}"), table_name="organisations")
    op.drop_table("organisations")
