"""Activity forms: they parse types; the services decide what is valid."""

from flask_babel import lazy_gettext
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import TimeField
from wtforms.validators import InputRequired, Optional

from webapp.activities.models import KIND_LABELS
from webapp.forms import ServiceForm


class ActivityForm(ServiceForm):
    """安排组织生活."""

    branch_id = SelectField(lazy_gettext("支部"), validate_choice=False)
    kind = SelectField(
        lazy_gettext("活动类型"), choices=[(k.value, v) for k, v in KIND_LABELS.items()]
    )
    title = StringField(lazy_gettext("活动主题"))
    held_on = DateField(
        lazy_gettext("活动日期"), validators=[InputRequired(lazy_gettext("请填写活动日期"))]
    )
    start_time = TimeField(lazy_gettext("开始时间"), validators=[Optional()])
    place = StringField(lazy_gettext("地点"))
    online_link = StringField(lazy_gettext("线上参加链接（可选）"))


class CancelForm(ServiceForm):
    """取消活动."""

    reason = TextAreaField(lazy_gettext("取消原因"))
