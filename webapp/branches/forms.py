"""Branch form."""

from flask_babel import lazy_gettext
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from webapp.branches.models import BRANCH_KIND_LABELS
from webapp.forms import SafeForm


class BranchForm(SafeForm):
    """新建/修改支部."""

    name = StringField(
        lazy_gettext("支部名称"),
        validators=[
            DataRequired(lazy_gettext("请填写支部名称")),
            Length(max=64, message=lazy_gettext("支部名称不超过64个字符")),
        ],
    )
    kind = SelectField(
        lazy_gettext("类型"), choices=[(k.value, v) for k, v in BRANCH_KIND_LABELS.items()]
    )
    secretary_name = StringField(
        lazy_gettext("支部书记"),
        validators=[Optional(), Length(max=32, message=lazy_gettext("不超过32个字符"))],
    )
    phone = StringField(
        lazy_gettext("联系电话"),
        validators=[
            Optional(),
            Regexp(r"^[0-9\-]{7,20}$", message=lazy_gettext("联系电话只能包含数字和“-”，7至20位")),
        ],
    )
    location = StringField(
        lazy_gettext("所在地"),
        validators=[Optional(), Length(max=128, message=lazy_gettext("不超过128个字符"))],
    )

    def data_for_service(self) -> dict[str, str]:
        """The fields a Branch takes."""
        return {
            "name": self.name.data.strip(),
            "kind": self.kind.data,
            "secretary_name": (self.secretary_name.data or "").strip(),
            "phone": (self.phone.data or "").strip(),
            "location": (self.location.data or "").strip(),
        }
