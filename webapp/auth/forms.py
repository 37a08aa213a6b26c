"""Login, password and token forms."""

from flask_babel import lazy_gettext
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange

from webapp.auth.tokens import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from webapp.forms import SafeForm


class LoginForm(SafeForm):
    """用户名 + 密码."""

    username = StringField(
        lazy_gettext("用户名"),
        validators=[DataRequired(lazy_gettext("请输入用户名")), Length(max=64)],
    )
    password = PasswordField(
        lazy_gettext("密码"), validators=[DataRequired(lazy_gettext("请输入密码")), Length(max=256)]
    )


class PasswordForm(SafeForm):
    """修改密码."""

    current = PasswordField(
        lazy_gettext("当前密码"), validators=[DataRequired(lazy_gettext("请输入当前密码"))]
    )
    new = PasswordField(
        lazy_gettext("新密码"),
        validators=[DataRequired(lazy_gettext("请输入新密码")), Length(max=256)],
    )
    confirm = PasswordField(
        lazy_gettext("确认新密码"),
        validators=[
            DataRequired(lazy_gettext("请再次输入新密码")),
            EqualTo("new", lazy_gettext("两次输入的新密码不一致")),
        ],
    )


class TokenForm(SafeForm):
    """新建API令牌."""

    name = StringField(
        lazy_gettext("令牌名称"),
        validators=[
            DataRequired(lazy_gettext("请填写令牌名称")),
            Length(max=64, message=lazy_gettext("名称不超过64个字符")),
        ],
    )
    scope = SelectField(
        lazy_gettext("权限"),
        choices=[
            ("read", lazy_gettext("只读")),
            ("write", lazy_gettext("读写（可新增、修改、删除）")),
        ],
        default="read",
    )
    days = IntegerField(
        lazy_gettext("有效期（天）"),
        default=DEFAULT_TOKEN_DAYS,
        validators=[
            InputRequired(lazy_gettext("请填写有效期")),
            NumberRange(
                1,
                MAX_TOKEN_DAYS,
                lazy_gettext("有效期须为1至%(MAX_TOKEN_DAYS)s天", MAX_TOKEN_DAYS=MAX_TOKEN_DAYS),
            ),
        ],
    )


class CodeForm(SafeForm):
    """两步验证: the 6-digit code from the authenticator app."""

    code = StringField(
        lazy_gettext("验证码"),
        validators=[DataRequired(lazy_gettext("请输入手机验证器上的6位验证码")), Length(max=16)],
    )


class DisableSecondFactorForm(CodeForm):
    """关闭两步验证: the password and a current code."""

    password = PasswordField(
        lazy_gettext("当前密码"), validators=[DataRequired(lazy_gettext("请输入当前密码"))]
    )
