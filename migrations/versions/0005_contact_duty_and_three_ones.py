"""contact duty (assignments, contacts) and three ones

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 16:31:47.785985
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

TABLES = ("contact_assignments", "contacts", "three_ones_items")

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_contact_assignments_assigned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_contact_assignments_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_contact_assignments_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_contact_assignments_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_assignments")),
    )
    with op.batch_alter_table("contact_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_assignments_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_assignments_officer_id"), ["officer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_assignments_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_contact_assignments_window", ["tenant_id", "valid_from", "valid_to"], unique=False
        )
        batch_op.create_index(
            "uq_contact_assignments_open",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "phone",
                "wechat",
                "video",
                "visit",
                "letter",
                name="contactchannel",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("substance", sa.Text(), nullable=False),
        sa.Column("follow_up", sa.Text(), nullable=False),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("logged_by_id", sa.Integer(), nullable=True),
        sa.Column("logged_by_name", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["logged_by_id"],
            ["users.id"],
            name=op.f("fk_contacts_logged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_contacts_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_contacts_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contacts_member_day", ["tenant_id", "member_id", "contacted_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contacts_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "three_ones_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("half", sa.String(length=6), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "activity", "letter", "call", name="threeoneskind", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("done", "explained", name="threeonesstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("happened_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("by_member", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_three_ones_items_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_three_ones_items_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_three_ones_items_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_three_ones_items")),
        sa.UniqueConstraint(
            "tenant_id",
            "member_id",
            "half",
            "kind",
            name=op.f("uq_three_ones_items_tenant_id_member_id_half_kind"),
        ),
    )
    with op.batch_alter_table("three_ones_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_three_ones_items_half"), ["half"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_three_ones_items_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_three_ones_items_tenant_id"), ["tenant_id"], unique=False
        )

    rls.ensure_app_role()
    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)
    with op.batch_alter_table("three_ones_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_three_ones_items_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_three_ones_items_member_id"))
        batch_op.drop_index(batch_op.f("ix_three_ones_items_half"))

    op.drop_table("three_ones_items")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_contacts_member_id"))
        batch_op.drop_index("ix_contacts_member_day")

    op.drop_table("contacts")
    with op.batch_alter_table("contact_assignments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_contact_assignments_open",
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index("ix_contact_assignments_window")
        batch_op.drop_index(batch_op.f("ix_contact_assignments_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_contact_assignments_officer_id"))
        batch_op.drop_index(batch_op.f("ix_contact_assignments_member_id"))

    op.drop_table("contact_assignments")
