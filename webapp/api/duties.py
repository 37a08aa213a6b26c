"""/api/v1/t/<slug>/duties/... and /three-ones/...: assignments, contacts, coverage, 三个一."""

from datetime import date
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate
from sqlalchemy import select

from tenants.access import get_in_tenant
from webapp.api import api_blueprint
from webapp.api.base import Multiline, Schema
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.schemas import CHINESE, PageArgs
from webapp.auth.permissions import branch_limit, can
from webapp.branches.models import Branch
from webapp.duties.assignments import do_assign, do_auto_assign, do_end_assignment
from webapp.duties.board import compute_board, items_of
from webapp.duties.models import ContactChannel, ThreeOnesKind, ThreeOnesStatus
from webapp.duties.periods import Half, PeriodInvalid, Quarter, pick_half, pick_quarter
from webapp.duties.queries import (
    assignment_history,
    compute_coverage,
    contacts_of,
    duty_roster,
    list_page,
)
from webapp.duties.services import DutyInvalid, do_log_contact
from webapp.duties.three_ones import do_record_item, do_submit_own
from webapp.extensions import db
from webapp.members.models import Member

blp = api_blueprint("api_duties", __name__, "", township=True)


def _enum(values: Any) -> validate.OneOf:
    return validate.OneOf([v.value for v in values], error="只能是：{choices}")


class AssignIn(Schema):
    """Make an officer responsible for a member from valid_from (today by default)."""

    officer_id = fields.Integer(required=True, error_messages=CHINESE)
    valid_from = fields.Date(load_default=None, error_messages=CHINESE)


class AssignmentOut(Schema):
    """Who is (or was) responsible for a member, and from when."""

    id = fields.Integer()
    member_id = fields.Integer()
    officer_id = fields.Integer()
    officer_name = fields.Function(lambda a: a.officer.display_name)
    valid_from = fields.Date()
    valid_to = fields.Date()


class RosterArgs(PageArgs):
    """Filters of the assignment list."""

    branch_id = fields.Integer(load_default=None)
    unassigned = fields.Boolean(load_default=False)


class ContactIn(Schema):
    """A contact with a member; services.contact_problems checks the rest."""

    contacted_on = fields.Date(required=True, error_messages=CHINESE)
    channel = fields.String(required=True, validate=_enum(ContactChannel), error_messages=CHINESE)
    substance = Multiline(required=True, error_messages=CHINESE)
    follow_up = Multiline(load_default="")
    follow_up_due = fields.Date(load_default=None, error_messages=CHINESE)


class ContactOut(Schema):
    """A logged contact."""

    id = fields.Integer()
    member_id = fields.Integer()
    contacted_on = fields.Date()
    channel = fields.Function(lambda c: c.channel.value)
    channel_label = fields.String()
    substance = fields.String()
    follow_up = fields.String()
    follow_up_due = fields.Date()
    logged_by_id = fields.Integer()
    logged_by_name = fields.String()


class ContactPage(Schema):
    """A page of contacts."""

    items = fields.List(fields.Nested(ContactOut))
    meta = fields.Dict()


class CoverageArgs(PageArgs):
    """?quarter=2026Q1 (default the current one), a branch, an officer ("none"), a status."""

    quarter = fields.String(load_default="")
    branch_id = fields.Integer(load_default=None)
    officer = fields.String(load_default="")
    status = fields.String(load_default="", validate=validate.OneOf(["", "visited", "overdue"]))


class BoardArgs(PageArgs):
    """?half=2026H1 (default the current one), a branch, a state."""

    half = fields.String(load_default="")
    branch_id = fields.Integer(load_default=None)
    state = fields.String(load_default="", validate=validate.OneOf(["", "complete", "incomplete"]))


class HalfArgs(Schema):
    """?half=2026H1."""

    half = fields.String(load_default="")


class ItemIn(Schema):
    """One of the 三个一: done with evidence, or explained."""

    half = fields.String(required=True, error_messages=CHINESE)
    kind = fields.String(required=True, validate=_enum(ThreeOnesKind), error_messages=CHINESE)
    status = fields.String(required=True, validate=_enum(ThreeOnesStatus), error_messages=CHINESE)
    happened_on = fields.Date(load_default=None, error_messages=CHINESE)
    note = Multiline(load_default="")
    explanation = Multiline(load_default="")


class ItemOut(Schema):
    """A recorded item."""

    id = fields.Integer()
    member_id = fields.Integer()
    half = fields.String()
    kind = fields.Function(lambda i: i.kind.value)
    status = fields.Function(lambda i: i.status.value)
    happened_on = fields.Date()
    note = fields.String()
    explanation = fields.String()
    by_member = fields.Boolean()
    recorded_by_name = fields.String()


def _member(member_id: int, action: str) -> Member:
    require_api(action)
    member = get_in_tenant(db.session, Member, member_id)
    if not can(g.api_user, action, member.branch_id):
        abort(404, message="页面或记录不存在")
    return member


def _branch_filter(requested: int | None) -> int | None:
    limit = branch_limit(g.api_user, "member.view")
    return limit if limit is not None else requested


def _branches() -> list[Branch]:
    return list(db.session.scalars(select(Branch).order_by(Branch.name)))


def _period(pick: Any, text: str, field: str) -> Any:
    try:
        return pick(text or None, date.today())
    except PeriodInvalid as exc:
        unprocessable({field: str(exc)})


def _service(call: Any) -> Any:
    try:
        return call()
    except DutyInvalid as exc:
        unprocessable(exc.errors)


def _quarter_dict(q: Quarter | Half, closed: bool) -> dict[str, Any]:
    return {
        "key": q.key,
        "label": q.label,
        "start": q.start.isoformat(),
        "end": q.end.isoformat(),
        "closed": closed,
    }


@blp.route("/duties/assignments")
class Assignments(MethodView):
    """联系分工: members away now or assigned, with their contact person."""

    @blp.arguments(RosterArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """One branch's roster (a branch role always gets its own branch)."""
        require_api("member.view")
        branch_id = _branch_filter(args["branch_id"])
        if branch_id is None:
            unprocessable({"branch_id": "请指定支部"})
        get_in_tenant(db.session, Branch, branch_id)
        stmt = duty_roster(branch_id, date.today(), args["q"], args["unassigned"])
        page = page_of(stmt, args, rows=True)
        page["items"] = [
            {
                "member_id": m.id,
                "name": m.name,
                "away": bool(away),
                "assignment": AssignmentOut().dump(a) if a else None,
            }
            for m, a, away in page["items"]
        ]
        return page


@blp.route("/duties/branches/<int:branch_id>/auto-assign")
class AutoAssign(MethodView):
    """Balanced auto-assignment."""

    @blp.response(200, AssignmentOut(many=True))
    def post(self, branch_id: int) -> Any:
        """Give every unassigned mobile member of the branch a contact person."""
        require_api("duty.assign")
        branch = get_in_tenant(db.session, Branch, branch_id)
        if not can(g.api_user, "duty.assign", branch.id):
            abort(404, message="页面或记录不存在")
        return _service(lambda: do_auto_assign(db.session, g.api_user, branch))


@blp.route("/duties/members/<int:member_id>/assignment")
class Assignment(MethodView):
    """A member's contact person: history, change, end."""

    @blp.response(200, AssignmentOut(many=True))
    def get(self, member_id: int) -> Any:
        """Who was responsible, newest first."""
        member = _member(member_id, "member.view")
        return list(db.session.scalars(assignment_history(member.id)))

    @blp.arguments(AssignIn)
    @blp.response(201, AssignmentOut)
    def post(self, data: dict[str, Any], member_id: int) -> Any:
        """Make an officer of the member's branch responsible from valid_from."""
        member = _member(member_id, "duty.assign")
        return _service(
            lambda: do_assign(
                db.session, g.api_user, member, data["officer_id"], data["valid_from"]
            )
        )

    @blp.response(204)
    def delete(self, member_id: int) -> None:
        """Nobody is responsible from today."""
        member = _member(member_id, "duty.assign")
        _service(lambda: do_end_assignment(db.session, g.api_user, member))


@blp.route("/duties/members/<int:member_id>/contacts")
class Contacts(MethodView):
    """A member's contact log."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ContactPage)
    def get(self, args: dict[str, Any], member_id: int) -> dict[str, Any]:
        """Contacts, newest first."""
        member = _member(member_id, "member.view")
        return page_of(contacts_of(member.id), args)

    @blp.arguments(ContactIn)
    @blp.response(201, ContactOut)
    def post(self, data: dict[str, Any], member_id: int) -> Any:
        """Log a contact (substance at least 10 characters; date not before last quarter)."""
        member = _member(member_id, "contact.log")
        return _service(lambda: do_log_contact(db.session, g.api_user, member, data))


@blp.route("/duties/coverage")
class Coverage(MethodView):
    """一季度一访 coverage."""

    @blp.arguments(CoverageArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Counts by officer and branch, and one page of due members."""
        require_api("member.view")
        quarter = _period(pick_quarter, args["quarter"], "quarter")
        cov = compute_coverage(db.session, quarter, date.today(), _branch_filter(args["branch_id"]))
        rows = cov.select(args["officer"], args["status"], args["q"])
        page = list_page(rows, args["page"], args["per_page"])
        return {
            "quarter": _quarter_dict(quarter, cov.closed),
            "total": cov.total.as_dict(),
            "officers": [t.as_dict() for t in cov.by_officer()],
            "branches": [t.as_dict() for t in cov.by_branch(_branches()) if t.due],
            "items": [
                {
                    "member_id": r.member.id,
                    "name": r.member.name,
                    "branch_id": r.member.branch_id,
                    "officer_id": r.officer_id,
                    "officer_name": r.officer_name,
                    "contacts": r.contacts,
                    "last_contact": r.last_contact.isoformat() if r.last_contact else None,
                    "status": "visited" if r.visited else "overdue",
                }
                for r in page.items
            ],
            "meta": {"page": page.page, "per_page": page.per_page, "total": page.total},
        }


@blp.route("/three-ones")
class ThreeOnesBoard(MethodView):
    """三个一 status board."""

    @blp.arguments(BoardArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Counts by branch, and one page of due members with each item's state."""
        require_api("member.view")
        half = _period(pick_half, args["half"], "half")
        board = compute_board(db.session, half, _branch_filter(args["branch_id"]))
        tallies = board.by_branch(_branches())
        page = list_page(board.select(args["state"], args["q"]), args["page"], args["per_page"])
        return {
            "half": _quarter_dict(half, half.end < date.today()),
            "total": board.total.as_dict(),
            "branches": [t.as_dict() for t in tallies if t.due],
            "items": [r.as_dict() for r in page.items],
            "meta": {"page": page.page, "per_page": page.per_page, "total": page.total},
        }


def _items(member: Member, half_text: str) -> dict[str, Any]:
    half = _period(pick_half, half_text, "half")
    items = items_of(db.session, member.id, half)
    return {
        "member_id": member.id,
        "half": half.key,
        "items": {k.value: ItemOut().dump(v) if v else None for k, v in items.items()},
    }


@blp.route("/three-ones/members/<int:member_id>")
class MemberThreeOnes(MethodView):
    """One member's 三个一."""

    @blp.arguments(HalfArgs, location="query")
    def get(self, args: dict[str, Any], member_id: int) -> dict[str, Any]:
        """The three items for a half-year (null where missing)."""
        return _items(_member(member_id, "member.view"), args["half"])

    @blp.arguments(ItemIn)
    @blp.response(200, ItemOut)
    def put(self, data: dict[str, Any], member_id: int) -> Any:
        """Record (or correct) one item."""
        member = _member(member_id, "three_ones.manage")
        return _service(lambda: do_record_item(db.session, g.api_user, member, data))


@blp.route("/three-ones/mine")
class MyThreeOnes(MethodView):
    """The calling member's own 三个一."""

    def _own(self) -> Member:
        require_api("three_ones.submit")
        if g.api_user.member_id is None:
            abort(404, message="页面或记录不存在")
        return get_in_tenant(db.session, Member, g.api_user.member_id)

    @blp.arguments(HalfArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """My three items for a half-year."""
        return _items(self._own(), args["half"])

    @blp.arguments(ItemIn)
    @blp.response(200, ItemOut)
    def put(self, data: dict[str, Any]) -> Any:
        """Submit evidence or an explanation for one of my items."""
        member = self._own()
        return _service(lambda: do_submit_own(db.session, g.api_user, member, data))
