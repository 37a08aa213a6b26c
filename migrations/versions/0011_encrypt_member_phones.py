"""members.phone encrypted at rest, with a keyed blind index for lookup by exact number

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:30:00

The clear column is replaced, not altered (migrations/reencode.py). Run it through
`lianxin db upgrade`, which loads the data keys; on an empty table no key is needed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.reencode import act_as_system, reencode, swap_column
from webapp.crypto import keyring

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _encrypt(phone: str) -> dict[str, str]:
    phone = phone.strip()
    if not phone:
        return {"phone_encrypted": "", "phone_index": ""}
    return {
        "phone_encrypted": keyring.encrypt(phone),
        "phone_index": keyring.blind_index(phone, "phone"),
    }


def _decrypt(token: str) -> dict[str, str]:
    return {"phone_plain": (keyring.decrypt(token) if token else "")[:20]}


def upgrade() -> None:
    op.add_column(
        "members",
        sa.Column("phone_index", sa.String(64), nullable=False, server_default=sa.text("''")),
    )
    op.add_column(
        "members",
        sa.Column("phone_encrypted", sa.String(512), nullable=False, server_default=sa.text("''")),
    )
    op.create_index("ix_members_phone_index", "members", ["phone_index"])
    act_as_system()
    reencode("members", "phone", ("phone_encrypted", "phone_index"), _encrypt)
    swap_column("members", "phone", "phone_encrypted")


def downgrade() -> None:
    op.add_column(
        "members",
        sa.Column("phone_plain", sa.String(20), nullable=False, server_default=sa.text("''")),
    )
    act_as_system()
    reencode("members", "phone", ("phone_plain",), _decrypt)
    op.drop_index("ix_members_phone_index", table_name="members")
    op.drop_column("members", "phone_index")
    swap_column("members", "phone", "phone_plain")
