"""Request bodies in JSON are parsed once, within limits: size, nesting depth, number length.

The app's JSON provider (SafeJSONProvider) parses with loads, so request.get_json does; the API's
argument parser reads that cached result (webapp.api.base.SafeParser). A hostile body is refused
with a 400 before anything else looks at it, instead of failing inside the JSON parser.
"""

import json
import math
import re
from itertools import accumulate
from typing import Any, NoReturn

from flask import Request, current_app
from flask.json.provider import DefaultJSONProvider
from flask_babel import LazyString
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 50
DEFAULT_MAX_BYTES = 1024 * 1024

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonRefused(ValueError):
    """A JSON body outside the limits; str() is the message for the caller."""


def _depth(text: str) -> int:
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_CHARS:
        raise JsonRefused(_("数字过长（最多%(n)s位）", n=MAX_NUMBER_CHARS))
    return int(digits)


def _float(literal: str) -> float:
    number = float(literal) if len(literal) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(number):
        raise JsonRefused(_("数字过长或超出范围（最多%(n)s个字符）", n=MAX_NUMBER_CHARS))
    return number


def _constant(name: str) -> NoReturn:
    raise JsonRefused(_("不支持的数值：%(name)s", name=name))


def loads(data: str | bytes, **kwargs: Any) -> Any:
    """json.loads within the limits; JsonRefused (a ValueError) when the body is outside them."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    except UnicodeDecodeError:
        raise JsonRefused(_("请求体不是有效的 UTF-8 编码")) from None
    if _depth(text) > MAX_DEPTH:
        raise JsonRefused(_("JSON 嵌套过深（最多%(n)s层）", n=MAX_DEPTH))
    kwargs.update(parse_int=_int, parse_float=_float, parse_constant=_constant)
    return json.loads(text, **kwargs)


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, parsing within the limits."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """loads() above."""
        return loads(s, **kwargs)

    @staticmethod
    def default(o: Any) -> Any:
        """Lazy (translated) strings as str; everything else as Flask does."""
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)


class SafeRequest(Request):
    """A request whose JSON body is size-capped; a body refused by loads answers 400."""

    @property
    def max_content_length(self) -> int | None:
        """JSON bodies get the smaller JSON_MAX_BYTES cap (1 MB unless configured)."""
        cap = super().max_content_length
        if not self.is_json or not current_app:
            return cap
        json_cap = current_app.config.get("JSON_MAX_BYTES", DEFAULT_MAX_BYTES)
        return json_cap if cap is None else min(cap, json_cap)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """400 with the limit that was broken, or a plain 'not valid JSON'."""
        if e is None:
            return super().on_json_loading_failed(e)
        if isinstance(e, JsonRefused):
            raise BadRequest(description=str(e))
        raise BadRequest(description=_("请求体不是有效的 JSON"))
