"""Query arguments shared by pages: the statistics date."""

from datetime import date

from flask import abort, request
from flask_babel import gettext as _

EARLIEST = date(1921, 7, 1)  # nothing on a party register is older; earlier dates overflow


def as_of_arg() -> date:
    """?as_of=YYYY-MM-DD, today by default; 400 with a Chinese message for a bad or future date."""
    raw = request.args.get("as_of", "")
    try:
        day = date.fromisoformat(raw) if raw else date.today()
    except ValueError:
        abort(400, description=_("日期格式应为 YYYY-MM-DD"))
    if day > date.today():
        abort(400, description=_("统计日期不能晚于今天"))
    if day < EARLIEST:
        abort(400, description=_("统计日期不能早于%(EARLIEST)s", EARLIEST=EARLIEST))
    return day
