"""套打位置: where fill-print puts each value on the township's pre-printed letters, in mm from
the page's top-left corner. Only what differs from DEFAULT_POSITIONS is kept, in the township
setting ``letter_positions``; every change is audited."""

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record
from webapp.transfers.letters import DEFAULT_POSITIONS, PAGE_MM, positions

PARTS = {
    "stub": lazy_gettext("存根"),
    "letter": lazy_gettext("介绍信"),
    "receipt": lazy_gettext("回执"),
}
FIELDS = {
    "number": lazy_gettext("编号"),
    "name": lazy_gettext("姓名"),
    "gender": lazy_gettext("性别"),
    "age": lazy_gettext("年龄"),
    "ethnicity": lazy_gettext("民族"),
    "standing": lazy_gettext("正式/预备"),
    "id_number": lazy_gettext("身份证号"),
    "from_org": lazy_gettext("转出组织"),
    "to_org": lazy_gettext("接收组织"),
    "dues_year": lazy_gettext("党费交至·年"),
    "dues_month": lazy_gettext("党费交至·月"),
    "days": lazy_gettext("有效天数"),
    "year": lazy_gettext("日期·年"),
    "month": lazy_gettext("日期·月"),
    "day": lazy_gettext("日期·日"),
    "addressee": lazy_gettext("抬头"),
}


def label(key: str) -> str:
    """存根·姓名 for stub.name."""
    part, field = key.split(".", 1)
    return f"{PARTS.get(part, part)}·{FIELDS.get(field, field)}"


def rows(township: Township) -> list[tuple[str, str, list[float], bool]]:
    """(key, label, [x, y], changed from the default) for every position, in print order."""
    current = positions(township)
    return [
        (k, label(k), current[k], current[k] != DEFAULT_POSITIONS[k]) for k in DEFAULT_POSITIONS
    ]


def _number(value: Any, high: float) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= high else None


def do_set_positions(
    session: Session, actor: Any, township: Township, form: dict[str, Any]
) -> dict[str, str]:
    """Save the positions in form ("<key>.x", "<key>.y"); field -> message when any is wrong,
    and then nothing is saved. reset=1 goes back to the defaults."""
    custom: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    if not form.get("reset"):
        for key, default in DEFAULT_POSITIONS.items():
            x = _number(form.get(f"{key}.x", default[0]), PAGE_MM[0])
            y = _number(form.get(f"{key}.y", default[1]), PAGE_MM[1])
            if x is None or y is None:
                errors[key] = _(
                    "%(value)s：横向应为0至%(value2)s、纵向应为0至%(value3)s的毫米数",
                    value=label(key),
                    value2=PAGE_MM[0],
                    value3=PAGE_MM[1],
                )
            elif [x, y] != default:
                custom[key] = [x, y]
    if errors:
        return errors
    before = dict(township.settings or {})
    township.settings = {**before, "letter_positions": custom}
    record(
        session,
        actor,
        "township.settings_changed",
        "township",
        township.id,
        tenant_id=township.id,
        before={"letter_positions": before.get("letter_positions", {})},
        after={"letter_positions": custom},
    )
    session.commit()
    return {}
