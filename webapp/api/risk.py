"""/api/v1/t/<slug>/risk and /scorecards: the at-risk board and the branch scorecards as JSON."""

from datetime import date
from typing import Any

from flask import g
from flask.views import MethodView
from marshmallow import fields

from webapp.api import api_blueprint
from webapp.api.base import Schema
from webapp.api.common import require_api, unprocessable
from webapp.auth.permissions import branch_limit
from webapp.duties.periods import PeriodInvalid
from webapp.duties.queries import list_page
from webapp.extensions import db
from webapp.risk import rules
from webapp.risk.board import compute_board
from webapp.risk.scorecards import compute_scorecards, span_of

blp = api_blueprint("api_risk", __name__, "", township=True)


class RiskArgs(Schema):
    """Board filters."""

    rule = fields.String(load_default="")
    level = fields.String(load_default="")
    q = fields.String(load_default="")
    branch_id = fields.Integer(load_default=None)
    page = fields.Integer(load_default=1)
    per_page = fields.Integer(load_default=20)


class ScoreArgs(Schema):
    """Scorecard period: 2026Q3, 2026H2, 2026, quarter, half or year."""

    period = fields.String(load_default="")


def _branch(asked: int | None) -> int | None:
    limit = branch_limit(g.api_user, "risk.view")
    if limit is not None and asked not in (None, limit):
        unprocessable({"branch_id": "只能查看本支部"})
    return limit if limit is not None else asked


@blp.route("/risk")
class RiskBoard(MethodView):
    """预警名单."""

    @blp.arguments(RiskArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Members matching a rule, with every reason; counts per rule."""
        require_api("risk.view")
        t = rules.thresholds_of(g.township)
        board = compute_board(db.session, date.today(), t, _branch(args["branch_id"]))
        rows = board.select(args["rule"], args["q"], args["level"])
        page = list_page(rows, max(1, args["page"]), args["per_page"])
        return {
            "counts": {k: board.counts[k] for k in rules.RULES},
            "rules": rules.explanations(t),
            "items": [r.as_dict() for r in page.items],
            "meta": {"page": page.page, "per_page": page.per_page, "total": page.total},
        }


@blp.route("/scorecards")
class Scorecards(MethodView):
    """支部目标考核."""

    @blp.arguments(ScoreArgs, location="query")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Each branch against its targets in the period."""
        require_api("risk.view")
        today = date.today()
        try:
            span = span_of(args["period"], today)
        except PeriodInvalid as exc:
            unprocessable({"period": str(exc)})
        limit = branch_limit(g.api_user, "risk.view")
        cards, total = compute_scorecards(db.session, g.township, span, today, limit)
        return {
            "period": {
                "key": span.key,
                "start": span.start.isoformat(),
                "end": span.end.isoformat(),
            },
            "branches": [c.as_dict() for c in cards],
            "total": total.as_dict(),
        }
