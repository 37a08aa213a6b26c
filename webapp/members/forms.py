"""Member form: parses types; webapp.members.rules decides what is valid."""

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired

from webapp.members.models import GENDER_LABELS, STATUS_LABELS


class MemberForm(FlaskForm):
    """新增/修改党员."""

    name = StringField("姓名")
    gender = SelectField("性别", choices=[(k.value, v) for k, v in GENDER_LABELS.items()])
    id_number = StringField("身份证号")
    birth_date = DateField("出生日期", validators=[InputRequired("请填写出生日期")])
    ethnicity = StringField("民族", default="汉族")
    phone = StringField("手机号")
    email = StringField("电子邮箱")
    join_date = DateField("入党日期", validators=[InputRequired("请填写入党日期")])
    branch_id = SelectField("所在支部", coerce=int, validate_choice=False)
    status = SelectField("党员状态", choices=[(k.value, v) for k, v in STATUS_LABELS.items()])

    def data_for_service(self) -> dict[str, Any]:
        """The submitted values, keyed as the member rules expect."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service-level errors next to their fields."""
        for name, message in errors.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, message]
