"""Contribution and family-support forms: they parse types; the services decide what is valid."""

from flask_babel import lazy_gettext
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from webapp.contributions.models import CONTRIBUTION_LABELS, NEED_LABELS
from webapp.forms import ServiceForm


class ContributionForm(ServiceForm):
    """登记三个一、四带头."""

    member_id = SelectField(lazy_gettext("党员"), validate_choice=False)
    kind = SelectField(
        lazy_gettext("类别"), choices=[(k.value, v) for k, v in CONTRIBUTION_LABELS.items()]
    )
    description = TextAreaField(lazy_gettext("具体内容"))
    happened_on = DateField(
        lazy_gettext("日期"), validators=[InputRequired(lazy_gettext("请填写日期"))]
    )


class ReviewForm(ServiceForm):
    """支部确认或退回."""

    reason = TextAreaField(lazy_gettext("退回原因"))


class SupportForm(ServiceForm):
    """登记家庭帮扶需求."""

    member_id = SelectField(lazy_gettext("党员（其在家的家庭）"), validate_choice=False)
    need = SelectField(
        lazy_gettext("需求类别"), choices=[(k.value, v) for k, v in NEED_LABELS.items()]
    )
    description = TextAreaField(lazy_gettext("需求说明"))
    opened_on = DateField(lazy_gettext("登记日期"), validators=[Optional()])


class SupportServiceForm(ServiceForm):
    """登记帮扶服务."""

    served_on = DateField(
        lazy_gettext("服务日期"), validators=[InputRequired(lazy_gettext("请填写服务日期"))]
    )
    served_by = StringField(lazy_gettext("服务人/服务队"))
    what = TextAreaField(lazy_gettext("服务内容"))
