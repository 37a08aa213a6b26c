"""Users with one role each, hashed API tokens, and the record of failed logins."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, Timestamped, str_enum, utcnow
from webapp.crypto import EncryptedString


class Role(enum.StrEnum):
    """The six roles; docs/permissions.md says what each may do."""

    PLATFORM_ADMIN = "platform_admin"
    COUNTY_COORDINATOR = "county_coordinator"
    TOWNSHIP_ADMIN = "township_admin"
    BRANCH_SECRETARY = "branch_secretary"
    COMMITTEE_MEMBER = "committee_member"
    MEMBER = "member"


ROLE_LABELS = {
    Role.PLATFORM_ADMIN: lazy_gettext("平台管理员"),
    Role.COUNTY_COORDINATOR: lazy_gettext("县委组织部协调员"),
    Role.TOWNSHIP_ADMIN: lazy_gettext("镇党委组织委员"),
    Role.BRANCH_SECRETARY: lazy_gettext("支部书记"),
    Role.COMMITTEE_MEMBER: lazy_gettext("支部委员"),
    Role.MEMBER: lazy_gettext("流动党员"),
}


class User(UserMixin, Timestamped, Base):
    """An account. Township roles carry tenant_id; coordinators carry county_id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, 32))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(120))  # for reminders to officers
    phone: Mapped[str | None] = mapped_column(String(20))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # second factor (webapp/auth/second_factor.py): a secret is pending until enabled_at is set
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString())
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def get_id(self) -> str:
        """Session id that changes when the password changes, ending other sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


class TokenScope(enum.StrEnum):
    """What a token may do: read only, or also write (POST, PUT, PATCH, DELETE)."""

    READ = "read"
    WRITE = "write"


SCOPE_LABELS = {TokenScope.READ: lazy_gettext("只读"), TokenScope.WRITE: lazy_gettext("读写")}


class ApiToken(Base):
    """A per-user API token with a scope and an expiry; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(str_enum(TokenScope, 8), default=TokenScope.READ)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def scope_label(self) -> str:
        return SCOPE_LABELS[self.scope]


class LoginAttempt(Base):
    """One failed login, by username and address: the record (the counting is in Redis)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
