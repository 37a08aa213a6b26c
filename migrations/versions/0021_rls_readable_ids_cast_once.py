"""RLS read policies turn the readable township ids into an int[] once per query

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 13:00:00

The read policy cast the setting's text[] to int[] outside its init-plan, so PostgreSQL cast the
whole list again for every row: over 200 townships that made a county roll-up ten times slower.
The policies are recreated in the form of migrations/rls.py; they admit exactly the same rows.
"""

from collections.abc import Sequence

from migrations import rls

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Recreate every tenant policy in the current form of migrations/rls.py."""
    for table, nullable in rls.policy_tables():
        rls.disable(table)
        rls.enable(table, nullable_tenant=nullable)


def downgrade() -> None:
    """Nothing to undo: the rewritten policies admit exactly the same rows as before."""
