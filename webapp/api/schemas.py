"""Marshmallow schemas of the API: what goes in, what comes out."""

from flask import g
from marshmallow import fields, validate

from webapp.api.base import Schema
from webapp.auth.permissions import can

CHINESE = {"required": "必填", "null": "不能为空", "invalid": "格式不正确"}


def _f(field_cls: type[fields.Field], **kwargs: object) -> fields.Field:
    return field_cls(error_messages=CHINESE, **kwargs)


class PageArgs(Schema):
    """?page=&per_page=&q="""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, error="页码从1开始"))
    per_page = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=100, error="每页1至100条")
    )
    q = fields.String(load_default="")


class PageMeta(Schema):
    """Where the page sits."""

    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class TownshipIn(Schema):
    """Create or update a township (platform admin)."""

    name = _f(
        fields.String, required=True, validate=validate.Length(min=1, max=64, error="1至64个字符")
    )
    slug = _f(
        fields.String,
        required=True,
        validate=validate.Regexp(
            r"^[a-z0-9][a-z0-9-]{1,62}$", error="小写字母、数字和连字符，2至63位"
        ),
    )
    division_code = _f(
        fields.String,
        required=True,
        validate=validate.Regexp(r"^\d{6}$", error="应为6位行政区划代码"),
    )
    county_id = _f(fields.Integer, required=True)


class TownshipOut(Schema):
    """A township."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    division_code = fields.String()
    county_id = fields.Integer()


class TownshipPage(Schema):
    """A page of townships."""

    items = fields.List(fields.Nested(TownshipOut))
    meta = fields.Nested(PageMeta)


class BranchIn(Schema):
    """Create or update a branch."""

    name = _f(
        fields.String, required=True, validate=validate.Length(min=1, max=64, error="1至64个字符")
    )
    kind = _f(
        fields.String,
        load_default="regular",
        validate=validate.OneOf(["regular", "mobile"], error="只能是 regular 或 mobile"),
    )
    secretary_name = _f(fields.String, load_default="", validate=validate.Length(max=32))
    phone = _f(
        fields.String,
        load_default="",
        validate=validate.Regexp(r"^([0-9\-]{7,20})?$", error="只能包含数字和“-”，7至20位"),
    )
    location = _f(fields.String, load_default="", validate=validate.Length(max=128))


class BranchOut(Schema):
    """A branch."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.Function(lambda b: b.kind.value)
    secretary_name = fields.String()
    phone = fields.String()
    location = fields.String()


class BranchPage(Schema):
    """A page of branches."""

    items = fields.List(fields.Nested(BranchOut))
    meta = fields.Nested(PageMeta)


class MemberIn(Schema):
    """Create or update a member; webapp.members.rules checks the rest."""

    name = _f(fields.String, required=True)
    gender = _f(fields.String, required=True)
    id_number = _f(fields.String, required=True)
    birth_date = _f(fields.Date, required=True)
    ethnicity = _f(fields.String, load_default="汉族")
    phone = _f(fields.String, load_default="")
    email = _f(fields.String, load_default="")
    join_date = _f(fields.Date, required=True)
    branch_id = _f(fields.Integer, required=True)
    status = _f(fields.String, load_default="full")


class MemberOut(Schema):
    """A member; ID and phone numbers are always masked here.

    The full birth date is given only to a caller who may see the full ID number (member.reveal);
    everyone else gets birth_year and a null birth_date, so the mask cannot be filled back in.
    """

    id = fields.Integer()
    name = fields.String()
    gender = fields.Function(lambda m: m.gender.value)
    birth_date = fields.Function(
        lambda m: (
            m.birth_date.isoformat() if can(g.api_user, "member.reveal", m.branch_id) else None
        )
    )
    birth_year = fields.Integer()
    ethnicity = fields.String()
    id_number = fields.String(attribute="id_number_masked")
    phone = fields.String(attribute="phone_masked")
    email = fields.String()
    join_date = fields.Date()
    branch_id = fields.Integer()
    status = fields.Function(lambda m: m.status.value)


class MemberPage(Schema):
    """A page of members."""

    items = fields.List(fields.Nested(MemberOut))
    meta = fields.Nested(PageMeta)


class TownshipPatch(TownshipIn):
    """Partial township update."""


class BranchPatch(BranchIn):
    """Partial branch update."""


class MemberPatch(MemberIn):
    """Partial member update."""
