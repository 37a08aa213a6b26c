"""What every text and whole number that comes in must satisfy, in API schemas and forms alike.

PostgreSQL refuses NUL bytes and lone surrogates in text and integers beyond its columns, so they
are stopped here with a message naming the field instead of failing inside the database. Every
integer column is 32-bit (ids, counts, days), so that is the bound unless a field says otherwise.
"""

import re
from typing import Any

from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters (C0, DEL, C1); multiline text may keep tab, newline and carriage return.
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why value cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return _("不能包含空字符（NUL）")
    if _SURROGATE.search(value):
        return _("含有无效的字符（不成对的代理码位）")
    if (_CONTROL_MULTILINE if multiline else _CONTROL_LINE).search(value):
        return _("不能包含控制字符") if multiline else _("不能包含换行、制表符或其他控制字符")
    return None


def int_problem(value: int, low: int = INT32_MIN, high: int = INT32_MAX) -> str | None:
    """Why value does not fit its column, or None when it does."""
    if low <= value <= high:
        return None
    return _("数值超出允许范围（%(low)s 至 %(high)s）", low=low, high=high)


class BoundedIntConverter(IntegerConverter):
    """<int:...> in URLs: an id beyond a 32-bit column is simply not found (404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)


def as_id(value: Any) -> int | None:
    """A row id from text ("12"), or None for anything else: not ASCII digits, or beyond 32 bits."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(INT32_MAX)):
        return None
    number = int(text)
    return number if 0 < number <= INT32_MAX else None
