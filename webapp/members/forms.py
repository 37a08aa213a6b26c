"""Member form: parses types; webapp.members.rules decides what is valid."""

from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from webapp.forms import ServiceForm
from webapp.members.models import GENDER_LABELS, STATUS_LABELS


class MemberForm(ServiceForm):
    """新增/修改党员."""

    name = StringField("姓名")
    gender = SelectField("性别", choices=[(k.value, v) for k, v in GENDER_LABELS.items()])
    id_number = StringField("身份证号")
    birth_date = DateField("出生日期", validators=[Optional()])
    ethnicity = StringField("民族", default="汉族")
    phone = StringField("手机号")
    email = StringField("电子邮箱")
    join_date = DateField("入党日期", validators=[InputRequired("请填写入党日期")])
    education = StringField("学历")
    full_on = DateField("转正日期", validators=[Optional()])
    probation_ends_on = DateField("预备期满日期", validators=[Optional()])
    branch_id = SelectField("所在支部", coerce=int, validate_choice=False)
    status = SelectField("党员状态", choices=[(k.value, v) for k, v in STATUS_LABELS.items()])
