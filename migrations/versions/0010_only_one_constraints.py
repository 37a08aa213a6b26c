"""only-one rules in the database: one open departure per member, each dues month paid once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

from migrations import rls

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("returned_on IS NULL")

PAYMENTS = sa.table(
    "dues_payments",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("first_month", sa.Date),
    sa.column("months", sa.Integer),
)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _backfill(paid_months: sa.Table) -> None:
    """One row per month each existing payment covers; a month two old payments both cover
    stays with the earlier payment (the application refused such overlaps already)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('lianxin.system', 'on', true)")  # the owner meets FORCE RLS
    claimed: set[tuple[int, int, date]] = set()
    rows = []
    for p in bind.execute(sa.select(PAYMENTS).order_by(PAYMENTS.c.id)):
        first = p.first_month.replace(day=1)
        for i in range(p.months):
            key = (p.tenant_id, p.member_id, _add_months(first, i))
            if key not in claimed:
                claimed.add(key)
                rows.append(
                    {"tenant_id": key[0], "member_id": key[1], "month": key[2], "payment_id": p.id}
                )
    if rows:
        op.bulk_insert(paid_months, rows)


def upgrade() -> None:
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.create_index(
            "uq_departures_open",
            ["member_id"],
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )

    paid_months = op.create_table(
        "dues_paid_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_dues_paid_months_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["dues_payments.id"],
            name=op.f("fk_dues_paid_months_payment_id_dues_payments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["townships.id"], name=op.f("fk_dues_paid_months_tenant_id_townships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dues_paid_months")),
        sa.UniqueConstraint(
            "tenant_id",
            "member_id",
            "month",
            name=op.f("uq_dues_paid_months_tenant_id_member_id_month"),
        ),
    )
    with op.batch_alter_table("dues_paid_months", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dues_paid_months_payment_id"), ["payment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dues_paid_months_tenant_id"), ["tenant_id"], unique=False
        )
    rls.enable("dues_paid_months")
    _backfill(paid_months)


def downgrade() -> None:
    rls.disable("dues_paid_months")
    with op.batch_alter_table("dues_paid_months", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dues_paid_months_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_dues_paid_months_payment_id"))
    op.drop_table("dues_paid_months")
    with op.batch_alter_table("departures", schema=None) as batch_op:
        batch_op.drop_index("uq_departures_open", sqlite_where=OPEN, postgresql_where=OPEN)
