"""Directory forms: an organisation's entry, and a new temporary mobile branch."""

from typing import Any

from flask_babel import lazy_gettext
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from webapp.forms import SafeForm


class OrganisationForm(SafeForm):
    """组织目录条目 (the services check every field again, with the same messages)."""

    name = StringField(
        lazy_gettext("组织名称"),
        validators=[
            DataRequired(lazy_gettext("请填写组织名称")),
            Length(max=64, message=lazy_gettext("组织名称不超过64个字符")),
        ],
    )
    division_code = StringField(
        lazy_gettext("所在地行政区划代码"),
        validators=[
            DataRequired(lazy_gettext("请填写所在地的行政区划代码（6位）")),
            Length(max=12),
        ],
        description=lazy_gettext("6位县级代码，如 330624（新昌县）、440305（深圳市南山区）"),
    )
    address = StringField(
        lazy_gettext("地址"),
        validators=[Optional(), Length(max=200, message=lazy_gettext("地址不超过200个字符"))],
    )
    contact_name = StringField(
        lazy_gettext("联系人"),
        validators=[Optional(), Length(max=32, message=lazy_gettext("联系人不超过32个字符"))],
    )
    phone = StringField(lazy_gettext("联系电话"), validators=[Optional(), Length(max=20)])
    national_ref = StringField(
        lazy_gettext("全国党员管理信息系统编号"),
        validators=[Optional(), Length(max=32, message=lazy_gettext("编号不超过32个字符"))],
        description=lazy_gettext("可选：该组织在全国党员管理信息系统中的编号"),
    )
    accepting = BooleanField(lazy_gettext("目前接收流动党员"), default=True)

    def data_for_service(self) -> dict[str, Any]:
        """The values the directory services take."""
        return {name: self[name].data for name in self._fields if name != "csrf_token"}


class MobileBranchForm(OrganisationForm):
    """新建流动党员临时党支部: a branch of this township, listed in the directory at once."""

    name = StringField(
        lazy_gettext("支部名称"),
        validators=[
            DataRequired(lazy_gettext("请填写支部名称")),
            Length(max=64, message=lazy_gettext("支部名称不超过64个字符")),
        ],
        description=lazy_gettext("如：柯桥轻纺城流动党员临时党支部"),
    )

    host = StringField(
        lazy_gettext("依托单位"),
        validators=[
            DataRequired(lazy_gettext("请填写依托单位")),
            Length(max=64, message=lazy_gettext("依托单位不超过64个字符")),
        ],
        description=lazy_gettext("临时党支部设在哪里：企业、产业园区、居住小区或商圈的名称"),
    )
    secretary_name = StringField(
        lazy_gettext("支部书记"),
        validators=[Optional(), Length(max=32, message=lazy_gettext("不超过32个字符"))],
    )
