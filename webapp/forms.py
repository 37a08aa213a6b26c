"""Shared form behaviour: the input rules of every field, handing values to a service, its errors.

Every form derives from SafeForm, whose fields are bound with the shared rules of webapp.inputs:
text is trimmed (so whitespace alone counts as empty) and may not hold NUL bytes or control
characters (a TextAreaField keeps tab and newline), and whole numbers are bounded to their 32-bit
column. Passwords are checked but never trimmed.
"""

from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, Form, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import ValidationError

from webapp.inputs import int_problem, text_problem


def _trim(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _named(field: Field, problem: str) -> str:
    return _("%(label)s%(problem)s", label=field.label.text, problem=problem)


class _Rules:
    """No NUL, lone surrogates or control characters in text; whole numbers within 32 bits.

    Checks the field's data whatever the field type: a SelectField may coerce to int, a multiple
    select holds a list.
    """

    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, form: Form, field: Field) -> None:
        values = field.data if isinstance(field.data, list | tuple) else [field.data]
        for value in values:
            problem = None
            if isinstance(value, str):
                problem = text_problem(value, self.multiline)
            elif isinstance(value, int) and not isinstance(value, bool):
                problem = int_problem(value)
            if problem:
                raise ValidationError(_named(field, problem))


class SafeForm(FlaskForm):
    """A FlaskForm whose fields carry the shared input rules."""

    class Meta:
        def bind_field(
            self, form: Form, unbound_field: UnboundField, options: dict[str, Any]
        ) -> Field:
            """Bind as usual, then add the trim filter and the text or number rule."""
            field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                field.filters = (*field.filters, _trim)
            field.validators = [*field.validators, _Rules(isinstance(field, TextAreaField))]
            return field


def show_errors(form: Form, errors: dict[str, str]) -> None:
    """A service's errors next to their fields (once each); one that names no field of the form
    goes to the form's own errors (form_errors), shown above it."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is None:
            if message not in form.form_errors:
                form.form_errors.append(message)
        elif message not in field.errors:
            field.errors = [*field.errors, message]


class ServiceForm(SafeForm):
    """A form whose values a service validates; the service's errors go next to the fields."""

    def data_for_service(self) -> dict[str, Any]:
        """Submitted values keyed by field name."""
        return {name: f.data for name, f in self._fields.items() if name != "csrf_token"}

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service errors next to their fields (once each); see show_errors."""
        show_errors(self, errors)
