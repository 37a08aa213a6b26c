"""Organisation: one entry of the directory every township searches.

The directory is the one table all townships read: it holds organisational data only (name,
place, contact, whether it accepts now), never members. Each entry is maintained by the township
that added it (owner_township_id); other townships read it and cannot change it. An entry either
stands for a branch on the platform (branch_id) or for an organisation off it.
"""

import enum

from flask_babel import lazy_gettext
from sqlalchemy import Boolean, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum
from tenants.models import Township


class OrganisationKind(enum.StrEnum):
    """What an entry stands for."""

    BRANCH = "branch"  # a branch of a township on the platform
    MOBILE_BRANCH = "mobile_branch"  # a temporary mobile branch on the platform
    OFF_PLATFORM = "off_platform"  # an organisation not on the platform


KIND_LABELS = {
    OrganisationKind.BRANCH: lazy_gettext("平台内党支部"),
    OrganisationKind.MOBILE_BRANCH: lazy_gettext("流动党员临时党支部"),
    OrganisationKind.OFF_PLATFORM: lazy_gettext("平台外组织"),
}


class Organisation(Timestamped, Base):
    """组织目录条目."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(
        ForeignKey("branches.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, 16))
    name: Mapped[str] = mapped_column(String(64), index=True)
    division_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    national_ref: Mapped[str] = mapped_column(String(32), default="")  # 全国党员管理信息系统
    accepting: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    owner: Mapped[Township] = relationship()

    AUDIT_FIELDS = (
        "name",
        "division_code",
        "address",
        "contact_name",
        "phone",
        "national_ref",
        "accepting",
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]
