"""Data-key rotation: re-encrypt every stored ID and phone number under the newest key."""

from sqlalchemy import String, select, type_coerce, update
from sqlalchemy.orm import Session

from tenants.context import system_context_unsafe
from webapp.crypto import keyring
from webapp.members.models import Member

BATCH = 500
ENCRYPTED_COLUMNS = ("id_number", "phone")


def reencrypt_all(session: Session) -> int:
    """Rotate each member's ciphertexts to the primary key, in batches; returns how many rows."""
    table = Member.__table__
    raw = [type_coerce(table.c[name], String) for name in ENCRYPTED_COLUMNS]
    done = 0
    with system_context_unsafe():
        last_id = 0
        while True:
            rows = session.execute(
                select(table.c.id, *raw)
                .where(table.c.id > last_id)
                .order_by(table.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row_id, *tokens in rows:
                values = {
                    name: type_coerce(keyring.rotate(token), String)
                    for name, token in zip(ENCRYPTED_COLUMNS, tokens, strict=True)
                    if token
                }
                session.execute(update(table).where(table.c.id == row_id).values(**values))
            session.commit()
            done += len(rows)
            last_id = rows[-1][0]
    return done
