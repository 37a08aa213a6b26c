"""Activity forms: they parse types; the services decide what is valid."""

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import TimeField
from wtforms.validators import InputRequired, Optional

from webapp.activities.models import KIND_LABELS
from webapp.forms import ServiceForm


class ActivityForm(ServiceForm):
    """安排组织生活."""

    branch_id = SelectField("支部", validate_choice=False)
    kind = SelectField("活动类型", choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    title = StringField("活动主题")
    held_on = DateField("活动日期", validators=[InputRequired("请填写活动日期")])
    start_time = TimeField("开始时间", validators=[Optional()])
    place = StringField("地点")
    online_link = StringField("线上参加链接（可选）")


class CancelForm(ServiceForm):
    """取消活动."""

    reason = TextAreaField("取消原因")
