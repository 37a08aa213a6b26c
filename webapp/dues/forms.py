"""Dues forms: they parse types; the services decide what is valid."""

from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields import MonthField
from wtforms.validators import InputRequired

from webapp.forms import ServiceForm


class RateForm(ServiceForm):
    """月缴党费."""

    monthly_amount = StringField("每月应缴（元）")
    start_month = MonthField("起缴月份", validators=[InputRequired("请填写起缴月份")])


class PaymentForm(ServiceForm):
    """党费缴纳."""

    first_month = MonthField("缴纳起始月份", validators=[InputRequired("请填写缴纳的起始月份")])
    months = IntegerField("缴纳月数", default=1, validators=[InputRequired("请填写缴纳月数")])
    amount = StringField("金额（元）")
    paid_on = DateField("缴纳日期", validators=[InputRequired("请填写缴纳日期")])
    branch_id = SelectField("缴纳地点（支部）", validate_choice=False)
    receipt_note = StringField("收据说明")


class BulkRateForm(RateForm):
    """批量设定月缴党费: the members come from the page's ticks or its filters."""
