"""Transfer forms: parse types; webapp.transfers.services decides what is valid."""

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from webapp.forms import SafeForm, ServiceForm
from webapp.members.forms import MemberForm

NOTE = [Optional(), Length(max=500, message="不超过500个字符")]


class TransferForm(ServiceForm):
    """发起组织关系转接."""

    organisation_id = SelectField(
        "接收组织",
        coerce=int,
        validate_choice=False,  # the service checks the organisation, with the reason it is refused
        validators=[InputRequired("请从组织目录中选择接收组织")],
    )
    reason = TextAreaField("转接原因", validators=NOTE)


class DecideForm(SafeForm):
    """审批: approve, or return for edits with a note."""

    note = TextAreaField("审批意见", validators=NOTE)


class RefuseForm(SafeForm):
    """拒收 with a reason."""

    reason = TextAreaField(
        "拒收原因",
        validators=[InputRequired("请写明拒收的原因"), Length(max=500, message="不超过500个字符")],
    )


class ReceiptForm(ServiceForm):
    """登记回执 (an off-platform receiver's receipt, with a scan)."""

    letter_number = StringField("介绍信编号")
    received_on = DateField("接收日期", validators=[Optional()])
    reference = StringField("回执编号或经办人")


class InboundForm(MemberForm):
    """平台外转入: the paper letter, then the handed-over fields."""

    letter_number = StringField("介绍信编号")
    from_name = StringField("开具介绍信的组织")
    issued_on = DateField("开具日期", validators=[Optional()])
