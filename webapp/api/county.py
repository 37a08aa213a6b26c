"""/api/v1/county/census: the census summed over the caller's townships."""

from datetime import date
from typing import Any

from flask import g
from flask.views import MethodView

from tenants.context import reading_context
from webapp.api import api_blueprint
from webapp.api.common import require_api, unprocessable
from webapp.api.departures import AsOfArgs
from webapp.auth.access import accessible_townships
from webapp.departures.rollup import county_census
from webapp.extensions import db

blp = api_blueprint("api_county", __name__, "/county")


@blp.route("/census")
class CountyCensus(MethodView):
    """县级汇总."""

    @blp.arguments(AsOfArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Totals and one row per township the caller may reach."""
        require_api("county.view")
        day = args["as_of"] or date.today()
        if day > date.today():
            unprocessable({"as_of": "统计日期不能晚于今天"})
        towns = accessible_townships(db.session, g.api_user)
        with reading_context([t.id for t in towns]):
            body = county_census(db.session, towns, day).as_dict()
        for row, town in zip(body["townships"], towns, strict=True):
            row["slug"] = town.slug
        return body
