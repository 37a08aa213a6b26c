"""activities dues contributions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 16:46:50.003273
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

TABLES = (
    "activities",
    "attendances",
    "dues_rates",
    "dues_payments",
    "contributions",
    "support_requests",
    "support_services",
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "life_meeting",
                "party_day",
                "study",
                "homecoming_training",
                "other",
                name="activitykind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("place", sa.String(length=128), nullable=False),
        sa.Column("online_link", sa.String(length=255), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_activities_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_activities_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "home",
                "inflow",
                "online",
                "absent",
                name="attendancemode",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("at_branch_id", sa.Integer(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_attendances_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["at_branch_id"], ["branches.id"], name=op.f("fk_attendances_at_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_attendances_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_attendances_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint(
            "activity_id", "member_id", name=op.f("uq_attendances_activity_id_member_id")
        ),
    )
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attendances_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attendances_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attendances_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "dues_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("receipt_note", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_dues_payments_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_dues_payments_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_dues_payments_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_payments")),
    )
    with op.batch_alter_table("dues_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dues_payments_branch_id"), ["branch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dues_payments_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dues_payments_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "dues_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("monthly_amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("start_month", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_dues_rates_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_dues_rates_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_rates")),
        sa.UniqueConstraint(
            "tenant_id", "member_id", name=op.f("uq_dues_rates_tenant_id_member_id")
        ),
    )
    with op.batch_alter_table("dues_rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dues_rates_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dues_rates_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "support_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "need",
            sa.Enum(
                "farming",
                "safety",
                "living",
                "other",
                name="supportneed",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "in_progress", "closed", name="supportstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_support_requests_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_support_requests_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_requests")),
    )
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_requests_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_requests_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "activist",
                "business_info",
                "good_deed",
                "village_planning",
                "village_building",
                "hometown_support",
                "return_business",
                name="contributionkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "rejected",
                name="reviewstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_by_name", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["users.id"], name=op.f("fk_contributions_confirmed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_contributions_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_contributions_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributions")),
    )
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contributions_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contributions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "support_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("served_by", sa.String(length=64), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["support_requests.id"],
            name=op.f("fk_support_services_request_id_support_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_support_services_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_services")),
    )
    with op.batch_alter_table("support_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_services_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_services_tenant_id"), ["tenant_id"], unique=False
        )

    rls.ensure_app_role()
    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)
    with op.batch_alter_table("support_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_services_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_support_services_request_id"))

    op.drop_table("support_services")
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_contributions_member_id"))

    op.drop_table("contributions")
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_requests_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_support_requests_member_id"))

    op.drop_table("support_requests")
    with op.batch_alter_table("dues_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dues_rates_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_dues_rates_member_id"))

    op.drop_table("dues_rates")
    with op.batch_alter_table("dues_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dues_payments_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_dues_payments_member_id"))
        batch_op.drop_index(batch_op.f("ix_dues_payments_branch_id"))

    op.drop_table("dues_payments")
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendances_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_attendances_member_id"))
        batch_op.drop_index(batch_op.f("ix_attendances_activity_id"))

    op.drop_table("attendances")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_activities_held_on"))
        batch_op.drop_index(batch_op.f("ix_activities_branch_id"))

    op.drop_table("activities")
