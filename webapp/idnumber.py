"""Resident ID numbers (GB 11643-1999): checksum validation and masking of ID and phone numbers."""

import re
from datetime import date

from flask_babel import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize(value: str) -> str:
    """Upper-case, without spaces or hyphens."""
    return value.strip().replace(" ", "").replace("-", "").upper()


def id_number_problem(value: str) -> str | None:
    """A Chinese message saying what is wrong with the ID number, or None when it is valid."""
    value = normalize(value)
    if not _ID_RE.match(value):
        return _("身份证号应为18位，前17位为数字，最后一位为数字或X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _("身份证号中的出生日期无效")
    if born > date.today() or born.year < 1900:
        return _("身份证号中的出生日期无效")
    if check_digit(value[:17]) != value[17]:
        return _("身份证号校验位不正确，请核对")
    return None


def birth_date_of(value: str) -> date:
    """The birth date encoded in a valid ID number."""
    value = normalize(value)
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


SHOWN_ID_CHARS = 6


def mask_id_number(value: str | None) -> str:
    """330102************: only the region code is kept (docs/security.md, "Masking").

    The birth date, the sequence number and the check digit (12 characters) are hidden.  The
    region is what the member's hometown already tells; the birth date is shown only to those
    who may see the full number, so nothing else on a masked view gives the hidden part back.
    """
    if not value:
        return ""
    return value[:SHOWN_ID_CHARS] + "*" * (len(value) - SHOWN_ID_CHARS)


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
