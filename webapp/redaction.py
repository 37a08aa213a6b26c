"""Keep ID and phone numbers out of logs: a filter that masks them in every record."""

import logging
import re

from webapp.idnumber import mask_id_number, mask_phone

_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# the secret that ends an SMS receipt URL (/hooks/sms/<provider>[/<township>]/<secret>)
_RECEIPT_SECRET = re.compile(r"(/hooks/sms/(?:[^/\s?\"]+/){1,2})[^/\s?\"]+")


def redact(text: str) -> str:
    """text with ID numbers and mobile numbers masked."""
    text = _RECEIPT_SECRET.sub(r"\1***", text)
    text = _ID.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


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
