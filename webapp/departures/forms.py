"""Departure, move and return forms: they parse types; the services decide what is valid.
Also the census date (?as_of=), read with a message for the page's date field."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from wtforms import BooleanField, DateField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from webapp.certificates.returns import CHOICES as CARD_CHOICES
from webapp.forms import ServiceForm


class _StintFields(ServiceForm):
    address = StringField(
        lazy_gettext("去向地址"),
        description=lazy_gettext(
            "如：浙江省杭州市萧山区某街道某号；只知道省或市时填到省市即可（如：广东深圳）；"
            "留空并勾选“去向不明”表示不知去向"
        ),
    )
    whereabouts_unknown = BooleanField(lazy_gettext("去向不明"))
    occupation = StringField(lazy_gettext("从事职业"))
    industry = StringField(lazy_gettext("所在行业"))
    employer = StringField(lazy_gettext("工作单位"))
    phone = StringField(lazy_gettext("联系电话"))
    wechat = StringField(lazy_gettext("微信号"))
    email = StringField(lazy_gettext("电子邮箱"))
    living = TextAreaField(lazy_gettext("生活情况"))
    study = TextAreaField(lazy_gettext("学习情况"))
    notes = TextAreaField(lazy_gettext("备注"))


class DepartureForm(_StintFields):
    """外出登记."""

    departed_on = DateField(
        lazy_gettext("外出日期"), validators=[InputRequired(lazy_gettext("请填写外出日期"))]
    )
    expected_return = DateField(lazy_gettext("预计返回日期"), validators=[Optional()])


class MoveForm(_StintFields):
    """去向变更."""

    moved_on = DateField(
        lazy_gettext("变更日期"), validators=[InputRequired(lazy_gettext("请填写变更日期"))]
    )


class ReturnForm(ServiceForm):
    """返回登记."""

    returned_on = DateField(
        lazy_gettext("返回日期"), validators=[InputRequired(lazy_gettext("请填写返回日期"))]
    )
    certificate = RadioField(
        lazy_gettext("流动党员证"),
        choices=list(CARD_CHOICES.items()),
        validators=[Optional()],
        validate_choice=False,
    )
    notes = TextAreaField(lazy_gettext("返回情况说明"))


EARLIEST_CENSUS_DATE = date(
    1921, 7, 1
)  # no member joined before; and long-term cut-offs stay dates


def census_date(raw: str | None, today: date) -> tuple[date, str | None]:
    """The census date asked for (today when blank), or today and a message naming the field
    when the text is not a date or the date is still to come."""
    text = (raw or "").strip()
    if not text:
        return today, None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return today, _(
            "统计日期格式应为 YYYY-MM-DD（如 %(value)s），下面是今天的统计", value=today.isoformat()
        )
    if day > today:
        return today, _(
            "统计日期不能晚于今天（%(value)s），下面是今天的统计", value=today.isoformat()
        )
    if day < EARLIEST_CENSUS_DATE:
        return today, _("统计日期不能早于1921年7月1日，下面是今天的统计")
    return day, None
