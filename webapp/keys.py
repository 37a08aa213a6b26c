"""Data-key rotation: re-encrypt every stored ID number under the newest key."""

from sqlalchemy import String, select, type_coerce, update
from sqlalchemy.orm import Session

from tenants.context import system_context_unsafe
from webapp.crypto import keyring
from webapp.members.models import Member

BATCH = 500


def reencrypt_all(session: Session) -> int:
    """Rotate each ciphertext to the primary key, in batches; returns how many rows."""
    table = Member.__table__
    raw = type_coerce(table.c.id_number, String)
    done = 0
    with system_context_unsafe():
        last_id = 0
        while True:
            rows = session.execute(
                select(table.c.id, raw)
                .where(table.c.id > last_id)
                .order_by(table.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row_id, token in rows:
                session.execute(
                    update(table)
                    .where(table.c.id == row_id)
                    .values(id_number=type_coerce(keyring.rotate(token), String))
                )
            session.commit()
            done += len(rows)
            last_id = rows[-1][0]
    return done
