"""Township settings form."""

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange


class SettingsForm(FlaskForm):
    """乡镇设置."""

    long_term_days = IntegerField(
        "长期在外天数",
        validators=[
            InputRequired("请填写天数"),
            NumberRange(30, 3650, "长期在外天数应为30至3650之间的整数"),
        ],
        description="外出超过这个天数的党员计为“长期在外”",
    )
