"""AuditLog rows; tenant_id is empty only for platform-level actions."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, utcnow


class AuditLog(Base):
    """One change or sensitive view."""

    __tablename__ = "audit_logs"
    # No INSERT ... RETURNING: PostgreSQL would check a returned platform-level row (no tenant)
    # against the read policy, which only the system scope passes. The id comes from nextval.
    __table_args__ = (
        Index("ix_audit_logs_entity", "tenant_id", "entity_type", "entity_id"),
        {"implicit_returning": False},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
