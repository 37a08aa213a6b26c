"""/api/v1/t/<slug>/...: the organisation directory and a member's placements."""

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate

from tenants.access import get_in_tenant
from webapp.api import api_blueprint
from webapp.api.base import Multiline, Schema
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.schemas import CHINESE, PageArgs
from webapp.auth.permissions import can
from webapp.directory.models import OrganisationKind
from webapp.directory.services import DirectoryError, do_add_organisation, search
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements.models import EndReason, Placement
from webapp.placements.services import (
    PlacementInvalid,
    do_end,
    do_place,
    do_report_in,
    history,
)

blp = api_blueprint("api_placements", __name__, "", township=True)


class DirectoryArgs(PageArgs):
    """?q=&place=&kind=&accepting="""

    place = fields.String(load_default="", validate=validate.Length(max=40))
    kind = fields.String(
        load_default="", validate=validate.OneOf(["", *(k.value for k in OrganisationKind)])
    )
    accepting = fields.Boolean(load_default=False)


class OrganisationIn(Schema):
    """An off-platform organisation."""

    name = fields.String(required=True, validate=validate.Length(max=64), error_messages=CHINESE)
    division_code = fields.String(
        required=True, validate=validate.Length(max=12), error_messages=CHINESE
    )
    address = fields.String(load_default="", validate=validate.Length(max=200))
    contact_name = fields.String(load_default="", validate=validate.Length(max=32))
    phone = fields.String(load_default="", validate=validate.Length(max=20))
    national_ref = fields.String(load_default="", validate=validate.Length(max=32))
    accepting = fields.Boolean(load_default=True)


class OrganisationOut(Schema):
    """A directory entry: organisational data only."""

    id = fields.Integer()
    kind = fields.Function(lambda o: o.kind.value)
    name = fields.String()
    division_code = fields.String()
    address = fields.String()
    contact_name = fields.String()
    phone = fields.String()
    national_ref = fields.String()
    accepting = fields.Boolean()
    township = fields.Function(lambda o: o.owner.name)


class DirectoryPage(Schema):
    """A page of the directory."""

    items = fields.List(fields.Nested(OrganisationOut))
    meta = fields.Dict()


class PlaceIn(Schema):
    """安排到流入地组织."""

    organisation_id = fields.Integer(required=True, error_messages=CHINESE)
    placed_on = fields.Date(required=True, error_messages=CHINESE)
    note = Multiline(load_default="", validate=validate.Length(max=500))


class ReportIn(Schema):
    """登记报到."""

    reported_on = fields.Date(required=True, error_messages=CHINESE)
    reported_by = fields.String(load_default="", validate=validate.Length(max=64))


class EndIn(Schema):
    """结束安排."""

    closed_on = fields.Date(required=True, error_messages=CHINESE)
    end_reason = fields.String(
        required=True,
        validate=validate.OneOf([r.value for r in EndReason if r != EndReason.REFUSED]),
        error_messages=CHINESE,
    )
    note = Multiline(load_default="", validate=validate.Length(max=500))


class PlacementOut(Schema):
    """One placement."""

    id = fields.Integer()
    member_id = fields.Integer()
    organisation = fields.Nested(OrganisationOut)
    status = fields.Function(lambda p: p.status.value)
    placed_on = fields.Date()
    reported_on = fields.Date()
    closed_on = fields.Date()
    end_reason = fields.Function(lambda p: p.end_reason.value if p.end_reason else None)


def _member(member_id: int, action: str) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(g.api_user, action, member.branch_id):
        abort(404, message="页面或记录不存在")
    return member


def _placement(placement_id: int) -> Placement:
    require_api("placement.manage")
    placement = get_in_tenant(db.session, Placement, placement_id)
    _member(placement.member_id, "placement.manage")
    return placement


@blp.route("/directory")
class Directory(MethodView):
    """组织目录."""

    @blp.arguments(DirectoryArgs, location="query")
    @blp.response(200, DirectoryPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Entries of every township, by name, place, kind and whether they accept now."""
        require_api("directory.view")
        stmt = search(args["q"], args["place"], args["kind"], args["accepting"])
        return page_of(stmt, args)

    @blp.arguments(OrganisationIn)
    @blp.response(201, OrganisationOut)
    def post(self, data: dict[str, Any]) -> Any:
        """添加平台外组织."""
        require_api("directory.manage")
        try:
            return do_add_organisation(db.session, g.api_user, g.township, data)
        except DirectoryError as exc:
            unprocessable(exc.errors)


@blp.route("/members/<int:member_id>/placements")
class Placements(MethodView):
    """A member's placements."""

    @blp.response(200, PlacementOut(many=True))
    def get(self, member_id: int) -> list[Placement]:
        """Every placement of the member, newest first."""
        return history(db.session, _member(member_id, "member.view").id)

    @blp.arguments(PlaceIn)
    @blp.response(201, PlacementOut)
    def post(self, data: dict[str, Any], member_id: int) -> Any:
        """安排到流入地组织."""
        require_api("placement.manage")
        member = _member(member_id, "placement.manage")
        try:
            return do_place(db.session, g.api_user, member, data)
        except PlacementInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/placements/<int:placement_id>/report")
class ReportInResource(MethodView):
    """登记报到 (off-platform organisations)."""

    @blp.arguments(ReportIn)
    @blp.response(200, PlacementOut)
    def post(self, data: dict[str, Any], placement_id: int) -> Any:
        """The member reported in, as the off-platform organisation told the branch."""
        try:
            return do_report_in(db.session, g.api_user, _placement(placement_id), data)
        except PlacementInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/placements/<int:placement_id>/end")
class EndResource(MethodView):
    """结束安排."""

    @blp.arguments(EndIn)
    @blp.response(200, PlacementOut)
    def post(self, data: dict[str, Any], placement_id: int) -> Any:
        """End the placement with a date and a reason."""
        try:
            return do_end(db.session, g.api_user, _placement(placement_id), data)
        except PlacementInvalid as exc:
            unprocessable(exc.errors)
