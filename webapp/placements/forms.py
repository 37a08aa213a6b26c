"""Placement forms: place, report-in, end."""

from flask_babel import lazy_gettext
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from webapp.forms import SafeForm
from webapp.placements.models import END_LABELS, OUTCOME_LABELS, OUTCOMES, RECORD_LABELS, EndReason


class PlaceForm(SafeForm):
    """安排到流入地组织."""

    organisation_id = SelectField(
        lazy_gettext("流入地组织"),
        coerce=int,
        validate_choice=False,  # the service checks the organisation, with the reason it is refused
        validators=[InputRequired(lazy_gettext("请从组织目录中选择流入地组织"))],
    )
    placed_on = DateField(
        lazy_gettext("安排日期"), validators=[InputRequired(lazy_gettext("请填写安排日期"))]
    )
    note = TextAreaField(
        lazy_gettext("说明"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("说明不超过500个字符"))],
    )


class ReportInForm(SafeForm):
    """登记报到 (an off-platform organisation's word, entered by the home branch)."""

    reported_on = DateField(
        lazy_gettext("报到日期"), validators=[InputRequired(lazy_gettext("请填写报到日期"))]
    )
    reported_by = StringField(
        lazy_gettext("流入地联系人"),
        validators=[Optional(), Length(max=64, message=lazy_gettext("不超过64个字符"))],
    )


class EndForm(SafeForm):
    """结束流入地安排."""

    closed_on = DateField(
        lazy_gettext("结束日期"), validators=[InputRequired(lazy_gettext("请填写结束日期"))]
    )
    end_reason = SelectField(
        lazy_gettext("结束原因"),
        choices=[("", lazy_gettext("请选择"))]
        + [(k.value, v) for k, v in END_LABELS.items() if k != EndReason.REFUSED],
        validators=[InputRequired(lazy_gettext("请选择结束原因"))],
    )
    note = TextAreaField(
        lazy_gettext("说明"),
        validators=[Optional(), Length(max=500, message=lazy_gettext("说明不超过500个字符"))],
    )


class BulkPlaceForm(SafeForm):
    """批量安排: the organisation and the date for every member ticked."""

    organisation_id = SelectField(
        lazy_gettext("流入地组织"),
        coerce=int,
        validate_choice=False,  # the service checks the organisation, with the reason
        validators=[InputRequired(lazy_gettext("请从组织目录中选择流入地组织"))],
    )
    placed_on = DateField(
        lazy_gettext("安排日期"), validators=[InputRequired(lazy_gettext("请填写安排日期"))]
    )


class ConfirmForm(SafeForm):
    """确认报到 (the inflow branch)."""

    reported_on = DateField(
        lazy_gettext("报到日期"), validators=[InputRequired(lazy_gettext("请填写报到日期"))]
    )


class RefuseForm(SafeForm):
    """拒收 (the inflow branch), only when the certificate fails verification."""

    reason = TextAreaField(
        lazy_gettext("拒收原因"),
        validators=[
            InputRequired(lazy_gettext("请写明拒收原因")),
            Length(max=500, message=lazy_gettext("原因不超过500个字符")),
        ],
        description=lazy_gettext(
            "写明流动党员证验证不通过的情况，如：无流动党员证、证件已挂失、逾期未验证"
        ),
    )


class RecordForm(SafeForm):
    """登记流入地记录 (the service checks which fields each kind needs)."""

    kind = SelectField(
        lazy_gettext("记录类型"),
        choices=[("", lazy_gettext("请选择")), *((k.value, v) for k, v in RECORD_LABELS.items())],
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("请选择记录类型"))],
    )
    happened_on = DateField(
        lazy_gettext("日期"), validators=[InputRequired(lazy_gettext("请填写日期"))]
    )
    title = StringField(
        lazy_gettext("活动名称或事项"),
        validators=[Optional(), Length(max=100, message=lazy_gettext("不超过100个字符"))],
    )
    outcome = SelectField(
        lazy_gettext("参加情况或评议等次"),
        choices=[
            ("", "—"),
            *((o, OUTCOME_LABELS[o]) for values in OUTCOMES.values() for o in values),
        ],
        validate_choice=False,  # the service says which outcomes the kind takes
        validators=[Optional()],
    )
    amount = StringField(lazy_gettext("党费金额（元）"), validators=[Optional(), Length(max=12)])
    note = TextAreaField(
        lazy_gettext("说明或评议意见"),
        validators=[Optional(), Length(max=1000, message=lazy_gettext("不超过1000个字符"))],
    )
