"""/api/v1/t/<slug>/members: list, get, create, update; numbers are masked in every answer."""

from typing import Any

from flask import abort, g
from flask.views import MethodView

from tenants.access import get_in_tenant
from webapp.api import api_blueprint
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.schemas import MemberIn, MemberOut, MemberPage, MemberPatch, PageArgs
from webapp.auth.permissions import branch_limit, can
from webapp.extensions import db
from webapp.members.models import Member
from webapp.members.rules import MemberInvalid
from webapp.members.services import do_create_member, do_update_member, list_members

blp = api_blueprint("api_members", __name__, "/members", township=True)


def _visible(member_id: int) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(g.api_user, "member.view", member.branch_id):
        abort(404)
    return member


@blp.route("")
class Members(MethodView):
    """The township's members (a branch role sees its own branch)."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, MemberPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Members, by name."""
        require_api("member.view")
        return page_of(list_members(args["q"], branch_limit(g.api_user, "member.view")), args)

    @blp.arguments(MemberIn)
    @blp.response(201, MemberOut)
    def post(self, data: dict[str, Any]) -> Member:
        """Register a member."""
        require_api("member.create", data["branch_id"])
        try:
            return do_create_member(db.session, g.api_user, g.township, data)
        except MemberInvalid as exc:
            unprocessable(exc.errors)


@blp.route("/<int:member_id>")
class MemberItem(MethodView):
    """One member."""

    @blp.response(200, MemberOut)
    def get(self, member_id: int) -> Member:
        """A member of this township."""
        require_api("member.view")
        return _visible(member_id)

    @blp.arguments(MemberPatch(partial=True))
    @blp.response(200, MemberOut)
    def patch(self, data: dict[str, Any], member_id: int) -> Member:
        """Change a member; omitted fields keep their values."""
        member = _visible(member_id)
        require_api("member.update", member.branch_id)
        merged: dict[str, Any] = {
            k: getattr(member, k)
            for k in (
                "name",
                "birth_date",
                "ethnicity",
                "phone",
                "email",
                "join_date",
                "branch_id",
                "id_number",
            )
        }
        merged["gender"], merged["status"] = member.gender.value, member.status.value
        merged.update(data)
        require_api("member.update", merged["branch_id"])
        try:
            return do_update_member(db.session, g.api_user, member, merged)
        except MemberInvalid as exc:
            unprocessable(exc.errors)
