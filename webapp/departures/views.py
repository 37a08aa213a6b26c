"""Departure pages: register, move, return; the mobile member list; the census with its charts."""

import io
from datetime import date
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.args import as_of_arg
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.services import branch_options
from webapp.certificates.queries import valid_certificate
from webapp.departures import charts
from webapp.departures.census import Census, compute_census
from webapp.departures.census import long_term_days as township_long_term_days
from webapp.departures.forms import DepartureForm, MoveForm, ReturnForm, census_date
from webapp.departures.models import FLOW_LABELS
from webapp.departures.queries import SORTS, MobileFilters, mobile_members
from webapp.departures.services import (
    DepartureInvalid,
    current_departure,
    do_move,
    do_register_departure,
    do_return,
)
from webapp.extensions import db
from webapp.formulas import SafeCsvWriter
from webapp.inputs import as_id
from webapp.members.models import Member
from webapp.pagination import paginate
from webapp.tenancy import township_blueprint

bp = township_blueprint("departures", __name__)


def long_term_days() -> int:
    """The township's threshold for 长期在外."""
    return township_long_term_days(g.township)


def _member_for(member_id: int, action: str) -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, action, member.branch_id):
        abort(404)
    return member


def _handle(form: Any, member: Member, service: Any, done: str, template: str, **extra: Any) -> Any:
    if form.is_submitted():
        parsed = form.validate()
        try:
            if not parsed:
                raise DepartureInvalid({})
            service(form.data_for_service())
        except DepartureInvalid as exc:
            db.session.rollback()
            form.attach_errors(exc.errors)
        else:
            flash(done, "success")
            return redirect(url_for("members.show", member_id=member.id))
    status = 422 if form.errors else 200
    trip = current_departure(db.session, member)
    return render_template(template, form=form, member=member, trip=trip, **extra), status


@bp.route("/members/<int:member_id>/departure/new", methods=["GET", "POST"])
@require("departure.manage")
def register(member_id: int) -> Any:
    """外出登记."""
    member = _member_for(member_id, "departure.manage")
    form = DepartureForm()
    return _handle(
        form,
        member,
        lambda data: do_register_departure(db.session, current_user, g.township, member, data),
        _("外出登记已保存"),
        "departures/register.html",
    )


@bp.route("/members/<int:member_id>/departure/move", methods=["GET", "POST"])
@require("departure.manage")
def move(member_id: int) -> Any:
    """去向变更."""
    member = _member_for(member_id, "departure.manage")
    form = MoveForm()
    return _handle(
        form,
        member,
        lambda data: do_move(db.session, current_user, g.township, member, data),
        _("去向变更已保存"),
        "departures/move.html",
    )


@bp.route("/members/<int:member_id>/departure/return", methods=["GET", "POST"])
@require("departure.manage")
def return_home(member_id: int) -> Any:
    """返回登记."""
    member = _member_for(member_id, "departure.manage")
    form = ReturnForm()
    return _handle(
        form,
        member,
        lambda data: do_return(db.session, current_user, member, data),
        _("返回登记已保存"),
        "departures/return.html",
        card=valid_certificate(db.session, member.id),
    )


@bp.route("/mobile/")
@require("member.view")
def index() -> Any:
    """流动党员 list with filters."""
    args = request.args
    limit = branch_limit(current_user, "member.view")
    branch = args.get("branch", "")
    filters = MobileFilters(
        as_of=as_of_arg(),
        branch_id=limit if limit is not None else as_id(branch),
        category=args.get("category", ""),
        destination=args.get("destination", "").strip(),
        long_term_days=long_term_days() if args.get("long_term") else None,
        status=args.get("status", "away"),
        q=args.get("q", "").strip(),
        sort=args.get("sort", "departed"),
    )
    page = paginate(db.session, mobile_members(filters), rows=True)
    return render_template(
        "departures/index.html",
        page=page,
        f=filters,
        branches=branch_options(db.session),
        labels=FLOW_LABELS,
        sorts=SORTS,
    )


def _csv(census: Census) -> Response:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow([_("统计日期"), census.as_of.isoformat()])
    writer.writerow([_("项目"), _("人数"), _("占比(%)")])
    writer.writerow([_("党员总数"), census.members, ""])
    writer.writerow([_("流动党员"), census.mobile, census.mobile_share])
    for key, count in census.categories.items():
        writer.writerow([FLOW_LABELS[key], count, census.share(count)])  # type: ignore[index]
    writer.writerow([_("去向不明"), census.unknown, census.share(census.unknown)])
    writer.writerow([_("长期在外"), census.long_term, census.share(census.long_term)])
    writer.writerow([])
    writer.writerow(
        [_("支部"), _("党员"), _("流动党员"), *FLOW_LABELS.values(), _("去向不明"), _("长期在外")]
    )
    for b in census.breakdown:
        writer.writerow(
            [
                b.name,
                b.members,
                b.mobile,
                *(b.categories[k.value] for k in FLOW_LABELS),
                b.unknown,
                b.long_term,
            ]
        )
    body = "\ufeff" + out.getvalue()  # BOM so Excel opens the Chinese text as UTF-8
    name = f"census-{g.township.slug}-{census.as_of.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",  # Flask adds "; charset=utf-8" to text/ types itself
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.route("/census/")
@require("census.view")
def census() -> Any:
    """流动党员统计 as of any date: table, charts, CSV. A bad or future date is named on the
    page's date field (422), over today's figures."""
    today = date.today()
    as_of, date_problem = census_date(request.args.get("as_of"), today)
    result = compute_census(db.session, as_of, long_term_days())
    if request.args.get("format") == "csv" and not date_problem:
        return _csv(result)
    page = render_template(
        "departures/census.html",
        c=result,
        labels=FLOW_LABELS,
        pie=charts.category_pie(result),
        bars=charts.destination_bars(result),
        long_term_days=long_term_days(),
        today=today,
        date_problem=date_problem,
    )
    return page, 422 if date_problem else 200
