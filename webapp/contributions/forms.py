"""Contribution and family-support forms: they parse types; the services decide what is valid."""

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from webapp.contributions.models import CONTRIBUTION_LABELS, NEED_LABELS
from webapp.forms import ServiceForm


class ContributionForm(ServiceForm):
    """登记三个一、四带头."""

    member_id = SelectField("党员", validate_choice=False)
    kind = SelectField("类别", choices=[(k.value, v) for k, v in CONTRIBUTION_LABELS.items()])
    description = TextAreaField("具体内容")
    happened_on = DateField("日期", validators=[InputRequired("请填写日期")])


class ReviewForm(ServiceForm):
    """支部确认或退回."""

    reason = TextAreaField("退回原因")


class SupportForm(ServiceForm):
    """登记家庭帮扶需求."""

    member_id = SelectField("党员（其在家的家庭）", validate_choice=False)
    need = SelectField("需求类别", choices=[(k.value, v) for k, v in NEED_LABELS.items()])
    description = TextAreaField("需求说明")
    opened_on = DateField("登记日期", validators=[Optional()])


class SupportServiceForm(ServiceForm):
    """登记帮扶服务."""

    served_on = DateField("服务日期", validators=[InputRequired("请填写服务日期")])
    served_by = StringField("服务人/服务队")
    what = TextAreaField("服务内容")
