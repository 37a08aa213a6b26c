"""Member form: parses types; webapp.members.rules decides what is valid."""

from flask_babel import lazy_gettext
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from webapp.forms import ServiceForm
from webapp.members.models import GENDER_LABELS, STATUS_LABELS


class MemberForm(ServiceForm):
    """新增/修改党员."""

    name = StringField(lazy_gettext("姓名"))
    gender = SelectField(
        lazy_gettext("性别"), choices=[(k.value, v) for k, v in GENDER_LABELS.items()]
    )
    id_number = StringField(lazy_gettext("身份证号"))
    birth_date = DateField(lazy_gettext("出生日期"), validators=[Optional()])
    ethnicity = StringField(lazy_gettext("民族"), default="汉族")
    phone = StringField(lazy_gettext("手机号"))
    email = StringField(lazy_gettext("电子邮箱"))
    join_date = DateField(
        lazy_gettext("入党日期"), validators=[InputRequired(lazy_gettext("请填写入党日期"))]
    )
    education = StringField(lazy_gettext("学历"))
    full_on = DateField(lazy_gettext("转正日期"), validators=[Optional()])
    probation_ends_on = DateField(lazy_gettext("预备期满日期"), validators=[Optional()])
    branch_id = SelectField(lazy_gettext("所在支部"), coerce=int, validate_choice=False)
    status = SelectField(
        lazy_gettext("党员状态"), choices=[(k.value, v) for k, v in STATUS_LABELS.items()]
    )
