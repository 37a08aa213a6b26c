"""/api/v1/townships: the townships the token's user may reach; the platform admin creates them."""

from typing import Any

from flask import g
from flask.views import MethodView
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from tenants.models import County, Township
from webapp.api import api_blueprint
from webapp.api.common import page_of, require_api, unprocessable
from webapp.api.schemas import PageArgs, TownshipIn, TownshipOut, TownshipPage, TownshipPatch
from webapp.auth.access import accessible_township_ids
from webapp.extensions import db
from webapp.townships import TownshipError, do_create_township, do_update_township

blp = api_blueprint("api_townships", __name__, "/townships")


def _reachable(slug: str) -> Township:
    """The township when the caller may reach it; one and the same 404 when it is someone else's
    or does not exist."""
    ids = accessible_township_ids(db.session, g.api_user)
    township = db.session.scalars(
        select(Township).where(Township.slug == slug, Township.id.in_(ids or {-1}))
    ).first()
    if township is None:
        raise NotFound()
    return township


@blp.route("")
class Townships(MethodView):
    """List and create townships."""

    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TownshipPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Townships the caller may reach."""
        ids = accessible_township_ids(db.session, g.api_user)
        stmt = select(Township).where(Township.id.in_(ids or {-1}))
        if args["q"]:
            stmt = stmt.where(Township.name.contains(args["q"]))
        return page_of(stmt.order_by(Township.name), args)

    @blp.arguments(TownshipIn)
    @blp.response(201, TownshipOut)
    def post(self, data: dict[str, Any]) -> Township:
        """Create a township (platform admin)."""
        require_api("township.manage")
        if db.session.get(County, data["county_id"]) is None:
            unprocessable({"county_id": "县(区)不存在"})
        try:
            return do_create_township(db.session, g.api_user, data)
        except TownshipError as exc:
            unprocessable({exc.field: str(exc)})


@blp.route("/<slug>")
class TownshipItem(MethodView):
    """One township."""

    @blp.response(200, TownshipOut)
    def get(self, slug: str) -> Township:
        """A township the caller may reach."""
        return _reachable(slug)

    @blp.arguments(TownshipPatch(partial=True))
    @blp.response(200, TownshipOut)
    def patch(self, data: dict[str, Any], slug: str) -> Township:
        """Rename or re-code a township (platform admin)."""
        township = _reachable(slug)
        require_api("township.manage")
        try:
            return do_update_township(db.session, g.api_user, township, data)
        except TownshipError as exc:
            unprocessable({exc.field: str(exc)})
