"""Messages of the auth services: translated in a request, as written (Chinese) elsewhere."""

from flask import has_request_context
from flask_babel import gettext


def _(message: str, **values: int) -> str:
    """The message in the request's language; the command line and workers have no request."""
    return gettext(message, **values) if has_request_context() else message % values
