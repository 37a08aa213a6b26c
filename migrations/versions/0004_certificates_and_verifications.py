"""certificates, their verifications and card-printing jobs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 16:31:45.059841
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

TABLES = ("certificate_prints", "certificates", "certificate_verifications")

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_VALID = sa.text("status = 'valid'")


def upgrade() -> None:
    op.create_table(
        "certificate_prints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("certificate_ids", sa.JSON(), nullable=False),
        sa.Column("base_url", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "rendering",
                "done",
                "failed",
                name="reportstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
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
            name=op.f("fk_certificate_prints_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_certificate_prints_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_prints")),
    )
    with op.batch_alter_table("certificate_prints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_prints_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("inflow_branch_id", sa.Integer(), nullable=True),
        sa.Column("departure_id", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("destination_code", sa.String(length=6), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "valid",
                "voided",
                "lost",
                "returned",
                name="certificatestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("status_on", sa.Date(), nullable=True),
        sa.Column("status_notes", sa.Text(), nullable=False),
        sa.Column("last_verified_on", sa.Date(), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_certificates_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["departure_id"],
            ["departures.id"],
            name=op.f("fk_certificates_departure_id_departures"),
        ),
        sa.ForeignKeyConstraint(
            ["inflow_branch_id"],
            ["branches.id"],
            name=op.f("fk_certificates_inflow_branch_id_branches"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["users.id"],
            name=op.f("fk_certificates_issued_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_certificates_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["certificates.id"],
            name=op.f("fk_certificates_replaced_by_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["certificates.id"],
            name=op.f("fk_certificates_replaces_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_certificates_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("replaced_by_id", name=op.f("uq_certificates_replaced_by_id")),
        sa.UniqueConstraint("replaces_id", name=op.f("uq_certificates_replaces_id")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_certificates_tenant_id_number")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_certificates_inflow_branch_id"), ["inflow_branch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificates_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "uq_certificates_one_valid",
            ["member_id"],
            unique=True,
            sqlite_where=ONE_VALID,
            postgresql_where=ONE_VALID,
        )

    op.create_table(
        "certificate_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column(
            "side",
            sa.Enum("outflow", "inflow", name="verificationside", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("verified_by", sa.Integer(), nullable=True),
        sa.Column("verifier_name", sa.String(length=32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_certificate_verifications_branch_id_branches"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_verifications_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["townships.id"],
            name=op.f("fk_certificate_verifications_tenant_id_townships"),
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"],
            ["users.id"],
            name=op.f("fk_certificate_verifications_verified_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_verifications")),
    )
    with op.batch_alter_table("certificate_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_verifications_branch_id"), ["branch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_verifications_certificate_id"),
            ["certificate_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_verifications_tenant_id"), ["tenant_id"], unique=False
        )

    rls.ensure_app_role()
    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)
    with op.batch_alter_table("certificate_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_verifications_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_verifications_certificate_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_verifications_branch_id"))

    op.drop_table("certificate_verifications")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificates_one_valid", sqlite_where=ONE_VALID, postgresql_where=ONE_VALID
        )
        batch_op.drop_index(batch_op.f("ix_certificates_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_member_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_inflow_branch_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_branch_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("certificate_prints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_prints_tenant_id"))

    op.drop_table("certificate_prints")
