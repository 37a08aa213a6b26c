"""Writing audit entries inside the caller's transaction, and reading a township's log."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from webapp.audit.models import AuditLog


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
        tenant_id=tenant_id,
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "display_name", None) or "system",
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
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
