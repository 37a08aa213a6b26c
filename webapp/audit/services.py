"""Writing audit entries inside the caller's transaction, and reading a township's log."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from webapp.audit.models import AuditLog
from webapp.i18n import plain


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of obj as JSON-safe values."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, date | datetime):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        out[name] = value
    return out


ID_BATCH_MAX = 64


def _next_id(session: Session) -> int | None:
    """On PostgreSQL, an id from the audit sequence, fetched in growing batches per session.

    AuditLog inserts without RETURNING (see its model), so the ORM would otherwise fetch every id
    in a round trip of its own; with ids in hand, a flush writes many entries in one statement.
    A session that ends with ids unused leaves a gap, as a rolled-back insert does.
    """
    if session.get_bind().dialect.name != "postgresql":
        return None
    pool: list[int] = session.info.setdefault("audit_ids", [])
    if not pool:
        size = min(ID_BATCH_MAX, 2 * session.info.get("audit_id_batch", 0) or 1)
        session.info["audit_id_batch"] = size
        pool.extend(
            session.scalars(
                select(func.nextval("audit_logs_id_seq")).select_from(func.generate_series(1, size))
            )
        )
    return pool.pop(0)


def record(
    session: Session,
    actor: Any,
    action: str,
    entity_type: str,
    entity_id: int | None,
    *,
    tenant_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditLog:
    """Add an audit entry to the session; it commits with the change it describes."""
    entry = AuditLog(
        id=_next_id(session),
        tenant_id=tenant_id,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "display_name", None) or "system",
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=plain(before),
        after=plain(after),
        ip=ip,
    )
    session.add(entry)
    return entry


def township_log(township_id: int, search: str = "") -> Select[tuple[AuditLog]]:
    """Newest-first audit entries of one township, optionally filtered by action."""
    stmt = select(AuditLog).where(AuditLog.tenant_id == township_id)
    if search:
        stmt = stmt.where(AuditLog.action.contains(search))
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def entity_log(township_id: int, entity_type: str, entity_id: int) -> Select[tuple[AuditLog]]:
    """Every audit entry about one record, newest first."""
    return (
        select(AuditLog)
        .where(
            AuditLog.tenant_id == township_id,
            AuditLog.entity_type == entity_type,
            AuditLog.entity_id == entity_id,
        )
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    )
