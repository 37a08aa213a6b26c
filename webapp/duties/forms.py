"""Contact, assignment and 三个一 forms: they parse types; the services decide what is valid."""

from typing import Any

from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from webapp.duties.models import CHANNEL_LABELS, STATUS_LABELS
from webapp.forms import ServiceForm


class DayField(DateField):
    """A date (YYYY-MM-DD) whose parse error speaks Chinese."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("日期格式不正确，应为 年-月-日，如 2026-03-15") from exc


class ContactForm(ServiceForm):
    """登记联系记录."""

    contacted_on = DayField("联系日期", validators=[InputRequired("请填写联系日期")])
    channel = SelectField(
        "联系方式", choices=[(k.value, v) for k, v in CHANNEL_LABELS.items()], validate_choice=False
    )
    substance = TextAreaField("联系内容")
    follow_up = TextAreaField("跟进事项")
    follow_up_due = DayField("跟进期限", validators=[Optional()])


class AssignForm(ServiceForm):
    """指定联系人."""

    officer_id = SelectField("联系人", validate_choice=False)
    valid_from = DayField("生效日期", validators=[Optional()])


class ThreeOnesForm(ServiceForm):
    """登记三个一中的一项."""

    half = HiddenField()
    kind = HiddenField()
    status = RadioField(
        "完成情况",
        choices=[
            (k.value, v if k.value == "done" else "未完成，说明原因")
            for k, v in STATUS_LABELS.items()
        ],
        validate_choice=False,
    )
    happened_on = DayField("完成日期", validators=[Optional()])
    note = StringField("完成情况")
    explanation = TextAreaField("未能完成的原因")
