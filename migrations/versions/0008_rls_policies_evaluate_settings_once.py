"""RLS policies evaluate the tenant settings once per query

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 17:20:00
"""

from collections.abc import Sequence

from migrations import rls

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Recreate every tenant policy in the init-plan form of migrations/rls.py."""
    for table, nullable in rls.policy_tables():
        rls.disable(table)
        rls.enable(table, nullable_tenant=nullable)


def downgrade() -> None:
    """Nothing to undo: the rewritten policies admit exactly the same rows as before."""
