"""Second factor (TOTP, RFC 6238) for officer and coordinator accounts.

The secret is stored encrypted (webapp/crypto.EncryptedString). A code is accepted once: the
time step it belongs to is remembered, and a code from that step or an earlier one is refused, so
a code seen over a shoulder cannot be used again. One step of clock drift either way is allowed.
A township may require the second factor of every officer account in it (township setting
``require_second_factor``), and of the county coordinators who read it.
"""

import hmac
import time
from typing import Any

import pyotp
import segno
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from tenants.db import utcnow
from webapp.audit.services import record
from webapp.auth.access import accessible_townships
from webapp.auth.models import Role, User
from webapp.auth.services import AuthError, home_scope, verify_password

ISSUER = "连心 Lianxin"
SETTING = "require_second_factor"
OFFERED = frozenset(Role) - {Role.MEMBER}  # the accounts that manage members' records
REQUIRED_BY_TOWNSHIP = frozenset(
    {Role.TOWNSHIP_ADMIN, Role.BRANCH_SECRETARY, Role.COMMITTEE_MEMBER, Role.COUNTY_COORDINATOR}
)


def offered(user: User) -> bool:
    """Whether the account may turn on a second factor."""
    return user.role in OFFERED


def required(session: Session, user: User) -> bool:
    """Whether a township the account works in requires the second factor."""
    if user.role not in REQUIRED_BY_TOWNSHIP:
        return False
    return any((t.settings or {}).get(SETTING) for t in accessible_townships(session, user))


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace())


def matching_step(
    secret: str, code: str, after: int | None, now: float | None = None
) -> int | None:
    """The time step (within one of now) whose code this is and that is later than after."""
    code = _normalise(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(int(now if now is not None else time.time()))
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def start_setup(session: Session, user: User) -> str:
    """A new secret waiting to be confirmed by a code (the old one, if enabled, stays in force)."""
    if not offered(user):
        raise AuthError(lazy_gettext("此类账号无需启用两步验证"))
    if user.totp_enabled_at is not None:
        raise AuthError(lazy_gettext("两步验证已启用"))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        session.commit()
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """An SVG QR code of uri as a data: URI (allowed by the CSP's img-src)."""
    return segno.make(uri, error="m").svg_data_uri(border=2, dark="#111")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it in by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_setup(session: Session, user: User, code: str, ip: str) -> None:
    """Turn the second factor on once a code from the new secret is right; ends other sessions."""
    if user.totp_enabled_at is not None:
        raise AuthError(lazy_gettext("两步验证已启用"), field="code")
    if not user.totp_secret:
        raise AuthError(lazy_gettext("请重新开始设置"), field="code")
    step = matching_step(user.totp_secret, code, None)
    if step is None:
        raise AuthError(
            lazy_gettext("验证码不正确，请核对手机上的6位数字（注意手机时间是否准确）"),
            field="code",
        )
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    user.session_version += 1
    _audit(session, user, "auth.second_factor_enabled", ip)


def check_code(session: Session, user: User, code: str) -> bool:
    """True (and the code's step used up) when code is the account's current code."""
    if user.totp_enabled_at is None or not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    session.commit()
    return True


def disable(session: Session, user: User, password: str, code: str, ip: str) -> None:
    """Turn the second factor off with the password and a current code; not while required."""
    if required(session, user):
        raise AuthError(lazy_gettext("本乡镇要求启用两步验证，不能关闭"), field="code")
    if not verify_password(user, password):
        raise AuthError(lazy_gettext("当前密码不正确"), field="password")
    if not check_code(session, user, code):
        raise AuthError(lazy_gettext("验证码不正确或已使用过"), field="code")
    _clear(user)
    _audit(session, user, "auth.second_factor_disabled", ip)


def reset(session: Session, actor: Any, user: User) -> None:
    """Clear the account's second factor (a lost phone); it must be set up again at next login."""
    _clear(user)
    _audit(session, user, "auth.second_factor_reset", None, actor=actor)


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.session_version += 1


def _audit(session: Session, user: User, action: str, ip: str | None, actor: Any = None) -> None:
    with home_scope(user):
        record(
            session,
            actor or user,
            action,
            "user",
            user.id,
            tenant_id=user.tenant_id,
            ip=ip,
        )
        session.commit()
