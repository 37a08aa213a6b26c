"""At-risk board and branch scorecards: township pages, branch targets, and the county roll-up."""

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from tenants.context import reading_context
from webapp.auth.access import accessible_townships
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.models import Branch
from webapp.branches.services import branch_options
from webapp.duties.periods import PeriodInvalid
from webapp.duties.queries import list_page
from webapp.extensions import db
from webapp.inputs import as_id
from webapp.pagination import page_number
from webapp.risk import rules
from webapp.risk.board import compute_board
from webapp.risk.forms import TargetsForm
from webapp.risk.scorecards import (
    MEASURES,
    Span,
    TargetsInvalid,
    branch_targets,
    compute_scorecards,
    do_set_branch_targets,
    span_choices,
    span_of,
)
from webapp.tenancy import township_blueprint

bp = township_blueprint("risk", __name__, "/risk")
county_bp = Blueprint("risk_county", __name__, url_prefix="/county")


def _branch_filter() -> int | None:
    """The branch asked for; a branch-level role is held to its own (403 for another)."""
    limit = branch_limit(current_user, "risk.view")
    asked = request.args.get("branch", "")
    if as_id(asked) and limit is not None and as_id(asked) != limit:
        abort(403)
    if limit is not None:
        return limit
    return get_in_tenant(db.session, Branch, asked).id if asked.isdigit() else None


def _span(today: date) -> Span:
    try:
        return span_of(request.args.get("period"), today)
    except PeriodInvalid as exc:
        abort(400, description=str(exc))


@bp.route("/")
@require("risk.view")
def board() -> Any:
    """预警名单: members matching a rule, filtered by rule, level, branch and name."""
    branch_id = _branch_filter()
    t = rules.thresholds_of(g.township)
    result = compute_board(db.session, date.today(), t, branch_id)
    rule, level, q = (request.args.get(k, "") for k in ("rule", "level", "q"))
    page = list_page(result.select(rule, q, level), page_number(request.args.get("page")))
    return render_template(
        "risk/board.html",
        board=result,
        page=page,
        rules=rules.RULES,
        explanations=rules.explanations(t),
        never=rules.NEVER_DECIDES,
        levels=rules.LEVEL_LABELS,
        branches=branch_options(db.session),
        branch_id=branch_id,
        limited=branch_limit(current_user, "risk.view") is not None,
        filters={"rule": rule, "level": level, "q": q},
    )


@bp.route("/scorecards")
@require("risk.view")
def scorecards() -> Any:
    """支部目标考核: each branch against its targets this quarter, half-year or year."""
    today = date.today()
    span = _span(today)
    cards, total = compute_scorecards(db.session, g.township, span, today, _branch_filter())
    return render_template(
        "risk/scorecards.html",
        cards=cards,
        total=total,
        span=span,
        spans=span_choices(today),
        measures=MEASURES,
        can_manage=can(current_user, "scorecard.manage"),
    )


@bp.route("/scorecards/<int:branch_id>/targets", methods=["GET", "POST"])
@require("scorecard.manage")
def targets(branch_id: int) -> Any:
    """A branch's own targets (blank: the township's default)."""
    branch = get_in_tenant(db.session, Branch, branch_id)
    current, overridden = branch_targets(g.township, branch.id)
    own = ((g.township.settings or {}).get("branch_targets") or {}).get(str(branch.id)) or {}
    form = TargetsForm(data={k: own.get(k, "") for k in MEASURES})
    status = 200
    if request.method == "POST" and form.validate():
        try:
            do_set_branch_targets(
                db.session, current_user, g.township, branch, form.data_for_service()
            )
        except TargetsInvalid as exc:
            db.session.rollback()
            form.attach_errors(exc.errors)
            status = 422
        else:
            flash(_("支部目标已保存"), "success")
            return redirect(url_for(".scorecards"))
    return render_template(
        "risk/targets.html", form=form, branch=branch, current=current, overridden=overridden
    ), status


@county_bp.route("/scorecards/")
@require("county.view")
def county_scorecards() -> Any:
    """县级目标考核: each assigned township's total against its own default targets."""
    today = date.today()
    span = _span(today)
    rows = []
    for town in accessible_townships(db.session, current_user):
        with reading_context([town.id]):  # one township at a time: its own targets apply
            cards, total = compute_scorecards(db.session, town, span, today)
        rows.append((town, total, sum(c.met_all for c in cards), len(cards)))
    return render_template(
        "risk/county.html", rows=rows, span=span, spans=span_choices(today), measures=MEASURES
    )
