"""Transfer forms: parse types; webapp.transfers.services decides what is valid."""

from flask_babel import lazy_gettext
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from webapp.forms import SafeForm, ServiceForm
from webapp.members.forms import MemberForm

NOTE = [Optional(), Length(max=500, message=lazy_gettext("不超过500个字符"))]


class TransferForm(ServiceForm):
    """发起组织关系转接."""

    organisation_id = SelectField(
        lazy_gettext("接收组织"),
        coerce=int,
        validate_choice=False,  # the service checks the organisation, with the reason it is refused
        validators=[InputRequired(lazy_gettext("请从组织目录中选择接收组织"))],
    )
    reason = TextAreaField(lazy_gettext("转接原因"), validators=NOTE)


class DecideForm(SafeForm):
    """审批: approve, or return for edits with a note."""

    note = TextAreaField(lazy_gettext("审批意见"), validators=NOTE)


class RefuseForm(SafeForm):
    """拒收 with a reason."""

    reason = TextAreaField(
        lazy_gettext("拒收原因"),
        validators=[
            InputRequired(lazy_gettext("请写明拒收的原因")),
            Length(max=500, message=lazy_gettext("不超过500个字符")),
        ],
    )


class ReceiptForm(ServiceForm):
    """登记回执 (an off-platform receiver's receipt, with a scan)."""

    letter_number = StringField(lazy_gettext("介绍信编号"))
    received_on = DateField(lazy_gettext("接收日期"), validators=[Optional()])
    reference = StringField(lazy_gettext("回执编号或经办人"))


class InboundForm(MemberForm):
    """平台外转入: the paper letter, then the handed-over fields."""

    letter_number = StringField(lazy_gettext("介绍信编号"))
    from_name = StringField(lazy_gettext("开具介绍信的组织"))
    issued_on = DateField(lazy_gettext("开具日期"), validators=[Optional()])
