"""Keep ID and phone numbers out of logs: a filter that masks them in every record."""

import logging
import re

from webapp.idnumber import mask_id_number, mask_phone

# one optional separator between digits, as typed or as it appears in a URL: space, tab, hyphen,
# "+" (a space in a query string) or their percent-encodings
_SEP = r"(?:[ \t+\-]|%20|%09|%2[Bb]|%2[Dd])?"
_START = r"(?:(?<![\d%])|(?<=%[0-9A-Fa-f]{2}))"
_ID = re.compile(rf"{_START}\d(?:{_SEP}\d){{16}}{_SEP}[\dXx](?![\dXx])")
_PHONE = re.compile(rf"{_START}1{_SEP}[3-9](?:{_SEP}\d){{9}}(?!\d)")
_NOT_DIGIT = re.compile(r"%[0-9A-Fa-f]{2}|[^\dXx]")
# the secret that ends an SMS receipt URL (/hooks/sms/<provider>[/<township>]/<secret>)
_RECEIPT_SECRET = re.compile(r"(/hooks/sms/(?:[^/\s?\"]+/){1,2})[^/\s?\"]+")


def _digits(found: str) -> str:
    return _NOT_DIGIT.sub("", found).upper()


def redact(text: str) -> str:
    """text with ID numbers and mobile numbers masked, also when typed with spaces or hyphens."""
    text = _RECEIPT_SECRET.sub(r"\1***", text)
    text = _ID.sub(lambda m: mask_id_number(_digits(m.group())), text)
    return _PHONE.sub(lambda m: mask_phone(_digits(m.group())), text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, arguments included, with numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    """Attach the filter to every handler of the root logger and of the known loggers."""
    flt = RedactingFilter()
    names = ["", "werkzeug", "gunicorn.access", "gunicorn.error", "celery", "celery.task"]
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(flt)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(flt)
