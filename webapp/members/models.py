"""Member: one person on a branch's register; ID and phone numbers are encrypted with blind indexes."""

import enum
from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped
from webapp.branches.models import Branch
from webapp.crypto import EncryptedString, keyring
from webapp.idnumber import mask_id_number, mask_phone


class Gender(enum.StrEnum):
    """性别."""

    MALE = "male"
    FEMALE = "female"


class MemberStatus(enum.StrEnum):
    """Where the member stands on the register."""

    FULL = "full"
    PROBATIONARY = "probationary"
    TRANSFERRED_OUT = "transferred_out"
    DECEASED = "deceased"


GENDER_LABELS = {Gender.MALE: lazy_gettext("男"), Gender.FEMALE: lazy_gettext("女")}
STATUS_LABELS = {
    MemberStatus.FULL: lazy_gettext("正式党员"),
    MemberStatus.PROBATIONARY: lazy_gettext("预备党员"),
    MemberStatus.TRANSFERRED_OUT: lazy_gettext("已转出"),
    MemberStatus.DECEASED: lazy_gettext("已去世"),
}


EMPTY = text("''")
ACTIVE_SQL = "status IN ('full','probationary')"


def phone_index_of(phone: str) -> str:
    """The blind index of a phone number ("" when there is none)."""
    phone = phone.strip()
    return keyring.blind_index(phone, "phone") if phone else ""


class Member(TenantScoped, Timestamped, Base):
    """党员."""

    __tablename__ = "members"
    __table_args__ = (
        # one person, one active register across the whole deployment
        Index(
            "uq_members_active_id_number",
            "id_number_index",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, 8))
    birth_date: Mapped[date]
    ethnicity: Mapped[str] = mapped_column(String(16), default="汉族")
    id_number: Mapped[str] = mapped_column(EncryptedString())
    id_number_index: Mapped[str] = mapped_column(String(64), index=True)
    # Fernet ciphertext; phone_index (HMAC, "" for no phone) finds a member by exact number
    phone: Mapped[str] = mapped_column(EncryptedString(), default="", server_default=EMPTY)
    phone_index: Mapped[str] = mapped_column(
        String(64), default="", server_default=EMPTY, index=True
    )
    email: Mapped[str] = mapped_column(String(120), default="")
    join_date: Mapped[date]
    # handed over with a transfer: 学历, 转正日期 (full members), 预备期满日期 (probationary)
    education: Mapped[str] = mapped_column(String(16), default="", server_default=EMPTY)
    full_on: Mapped[date | None]
    probation_ends_on: Mapped[date | None]
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, 20), default=MemberStatus.FULL
    )

    branch: Mapped[Branch] = relationship()

    # the audit log is read by roles that see only masked numbers: the birth year, not the date
    AUDIT_FIELDS = (
        "name",
        "gender",
        "birth_year",
        "ethnicity",
        "branch_id",
        "email",
        "join_date",
        "education",
        "full_on",
        "probation_ends_on",
        "status",
    )

    def set_id_number(self, value: str) -> None:
        """Store the encrypted number and its blind index together."""
        self.id_number = value
        self.id_number_index = keyring.blind_index(value)

    @validates("phone")
    def _index_phone(self, key: str, value: str | None) -> str:
        """Every assignment of a phone keeps its blind index in step."""
        value = (value or "").strip()
        self.phone_index = phone_index_of(value)
        return value

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def birth_year(self) -> int:
        """What a viewer who sees only the masked ID number is told of the birth date."""
        return self.birth_date.year

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def gender_label(self) -> str:
        return GENDER_LABELS[self.gender]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
