"""API tokens: issued with a scope and an expiry, found by digest, touched at most once a minute."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.db import utcnow
from webapp.audit.services import record
from webapp.auth.messages import _
from webapp.auth.models import ApiToken, TokenScope, User
from webapp.auth.services import AuthError, home_scope

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def is_expired(token: ApiToken, now: datetime | None = None) -> bool:
    """The token's expiry has passed."""
    return _aware(token.expires_at) <= (now or utcnow())


def do_create_token(
    session: Session,
    user: User,
    name: str,
    scope: TokenScope | str = TokenScope.READ,
    days: int = DEFAULT_TOKEN_DAYS,
) -> tuple[ApiToken, str]:
    """A new token; the clear text is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AuthError(_("令牌名称不能为空，且不超过64个字符"), field="name")
    if scope not in {s.value for s in TokenScope}:
        raise AuthError(_("权限只能是只读或读写"), field="scope")
    if not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise AuthError(_("有效期须为1至%(n)d天", n=MAX_TOKEN_DAYS), field="days")
    clear = "lx_" + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=clear[:10],
        token_hash=_digest(clear),
        scope=TokenScope(scope),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    with home_scope(user):
        after = {"name": name, "prefix": token.prefix, "scope": token.scope.value, "days": days}
        record(
            session,
            user,
            "token.created",
            "api_token",
            token.id,
            tenant_id=user.tenant_id,
            after=after,
        )
        session.commit()
    return token, clear


def own_token(session: Session, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; AuthError for anyone else's or a missing one."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise AuthError(_("令牌不存在"))
    return token


def do_revoke_token(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens (again: nothing happens)."""
    token = own_token(session, user, token_id)
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    with home_scope(user):
        record(session, user, "token.revoked", "api_token", token.id, tenant_id=user.tenant_id)
        session.commit()


def token_for_request(session: Session, clear: str) -> ApiToken | None:
    """The unrevoked, unexpired token of an active user, or None; its last use is kept."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(clear), ApiToken.revoked_at.is_(None))
    )
    now = utcnow()
    if token is None or is_expired(token, now):
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    last = token.last_used_at
    # A write per API call would dominate cheap reads; minute precision is enough for "last used".
    if last is None or now - _aware(last) >= TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now
        session.commit()
    return token
