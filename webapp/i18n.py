"""Translation helpers: labels made in Python follow the request's language (zh_CN or en).

Chinese is the source language. Module-level labels use lazy_gettext (rendered in the locale of
the request that shows them); request-time code uses gettext. Anything serialized (JSON, the
database, audit entries, task results) goes through plain() first: a lazy string is never stored.
"""

from collections.abc import Mapping
from typing import Any

from flask import has_request_context, session
from flask_babel import LazyString
from flask_babel import gettext as gettext
from flask_babel import lazy_gettext as lazy_gettext

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


def select_locale() -> str:
    """The session's language in a request; Chinese in workers and on the command line."""
    if not has_request_context():
        return DEFAULT_LOCALE
    lang = session.get("lang")
    return lang if lang in LOCALES else DEFAULT_LOCALE


def plain(value: Any) -> Any:
    """value with every lazy string (also inside dicts, lists and tuples) turned into str."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value)
    return value
