"""Transfers of the organisational relationship, their approvals, letters and incoming side

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 11:32:06

Four tenant tables with row-level security like the others. Members gain the fields a transfer
hands over (学历, 转正日期, 预备期满日期), and the ID number's blind index becomes unique among
active members of every township (one person, one active register) instead of within one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls
from migrations.triggers import create_sqlite_triggers

TABLES = ("transfers", "incoming_transfers", "transfer_approvals", "transfer_letters")

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _keep_triggers() -> None:
    """SQLite rebuilt members without its data-version triggers (0009): put them back."""
    if op.get_bind().dialect.name == "sqlite":
        create_sqlite_triggers("members")


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("receiving_township_id", sa.Integer(), nullable=True),
        sa.Column("needs_county", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "pending_branch",
                "pending_township",
                "pending_county",
                "returned",
                "issued",
                "received",
                "receipted",
                "withdrawn",
                "refused",
                name="transferstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("letter_number", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("dues_paid_to", sa.String(length=7), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("receipt_on", sa.Date(), nullable=True),
        sa.Column("receipt_reference", sa.String(length=64), nullable=False),
        sa.Column("receipt_scan", sa.LargeBinary(), nullable=True),
        sa.Column("receipt_scan_name", sa.String(length=120), nullable=False),
        sa.Column("refused_reason", sa.Text(), nullable=False),
        sa.Column("returned_note", sa.Text(), nullable=False),
        sa.Column("received_by", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_transfers_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_transfers_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_transfers_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["receiving_township_id"],
            ["townships.id"],
            name=op.f("fk_transfers_receiving_township_id_townships"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_transfers_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("letter_number", name=op.f("uq_transfers_letter_number")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_transfers_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transfers_receiving_township_id"),
            ["receiving_township_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_transfers_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfers_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "uq_transfers_open",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text(
                "status IN ('draft','pending_branch','pending_township','pending_county','returned','issued')"
            ),
            postgresql_where=sa.text(
                "status IN ('draft','pending_branch','pending_township','pending_county','returned','issued')"
            ),
        )

    op.create_table(
        "incoming_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("letter_number", sa.String(length=32), nullable=False),
        sa.Column("from_township_id", sa.Integer(), nullable=True),
        sa.Column("from_name", sa.String(length=100), nullable=False),
        sa.Column("member_name", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "received",
                "refused",
                name="incomingstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("refused_reason", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_incoming_transfers_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["from_township_id"],
            ["townships.id"],
            name=op.f("fk_incoming_transfers_from_township_id_townships"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_incoming_transfers_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_incoming_transfers_tenant_id_townships")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_incoming_transfers_transfer_id_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_transfers")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_incoming_transfers_transfer_id")),
    )
    with op.batch_alter_table("incoming_transfers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incoming_transfers_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incoming_transfers_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "transfer_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column(
            "step",
            sa.Enum("branch", "township", "county", name="step", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_transfer_approvals_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_transfer_approvals_tenant_id_townships")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_transfer_approvals_transfer_id_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_approvals")),
    )
    with op.batch_alter_table("transfer_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_approvals_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transfer_approvals_transfer_id"), ["transfer_id"], unique=False
        )

    op.create_table(
        "transfer_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("voided_on", sa.Date(), nullable=True),
        sa.Column("prints", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_transfer_letters_tenant_id_townships")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_transfer_letters_transfer_id_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_letters")),
        sa.UniqueConstraint("token", name=op.f("uq_transfer_letters_token")),
    )
    with op.batch_alter_table("transfer_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_letters_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transfer_letters_transfer_id"), ["transfer_id"], unique=False
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "education", sa.String(length=16), server_default=sa.text("''"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("full_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("probation_ends_on", sa.Date(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_members_tenant_id_id_number_index"), type_="unique")
        batch_op.create_index(
            "uq_members_active_id_number",
            ["id_number_index"],
            unique=True,
            sqlite_where=sa.text("status IN ('full','probationary')"),
            postgresql_where=sa.text("status IN ('full','probationary')"),
        )
    _keep_triggers()
    rls.ensure_app_role()
    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_members_active_id_number",
            sqlite_where=sa.text("status IN ('full','probationary')"),
            postgresql_where=sa.text("status IN ('full','probationary')"),
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_members_tenant_id_id_number_index"), ["tenant_id", "id_number_index"]
        )
        batch_op.drop_column("probation_ends_on")
        batch_op.drop_column("full_on")
        batch_op.drop_column("education")
    _keep_triggers()

    with op.batch_alter_table("transfer_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_letters_transfer_id"))
        batch_op.drop_index(batch_op.f("ix_transfer_letters_tenant_id"))

    op.drop_table("transfer_letters")
    with op.batch_alter_table("transfer_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_approvals_transfer_id"))
        batch_op.drop_index(batch_op.f("ix_transfer_approvals_tenant_id"))

    op.drop_table("transfer_approvals")
    with op.batch_alter_table("incoming_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incoming_transfers_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_incoming_transfers_branch_id"))

    op.drop_table("incoming_transfers")
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_transfers_open",
            sqlite_where=sa.text(
                "status IN ('draft','pending_branch','pending_township','pending_county','returned','issued')"
            ),
            postgresql_where=sa.text(
                "status IN ('draft','pending_branch','pending_township','pending_county','returned','issued')"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_transfers_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_transfers_status"))
        batch_op.drop_index(batch_op.f("ix_transfers_receiving_township_id"))
        batch_op.drop_index(batch_op.f("ix_transfers_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_transfers_member_id"))

    op.drop_table("transfers")
