"""Shared form behaviour: hand values to a service, show its field errors."""

from typing import Any

from flask_wtf import FlaskForm


class ServiceForm(FlaskForm):
    """A form whose values a service validates; the service's errors go next to the fields."""

    def data_for_service(self) -> dict[str, Any]:
        """Submitted values keyed by field name."""
        return {name: f.data for name, f in self._fields.items() if name != "csrf_token"}

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service errors next to their fields (once each)."""
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is not None and message not in field.errors:
                field.errors = [*field.errors, message]
