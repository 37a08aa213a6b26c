"""Authentication writes: password hashing, throttled login, logout, password change, accounts."""

import functools
import secrets
from contextlib import AbstractContextManager, nullcontext

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenants.context import tenant_context
from tenants.db import utcnow
from webapp.audit.services import record
from webapp.auth.models import ApiToken, LoginAttempt, Role, User
from webapp.auth.passwords import password_problem
from webapp.auth.throttle import LoginThrottle, ThrottleUnavailable

_hasher = PasswordHasher()  # argon2id with the library's current defaults


class AuthError(ValueError):
    """A login, password or token problem, with a message for the user and the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def home_scope(user: User) -> AbstractContextManager[object]:
    """The user's own township scope, for audit entries written outside any township page."""
    return tenant_context(user.tenant_id) if user.tenant_id is not None else nullcontext()


def hash_password(password: str) -> str:
    """An argon2id hash."""
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random secret with the same algorithm and cost as real ones."""
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(user: User | None, password: str) -> bool:
    """True when password matches; never raises for a bad hash.

    For an unknown user (None) the password is checked against a dummy hash of the same cost,
    so that the answer takes as long as for a real account and does not tell which exist.
    """
    stored = user.password_hash if user is not None else _dummy_hash()
    try:
        matched = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and user is not None


def do_login(
    session: Session, username: str, password: str, ip: str, throttle: LoginThrottle
) -> User:
    """The user for these credentials, or AuthError; every attempt is counted before it is tried.

    The login is finished (and audited) by complete_login, after the second factor if any.
    """
    username = username.strip()
    try:
        allowed = throttle.reserve(username, ip)
    except ThrottleUnavailable as exc:
        raise AuthError(_("登录服务暂时不可用，请稍后再试")) from exc
    if not allowed:
        raise AuthError(
            _(
                "登录失败次数过多，请 %(lock_minutes)s 分钟后再试",
                lock_minutes=throttle.lock_minutes,
            )
        )
    user = session.scalar(select(User).where(User.username == username))
    if not verify_password(user, password) or user is None or not user.is_active:
        session.add(LoginAttempt(username=username, ip=ip))  # the record of failed logins
        session.commit()
        raise AuthError(_("用户名或密码不正确"))
    try:
        throttle.succeeded(username, ip)
    except ThrottleUnavailable as exc:
        raise AuthError(_("登录服务暂时不可用，请稍后再试")) from exc
    return user


def complete_login(session: Session, user: User, ip: str, second_factor: bool = False) -> None:
    """Audit a finished login: the password, and the second factor when the account has one."""
    with home_scope(user):
        after = {"second_factor": True} if second_factor else None
        record(
            session,
            user,
            "auth.login",
            "user",
            user.id,
            tenant_id=user.tenant_id,
            ip=ip,
            after=after,
        )
        session.commit()


def do_logout(session: Session, user: User) -> None:
    """End every session of the user: a copied session cookie no longer names the current version."""
    user.session_version += 1
    with home_scope(user):
        record(session, user, "auth.logout", "user", user.id, tenant_id=user.tenant_id)
        session.commit()


def do_set_active(session: Session, actor: User | None, user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions at once."""
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        user.session_version += 1
    with home_scope(user):
        action = "user.enabled" if active else "user.disabled"
        record(session, actor, action, "user", user.id, tenant_id=user.tenant_id)
        session.commit()


def do_change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password, end every other session of the user and revoke their API tokens."""
    if not verify_password(user, current):
        raise AuthError(_("当前密码不正确"), field="current")
    problem = password_problem(new, user.username)
    if problem:
        raise AuthError(problem, field="new")
    now = utcnow()
    user.password_hash = hash_password(new)
    user.session_version += 1
    user.password_changed_at = now
    tokens = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    with home_scope(user):
        after = {"tokens_revoked": tokens.rowcount}
        record(
            session,
            user,
            "auth.password_changed",
            "user",
            user.id,
            tenant_id=user.tenant_id,
            after=after,
        )
        session.commit()


def do_create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    tenant_id: int | None = None,
    county_id: int | None = None,
    branch_id: int | None = None,
    member_id: int | None = None,
) -> User:
    """Create an account (no commit: the caller owns the transaction); AuthError for a weak password."""
    if problem := password_problem(password, username):
        raise AuthError(problem, field="password")
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        tenant_id=tenant_id,
        county_id=county_id,
        branch_id=branch_id,
        member_id=member_id,
    )
    session.add(user)
    session.flush()
    return user
