"""The base of every API schema: text and whole numbers are checked in one place.

Every String field refuses NUL bytes, lone surrogates and control characters (a Multiline field
keeps tab and newline); every Integer field is bounded to its 32-bit column. The error is keyed by
the field's name, like any other validation error. Every schema in webapp/api derives from this
Schema (tests/test_bad_input_fuzz.py checks that).
"""

from collections.abc import Iterator
from typing import Any

import marshmallow
from marshmallow import ValidationError, fields
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from webapp.inputs import int_problem, text_problem


class Multiline(fields.String):
    """Text that may span lines (notes, descriptions): tab and newline are allowed."""


class _Text:
    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: str) -> None:
        problem = text_problem(value, self.multiline)
        if problem:
            raise ValidationError(problem)


def _whole_number(value: int) -> None:
    problem = int_problem(value)
    if problem:
        raise ValidationError(problem)


def _leaves(field: fields.Field) -> Iterator[fields.Field]:
    """field and the fields inside a List, Tuple or Dict."""
    yield field
    if isinstance(field, fields.List):
        yield from _leaves(field.inner)
    elif isinstance(field, fields.Tuple):
        for inner in field.tuple_fields:
            yield from _leaves(inner)
    elif isinstance(field, fields.Dict):
        for inner in (field.key_field, field.value_field):
            if inner is not None:
                yield from _leaves(inner)


class Schema(marshmallow.Schema):
    """A marshmallow Schema whose text and integer fields get the shared input rules."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """Add the text or number rule to the field (each schema instance has its own copies)."""
        for field in _leaves(field_obj):
            if isinstance(field, fields.String):
                field.validators.insert(0, _Text(isinstance(field, Multiline)))
            elif isinstance(field, fields.Integer):
                field.validators.insert(0, _whole_number)


class SafeParser(FlaskParser):
    """Reads the body through request.get_json, so it is parsed once, by webapp.safejson."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req) or not req.get_data(cache=True):
            return core.missing
        return req.get_json(force=True)
