"""Branch: belongs to one township; regular or a temporary mobile branch."""

import enum

from flask_babel import lazy_gettext
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped


class BranchKind(enum.StrEnum):
    """Regular branch or 临时流动党支部."""

    REGULAR = "regular"
    MOBILE = "mobile"


BRANCH_KIND_LABELS = {
    BranchKind.REGULAR: lazy_gettext("党支部"),
    BranchKind.MOBILE: lazy_gettext("临时流动党支部"),
}


class Branch(TenantScoped, Timestamped, Base):
    """党支部."""

    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[BranchKind] = mapped_column(str_enum(BranchKind, 16), default=BranchKind.REGULAR)
    secretary_name: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    location: Mapped[str] = mapped_column(String(128), default="")

    @property
    def kind_label(self) -> str:
        return BRANCH_KIND_LABELS[self.kind]

    AUDIT_FIELDS = ("name", "kind", "secretary_name", "phone", "location")
