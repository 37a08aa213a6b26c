"""Authentication writes: password hashing, throttled login, password change, API tokens."""

import functools
import hashlib
import secrets
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.context import tenant_context
from tenants.db import utcnow
from webapp.audit.services import record
from webapp.auth.models import ApiToken, LoginAttempt, Role, User
from webapp.auth.passwords import password_problem
from webapp.auth.throttle import LoginThrottle, ThrottleUnavailable

_hasher = PasswordHasher()  # argon2id with the library's current defaults
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


class AuthError(ValueError):
    """A login, password or token problem, with a message for the user and the field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _home(user: User) -> AbstractContextManager[object]:
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
    try:
        return _hasher.verify(user.password_hash if user else _dummy_hash(), password) and (
            user is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def do_login(
    session: Session, username: str, password: str, ip: str, throttle: LoginThrottle
) -> User:
    """The user for these credentials, or AuthError; every attempt is counted before it is tried."""
    username = username.strip()
    try:
        allowed = throttle.reserve(username, ip)
    except ThrottleUnavailable as exc:
        raise AuthError("登录服务暂时不可用，请稍后再试") from exc
    if not allowed:
        raise AuthError(f"登录失败次数过多，请 {throttle.lock_minutes} 分钟后再试")
    user = session.scalar(select(User).where(User.username == username))
    if not verify_password(user, password) or user is None or not user.is_active:
        session.add(LoginAttempt(username=username, ip=ip))  # the record of failed logins
        session.commit()
        raise AuthError("用户名或密码不正确")
    try:
        throttle.succeeded(username, ip)
    except ThrottleUnavailable as exc:
        raise AuthError("登录服务暂时不可用，请稍后再试") from exc
    with _home(user):
        record(session, user, "auth.login", "user", user.id, tenant_id=user.tenant_id, ip=ip)
        session.commit()
    return user


def do_logout(session: Session, user: User) -> None:
    """End every session of the user: a copied session cookie no longer names the current version."""
    user.session_version += 1
    with _home(user):
        record(session, user, "auth.logout", "user", user.id, tenant_id=user.tenant_id)
        session.commit()


def do_set_active(session: Session, actor: User | None, user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions at once."""
    if user.is_active_account == active:
        return
    user.is_active_account = active
    if not active:
        user.session_version += 1
    with _home(user):
        action = "user.enabled" if active else "user.disabled"
        record(session, actor, action, "user", user.id, tenant_id=user.tenant_id)
        session.commit()


def do_change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password and end every other session of the user."""
    if not verify_password(user, current):
        raise AuthError("当前密码不正确", field="current")
    problem = password_problem(new, user.username)
    if problem:
        raise AuthError(problem, field="new")
    user.password_hash = hash_password(new)
    user.session_version += 1
    user.password_changed_at = utcnow()
    with _home(user):
        record(session, user, "auth.password_changed", "user", user.id, tenant_id=user.tenant_id)
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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the clear text is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AuthError("令牌名称不能为空，且不超过64个字符")
    clear = "lx_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=clear[:10], token_hash=_digest(clear))
    session.add(token)
    session.flush()
    with _home(user):
        record(
            session,
            user,
            "token.created",
            "api_token",
            token.id,
            tenant_id=user.tenant_id,
            after={"name": name, "prefix": token.prefix},
        )
        session.commit()
    return token, clear


def do_revoke_token(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise AuthError("令牌不存在")
    token.revoked_at = utcnow()
    with _home(user):
        record(session, user, "token.revoked", "api_token", token.id, tenant_id=user.tenant_id)
        session.commit()


def user_for_token(session: Session, clear: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(clear), ApiToken.revoked_at.is_(None))
    )
    if token is None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)  # SQLite hands back naive UTC
    # A write per API call would dominate cheap reads; minute precision is enough for "last used".
    if last is None or now - last > TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now
        session.commit()
    return user
