"""Counties, townships (the tenant) and the townships each county coordinator is assigned."""

from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped


class County(Timestamped, Base):
    """县(区): groups townships; its coordinators oversee them."""

    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(6), unique=True)

    townships: Mapped[list["Township"]] = relationship(back_populates="county")


class Township(Timestamped, Base):
    """乡镇/街道: one tenant."""

    __tablename__ = "townships"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    division_code: Mapped[str] = mapped_column(String(6))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    county: Mapped[County] = relationship(back_populates="townships")


class CoordinatorAssignment(Base):
    """A county coordinator may read this township."""

    __tablename__ = "coordinator_assignments"
    __table_args__ = (UniqueConstraint("user_id", "township_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    township_id: Mapped[int] = mapped_column(
        ForeignKey("townships.id", ondelete="CASCADE"), index=True
    )
