"""Township settings form."""

from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from webapp.forms import SafeForm


class SettingsForm(SafeForm):
    """乡镇设置."""

    long_term_days = IntegerField(
        "长期在外天数",
        validators=[
            InputRequired("请填写天数"),
            NumberRange(30, 3650, "长期在外天数应为30至3650之间的整数"),
        ],
        description="外出超过这个天数的党员计为“长期在外”",
    )
    certificate_verify_months = IntegerField(
        "流动党员证验证间隔（月）",
        validators=[
            Optional(),  # left out (an older client, say): the setting stays as it is
            NumberRange(1, 24, "流动党员证验证间隔月数应为1至24之间的整数"),
        ],
        description="从上次验证（或发证）日期起，经过这么多个月应再次验证；默认6个月（每半年一次）",
    )
    started_on = DateField(
        "启用连心日期",
        validators=[Optional()],
        description="本镇开始使用连心的日期。预警名单不把此前没有录入的记录算作“未参加”“未联系”"
        "“欠缴”；不填则取第一次导入花名册的日期",
    )
    risk_warn_months = IntegerField(
        "预警提醒（月）",
        validators=[Optional(), NumberRange(1, 6, "预警提醒月数应为1至6之间的整数")],
        description="连续这么多个月未参加组织生活或欠缴党费，列入预警名单；默认3个月",
    )
    risk_red_months = IntegerField(
        "红色预警（月）",
        validators=[Optional(), NumberRange(1, 6, "红色预警月数应为1至6之间的整数")],
        description="达到这么多个月标为红色预警（党章规定为连续六个月）；默认5个月",
    )
    risk_contact_days = IntegerField(
        "未联系预警（天）",
        validators=[Optional(), NumberRange(7, 365, "未联系预警天数应为7至365之间的整数")],
        description="流动党员超过这么多天没有联系记录即列入预警名单；默认90天",
    )
    target_visit_pct = IntegerField(
        "走访覆盖率目标（%）",
        validators=[Optional(), NumberRange(0, 100, "走访覆盖率目标应为0至100之间的整数")],
        description="全镇各支部的默认目标，支部可另设；默认100%",
    )
    target_three_ones_pct = IntegerField(
        "三个一完成率目标（%）",
        validators=[Optional(), NumberRange(0, 100, "三个一完成率目标应为0至100之间的整数")],
        description="默认90%",
    )
    target_attendance_pct = IntegerField(
        "组织生活参加率目标（%）",
        validators=[Optional(), NumberRange(0, 100, "组织生活参加率目标应为0至100之间的整数")],
        description="默认80%",
    )
    letter_days_in_city = IntegerField(
        "介绍信有效期·市内（天）",
        validators=[Optional(), NumberRange(7, 90, "市内介绍信有效期应为7至90之间的整数")],
        description="转往本市（行政区划代码前四位相同）的组织时，介绍信的有效天数；默认30天",
    )
    letter_days_out_of_city = IntegerField(
        "介绍信有效期·市外（天）",
        validators=[Optional(), NumberRange(7, 180, "市外介绍信有效期应为7至180之间的整数")],
        description="转往外市的组织时，介绍信的有效天数；默认90天，最长180天",
    )
    transfer_escalate_days = IntegerField(
        "转接催办上报（天）",
        validators=[Optional(), NumberRange(3, 90, "转接催办上报天数应为3至90之间的整数")],
        description="介绍信开具后超过这么多天仍未接收或报到，提醒县委组织部；默认14天",
    )
    require_second_factor = SelectField(
        "两步验证",
        choices=[(0, "不要求"), (1, "要求本镇所有党务工作人员启用")],
        coerce=int,
        validators=[Optional()],
        description="要求后，组织委员、支部书记、支部委员和县级协调员登录时除密码外还须输入手机验证器上的验证码",
    )
