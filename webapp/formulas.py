"""Keep spreadsheet formulas out of what we write: a cell that begins with = + - @, a tab or a
carriage return is text, never a formula, in every CSV and workbook the project produces."""

import csv
from collections.abc import Iterable
from typing import IO, Any

from webapp.i18n import plain

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    """True for text a spreadsheet would run or reinterpret when it opens the file."""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def csv_cell(value: Any) -> Any:
    """The value for a CSV cell: formula-like text gets a leading apostrophe (OWASP's advice)."""
    value = plain(value)
    return "'" + value if looks_like_formula(value) else value


def csv_row(values: list[Any]) -> list[Any]:
    """A CSV row with every formula-like cell neutralised."""
    return [csv_cell(v) for v in values]


class SafeCsvWriter:
    """csv.writer whose rows pass through csv_row."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, formula-like cells neutralised."""
        self._writer.writerow(csv_row(list(row)))
