"""/api/v1/t/<slug>/...: departures and whereabouts of a member, the mobile list, the census."""

from datetime import date
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
from webapp.auth.permissions import branch_limit, can
from webapp.departures.census import compute_census, long_term_days
from webapp.departures.queries import MobileFilters, mobile_members, trips_of
from webapp.departures.services import DepartureInvalid, do_move, do_register_departure, do_return
from webapp.extensions import db
from webapp.members.models import Member

blp = api_blueprint("api_departures", __name__, "", township=True)


class AsOfArgs(Schema):
    """?as_of=YYYY-MM-DD (default today)."""

    as_of = fields.Date(load_default=None, error_messages=CHINESE)


class MobileArgs(PageArgs, AsOfArgs):
    """Filters of the mobile list."""

    branch_id = fields.Integer(load_default=None)
    category = fields.String(load_default="")
    destination = fields.String(load_default="")
    status = fields.String(
        load_default="away", validate=validate.OneOf(["away", "overdue", "returned"])
    )


class StintIn(Schema):
    """Where the member is: the address is parsed into a division code."""

    address = fields.String(load_default="", validate=validate.Length(max=200))
    whereabouts_unknown = fields.Boolean(load_default=False)
    occupation = fields.String(load_default="")
    industry = fields.String(load_default="")
    employer = fields.String(load_default="")
    phone = fields.String(load_default="")
    wechat = fields.String(load_default="")
    email = fields.String(load_default="")
    living = Multiline(load_default="")
    study = Multiline(load_default="")
    notes = Multiline(load_default="")


class DepartureIn(StintIn):
    """外出登记."""

    departed_on = fields.Date(required=True, error_messages=CHINESE)
    expected_return = fields.Date(load_default=None)


class MoveIn(StintIn):
    """去向变更."""

    moved_on = fields.Date(required=True, error_messages=CHINESE)


class ReturnIn(Schema):
    """返回登记."""

    returned_on = fields.Date(required=True, error_messages=CHINESE)
    notes = Multiline(load_default="")
    certificate = fields.String(
        load_default=None,
        metadata={"description": "持有效流动党员证时必填：return 交回 / keep 暂不交回"},
    )


class StintOut(Schema):
    """One stretch of whereabouts (phone omitted)."""

    valid_from = fields.Date()
    valid_to = fields.Date()
    address = fields.String()
    destination_code = fields.String()
    flow_category = fields.Function(lambda w: w.flow_category.value if w.flow_category else None)
    flow_label = fields.String()
    occupation = fields.String()
    industry = fields.String()
    employer = fields.String()


class TripOut(Schema):
    """One trip and its stints."""

    id = fields.Integer()
    departed_on = fields.Date()
    expected_return = fields.Date()
    returned_on = fields.Date()
    stints = fields.List(fields.Nested(StintOut))


class MobileRowOut(Schema):
    """A member away (or returned) with the stint of the day."""

    member_id = fields.Function(lambda r: r[0].id)
    name = fields.Function(lambda r: r[0].name)
    departed_on = fields.Function(lambda r: r[1].departed_on.isoformat())
    returned_on = fields.Function(
        lambda r: r[1].returned_on.isoformat() if r[1].returned_on else None
    )
    address = fields.Function(lambda r: r[2].address if r[2] else "")
    flow_category = fields.Function(
        lambda r: r[2].flow_category.value if r[2] and r[2].flow_category else None
    )


class MobilePage(Schema):
    """A page of the mobile list."""

    items = fields.List(fields.Nested(MobileRowOut))
    meta = fields.Dict()


def _long_term_days() -> int:
    return long_term_days(g.township)


def _member(member_id: int, action: str) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(g.api_user, action, member.branch_id):
        abort(404, message="页面或记录不存在")
    return member


def _day(value: date | None) -> date:
    day = value or date.today()
    if day > date.today():
        unprocessable({"as_of": "统计日期不能晚于今天"})
    return day


@blp.route("/census")
class CensusResource(MethodView):
    """流动党员统计."""

    @blp.arguments(AsOfArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The census of this township on as_of."""
        require_api("census.view")
        return compute_census(db.session, _day(args["as_of"]), _long_term_days()).as_dict()


@blp.route("/mobile")
class MobileList(MethodView):
    """流动党员 list."""

    @blp.arguments(MobileArgs, location="query")
    @blp.response(200, MobilePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Members away (or returned) on as_of, filtered."""
        require_api("member.view")
        limit = branch_limit(g.api_user, "member.view")
        filters = MobileFilters(
            as_of=_day(args["as_of"]),
            branch_id=limit if limit is not None else args["branch_id"],
            category=args["category"],
            destination=args["destination"],
            status=args["status"],
            q=args["q"],
        )
        return page_of(mobile_members(filters), args, rows=True)


@blp.route("/members/<int:member_id>/departures")
class Trips(MethodView):
    """A member's trips."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TripOut(many=True))
    def get(self, args: dict[str, Any], member_id: int) -> list[Any]:
        """Every trip, newest first."""
        member = _member(member_id, "member.view")
        return list(db.session.scalars(trips_of(member.id)))

    @blp.arguments(DepartureIn)
    @blp.response(201, TripOut)
    def post(self, data: dict[str, Any], member_id: int) -> Any:
        """外出登记."""
        member = _member(member_id, "departure.manage")
        try:
            return do_register_departure(db.session, g.api_user, g.township, member, data)
        except DepartureInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/members/<int:member_id>/departures/move")
class Move(MethodView):
    """去向变更."""

    @blp.arguments(MoveIn)
    @blp.response(201, StintOut)
    def post(self, data: dict[str, Any], member_id: int) -> Any:
        """Record that the member moved."""
        member = _member(member_id, "departure.manage")
        try:
            return do_move(db.session, g.api_user, g.township, member, data)
        except DepartureInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/members/<int:member_id>/departures/return")
class Return(MethodView):
    """返回登记."""

    @blp.arguments(ReturnIn)
    @blp.response(200, TripOut)
    def post(self, data: dict[str, Any], member_id: int) -> Any:
        """Record that the member came home."""
        member = _member(member_id, "departure.manage")
        try:
            return do_return(db.session, g.api_user, member, data)
        except DepartureInvalid as exc:
            unprocessable(exc.errors)
