"""departures and whereabouts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 16:12:41.362757
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

TABLES = ("departures", "whereabouts")

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "departures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("departed_on", sa.Date(), nullable=False),
        sa.Column("expected_return", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("return_notes", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_departures_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_departures_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departures")),
    )
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_departures_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_departures_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_departures_window", ["tenant_id", "departed_on", "returned_on"], unique=False
        )

    op.create_table(
        "whereabouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("departure_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("destination_code", sa.String(length=6), nullable=True),
        sa.Column("destination_province", sa.String(length=6), nullable=True),
        sa.Column("destination_prefecture", sa.String(length=6), nullable=True),
        sa.Column(
            "flow_category",
            sa.Enum(
                "cross_province",
                "in_province",
                "in_prefecture",
                "in_county",
                name="flowcategory",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("occupation", sa.String(length=64), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=False),
        sa.Column("employer", sa.String(length=128), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("wechat", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("living", sa.Text(), nullable=False),
        sa.Column("study", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["departure_id"], ["departures.id"], name=op.f("fk_whereabouts_departure_id_departures")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_whereabouts_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_whereabouts_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whereabouts")),
    )
    with op.batch_alter_table("whereabouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_whereabouts_departure_id"), ["departure_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_whereabouts_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_whereabouts_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_whereabouts_window", ["tenant_id", "valid_from", "valid_to"], unique=False
        )

    rls.ensure_app_role()
    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)
    with op.batch_alter_table("whereabouts", schema=None) as batch_op:
        batch_op.drop_index("ix_whereabouts_window")
        batch_op.drop_index(batch_op.f("ix_whereabouts_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_whereabouts_member_id"))
        batch_op.drop_index(batch_op.f("ix_whereabouts_departure_id"))

    op.drop_table("whereabouts")
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.drop_index("ix_departures_window")
        batch_op.drop_index(batch_op.f("ix_departures_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_departures_member_id"))

    op.drop_table("departures")
