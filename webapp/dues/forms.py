"""Dues forms: they parse types; the services decide what is valid."""

from flask_babel import lazy_gettext
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields import MonthField
from wtforms.validators import InputRequired

from webapp.forms import ServiceForm


class RateForm(ServiceForm):
    """月缴党费."""

    monthly_amount = StringField(lazy_gettext("每月应缴（元）"))
    start_month = MonthField(
        lazy_gettext("起缴月份"), validators=[InputRequired(lazy_gettext("请填写起缴月份"))]
    )


class PaymentForm(ServiceForm):
    """党费缴纳."""

    first_month = MonthField(
        lazy_gettext("缴纳起始月份"),
        validators=[InputRequired(lazy_gettext("请填写缴纳的起始月份"))],
    )
    months = IntegerField(
        lazy_gettext("缴纳月数"),
        default=1,
        validators=[InputRequired(lazy_gettext("请填写缴纳月数"))],
    )
    amount = StringField(lazy_gettext("金额（元）"))
    paid_on = DateField(
        lazy_gettext("缴纳日期"), validators=[InputRequired(lazy_gettext("请填写缴纳日期"))]
    )
    branch_id = SelectField(lazy_gettext("缴纳地点（支部）"), validate_choice=False)
    receipt_note = StringField(lazy_gettext("收据说明"))


class BulkRateForm(RateForm):
    """批量设定月缴党费: the members come from the page's ticks or its filters."""
