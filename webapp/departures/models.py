"""Departure (one trip away) and Whereabouts (where the member was, for which dates, within it)."""

import enum
from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped
from webapp.crypto import EncryptedString


class FlowCategory(enum.StrEnum):
    """流动去向类别, derived from the destination's division code against the township's."""

    CROSS_PROVINCE = "cross_province"
    IN_PROVINCE = "in_province"
    IN_PREFECTURE = "in_prefecture"
    IN_COUNTY = "in_county"


FLOW_LABELS = {
    FlowCategory.CROSS_PROVINCE: lazy_gettext("跨省流动"),
    FlowCategory.IN_PROVINCE: lazy_gettext("省内市外"),
    FlowCategory.IN_PREFECTURE: lazy_gettext("市内县外"),
    FlowCategory.IN_COUNTY: lazy_gettext("县内流动"),
}
UNKNOWN_LABEL = lazy_gettext("去向不明")


class Departure(TenantScoped, Timestamped, Base):
    """One trip: from the departure date until the return date (open while away)."""

    __tablename__ = "departures"
    __table_args__ = (
        Index("ix_departures_window", "tenant_id", "departed_on", "returned_on"),
        # one open trip per member, even when two clerks register it at the same moment
        Index(
            "uq_departures_open",
            "member_id",
            unique=True,
            sqlite_where=text("returned_on IS NULL"),
            postgresql_where=text("returned_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    departed_on: Mapped[date]
    expected_return: Mapped[date | None]
    returned_on: Mapped[date | None]
    return_notes: Mapped[str] = mapped_column(Text, default="")

    stints: Mapped[list["Whereabouts"]] = relationship(
        back_populates="departure", order_by="Whereabouts.valid_from"
    )


class Whereabouts(TenantScoped, Timestamped, Base):
    """Where a member on a trip was from valid_from until valid_to (open for the current stint)."""

    __tablename__ = "whereabouts"
    __table_args__ = (Index("ix_whereabouts_window", "tenant_id", "valid_from", "valid_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    departure_id: Mapped[int] = mapped_column(ForeignKey("departures.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    destination_code: Mapped[str | None] = mapped_column(String(6))
    destination_province: Mapped[str | None] = mapped_column(String(6))
    destination_prefecture: Mapped[str | None] = mapped_column(String(6))
    flow_category: Mapped[FlowCategory | None] = mapped_column(str_enum(FlowCategory, 16))
    address: Mapped[str] = mapped_column(String(200), default="")
    occupation: Mapped[str] = mapped_column(String(64), default="")
    industry: Mapped[str] = mapped_column(String(64), default="")
    employer: Mapped[str] = mapped_column(String(128), default="")
    # the contact number while away, Fernet ciphertext like members.phone
    phone: Mapped[str] = mapped_column(EncryptedString(), default="", server_default=text("''"))
    wechat: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    living: Mapped[str] = mapped_column(Text, default="")
    study: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    departure: Mapped[Departure] = relationship(back_populates="stints")

    AUDIT_FIELDS = (
        "valid_from",
        "destination_code",
        "flow_category",
        "address",
        "occupation",
        "industry",
        "employer",
        "wechat",
        "email",
    )

    @property
    def flow_label(self) -> str:
        return FLOW_LABELS[self.flow_category] if self.flow_category else UNKNOWN_LABEL


class DataVersion(TenantScoped, Base):
    """A random number that database triggers replace whenever a township's members, branches,
    departures or whereabouts change (migration 0009): cached census figures of the township
    are valid only while it stays the same."""

    __tablename__ = "data_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("tenant_id", name="uq_data_versions_tenant_id"),)
