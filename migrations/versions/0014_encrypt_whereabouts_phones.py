"""whereabouts.phone (the contact number while away) encrypted at rest, like members.phone

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 09:30:00

No blind index: nothing looks a stint up by its contact number. The clear column is replaced, not
altered (migrations/reencode.py). Run it through `lianxin db upgrade`, which loads the data keys.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.reencode import act_as_system, reencode, swap_column
from webapp.crypto import keyring

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _encrypt(phone: str) -> dict[str, str]:
    phone = phone.strip()
    return {"phone_encrypted": keyring.encrypt(phone) if phone else ""}


def _decrypt(token: str) -> dict[str, str]:
    return {"phone_plain": (keyring.decrypt(token) if token else "")[:20]}


def upgrade() -> None:
    op.add_column(
        "whereabouts",
        sa.Column("phone_encrypted", sa.String(512), nullable=False, server_default=sa.text("''")),
    )
    act_as_system()
    reencode("whereabouts", "phone", ("phone_encrypted",), _encrypt)
    swap_column("whereabouts", "phone", "phone_encrypted")


def downgrade() -> None:
    op.add_column(
        "whereabouts",
        sa.Column("phone_plain", sa.String(20), nullable=False, server_default=sa.text("''")),
    )
    act_as_system()
    reencode("whereabouts", "phone", ("phone_plain",), _decrypt)
    swap_column("whereabouts", "phone", "phone_plain")
