"""notifications and reminders

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 16:34:56.336775
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import rls

TABLES = ("notification_messages", "notification_preferences")

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column(
            "recipient_kind",
            sa.Enum("member", "user", name="recipientkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("recipient_name", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("sms", "email", "inapp", name="channel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("fallback", sa.JSON(), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "delivered",
                "failed",
                "retrying",
                "suppressed",
                name="state",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_ref", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("send_key", sa.String(length=40), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fallback_of_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["fallback_of_id"],
            ["notification_messages.id"],
            name=op.f("fk_notification_messages_fallback_of_id_notification_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["townships.id"],
            name=op.f("fk_notification_messages_tenant_id_townships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_messages")),
        sa.UniqueConstraint(
            "rule",
            "recipient_kind",
            "recipient_id",
            "period",
            "channel",
            name="uq_notification_messages_once",
        ),
    )
    with op.batch_alter_table("notification_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_messages_address", ["tenant_id", "channel", "address"], unique=False
        )
        batch_op.create_index(
            "ix_notification_messages_due", ["tenant_id", "state", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_notification_messages_inbox",
            ["recipient_kind", "recipient_id", "channel"],
            unique=False,
        )
        batch_op.create_index(
            "ix_notification_messages_log", ["tenant_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_messages_provider_ref"), ["provider_ref"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_messages_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "recipient_kind",
            sa.Enum("member", "user", name="recipientkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("sms", "email", "inapp", name="channel", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column("declines_optional", sa.Boolean(), nullable=False),
        sa.Column("invalid_phone", sa.String(length=20), nullable=False),
        sa.Column("invalid_email", sa.String(length=120), nullable=False),
        sa.Column("invalid_reason", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["townships.id"],
            name=op.f("fk_notification_preferences_tenant_id_townships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint(
            "recipient_kind",
            "recipient_id",
            name=op.f("uq_notification_preferences_recipient_kind_recipient_id"),
        ),
    )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_preferences_tenant_id"), ["tenant_id"], unique=False
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))

    rls.ensure_app_role()
    for table in TABLES:
        rls.enable(table)


def downgrade() -> None:
    for table in TABLES:
        rls.disable(table)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("email")

    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preferences_tenant_id"))

    op.drop_table("notification_preferences")
    with op.batch_alter_table("notification_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_messages_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_notification_messages_provider_ref"))
        batch_op.drop_index("ix_notification_messages_log")
        batch_op.drop_index("ix_notification_messages_inbox")
        batch_op.drop_index("ix_notification_messages_due")
        batch_op.drop_index("ix_notification_messages_address")

    op.drop_table("notification_messages")
