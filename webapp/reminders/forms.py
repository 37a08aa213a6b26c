"""Reminder forms: they parse; webapp.reminders.services decides what is valid."""

from flask_babel import lazy_gettext
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField

from webapp.forms import ServiceForm

CHANNEL_CHOICES = [
    ("", lazy_gettext("自动（有手机号用短信，否则电子邮件或站内消息）")),
    ("sms", lazy_gettext("短信")),
    ("email", lazy_gettext("电子邮件")),
    ("inapp", lazy_gettext("站内消息")),
]


class DeliveryForm(ServiceForm):
    """Quiet hours, caps, SMS signature (the rules' switches are read from the request)."""

    quiet_hours = StringField(
        lazy_gettext("短信免打扰时段"), description=lazy_gettext("如 21:00-08:00；紧急提醒不受此限")
    )
    sms_per_number_daily = IntegerField(lazy_gettext("每个号码每日短信上限"))
    sms_per_township_daily = IntegerField(lazy_gettext("本乡镇每日短信上限"))
    sign_name = StringField(
        lazy_gettext("短信签名"),
        description=lazy_gettext("留空使用系统默认签名；须为服务商已审核的签名"),
    )


class TemplateForm(ServiceForm):
    """One rule's wording on one channel."""

    channel = HiddenField()
    subject = StringField(lazy_gettext("标题"))
    body = TextAreaField(lazy_gettext("正文"))


class SmsTemplateForm(ServiceForm):
    """The provider's approved template id and how its variables map onto placeholders."""

    template_id = StringField(
        lazy_gettext("服务商模板编号"),
        description=lazy_gettext("如阿里云 SMS_465001，腾讯云 2001001"),
    )
    params = TextAreaField(
        lazy_gettext("变量对应"),
        description=lazy_gettext(
            "每行一个：服务商变量名=占位符，如 name=name；腾讯云变量名为 1、2、3……"
        ),
    )


class PreferenceForm(ServiceForm):
    """How a recipient wants reminders."""

    channel = SelectField(lazy_gettext("接收方式"), choices=CHANNEL_CHOICES)
    declines_optional = BooleanField(lazy_gettext("不接收非必要提醒（必要的提醒仍会发送）"))
    clear_invalid = BooleanField(lazy_gettext("清除“号码/邮箱无效”标记（已核实联系方式无误）"))


class ContactForm(ServiceForm):
    """An officer's own contact details, for reminders addressed to them."""

    email = StringField(lazy_gettext("电子邮箱"))
    phone = StringField(lazy_gettext("手机号"))
