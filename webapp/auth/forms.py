"""Login, password and token forms."""

from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange

from webapp.auth.tokens import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from webapp.forms import SafeForm


class LoginForm(SafeForm):
    """用户名 + 密码."""

    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=256)])


class PasswordForm(SafeForm):
    """修改密码."""

    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=256)])
    confirm = PasswordField(
        "确认新密码",
        validators=[DataRequired("请再次输入新密码"), EqualTo("new", "两次输入的新密码不一致")],
    )


class TokenForm(SafeForm):
    """新建API令牌."""

    name = StringField(
        "令牌名称",
        validators=[DataRequired("请填写令牌名称"), Length(max=64, message="名称不超过64个字符")],
    )
    scope = SelectField(
        "权限",
        choices=[("read", "只读"), ("write", "读写（可新增、修改、删除）")],
        default="read",
    )
    days = IntegerField(
        "有效期（天）",
        default=DEFAULT_TOKEN_DAYS,
        validators=[
            InputRequired("请填写有效期"),
            NumberRange(1, MAX_TOKEN_DAYS, f"有效期须为1至{MAX_TOKEN_DAYS}天"),
        ],
    )


class CodeForm(SafeForm):
    """两步验证: the 6-digit code from the authenticator app."""

    code = StringField(
        "验证码",
        validators=[DataRequired("请输入手机验证器上的6位验证码"), Length(max=16)],
    )


class DisableSecondFactorForm(CodeForm):
    """关闭两步验证: the password and a current code."""

    password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
