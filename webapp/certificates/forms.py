"""Certificate forms: they parse types; webapp.certificates.services decides what is valid."""

from flask_babel import lazy_gettext
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from webapp.forms import ServiceForm


class IssueForm(ServiceForm):
    """发证 and 换证."""

    number = StringField(
        lazy_gettext("证号"),
        description=lazy_gettext("留空则自动编号：行政区划代码-年份-序号，如 330624-2026-0001"),
    )
    issued_on = DateField(
        lazy_gettext("发证日期"), validators=[InputRequired(lazy_gettext("请填写发证日期"))]
    )
    expires_on = DateField(
        lazy_gettext("有效期至"), validators=[InputRequired(lazy_gettext("请填写有效期至"))]
    )
    reason = StringField(
        lazy_gettext("外出事由"), description=lazy_gettext("如：外出务工、经商、求学")
    )
    destination = StringField(
        lazy_gettext("外出去向"), description=lazy_gettext("默认为党员当前登记的去向")
    )
    inflow_branch_id = SelectField(
        lazy_gettext("流入地支部"),
        validate_choice=False,
        description=lazy_gettext("可选：在流入地管理该党员的临时流动党支部"),
    )
    notes = TextAreaField(lazy_gettext("换证说明"))


class VerifyForm(ServiceForm):
    """验证."""

    verified_on = DateField(
        lazy_gettext("验证日期"), validators=[InputRequired(lazy_gettext("请填写验证日期"))]
    )
    branch_id = SelectField(lazy_gettext("验证支部"), validate_choice=False)
    verifier_name = StringField(lazy_gettext("验证人"))
    notes = TextAreaField(
        lazy_gettext("验证情况"),
        description=lazy_gettext("如：参加组织生活、交纳党费、思想汇报情况"),
    )


class LossForm(ServiceForm):
    """挂失."""

    lost_on = DateField(
        lazy_gettext("挂失日期"), validators=[InputRequired(lazy_gettext("请填写挂失日期"))]
    )
    notes = TextAreaField(lazy_gettext("遗失情况说明"))


class ReturnForm(ServiceForm):
    """交回."""

    returned_on = DateField(
        lazy_gettext("交回日期"), validators=[InputRequired(lazy_gettext("请填写交回日期"))]
    )
    notes = TextAreaField(
        lazy_gettext("返乡情况说明"),
        description=lazy_gettext("如：返乡务农、回村创业；向支部汇报外出期间情况"),
    )
