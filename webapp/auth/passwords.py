"""The password rule: long enough, not a common password, not the username; no composition rules."""

import functools
from pathlib import Path

from webapp.auth.messages import _

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MIN_USERNAME_IN_PASSWORD = 3  # shorter usernames are too likely to occur by chance
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, in lower case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why password may not be set for username, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("密码至少需要 %(n)d 个字符", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("密码不能超过 %(n)d 个字符", n=MAX_PASSWORD_LENGTH)
    if password.strip().lower() in common_passwords():
        return _("这个密码过于常见，很容易被猜中，请换一个")
    name = (username or "").strip().lower()
    if len(name) >= MIN_USERNAME_IN_PASSWORD and name in password.lower():
        return _("密码不能包含用户名")
    return None
