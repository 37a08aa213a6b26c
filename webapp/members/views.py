"""Member pages: list with search and pages, detail, create, edit, reveal (audited), history."""

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.audit.services import entity_log
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.services import branch_options
from webapp.departures.models import Departure, Whereabouts
from webapp.departures.queries import trips_of
from webapp.extensions import db
from webapp.idnumber import birth_date_of, id_number_problem, mask_phone, normalize
from webapp.inputs import as_id
from webapp.members.forms import MemberForm
from webapp.members.models import Member
from webapp.members.phones import may_call
from webapp.members.rules import MemberInvalid, member_problems
from webapp.members.services import (
    do_create_member,
    do_reveal_member,
    do_update_member,
    list_members,
)
from webapp.pagination import paginate
from webapp.placements.services import history as placement_history
from webapp.tenancy import township_blueprint
from webapp.transfers.queries import STUB, is_stub, transfers_of

bp = township_blueprint("members", __name__, "/members")


def _visible_member(member_id: int, action: str = "member.view") -> Member:
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, action, member.branch_id):
        abort(404)
    return member


def _form(member: Member | None = None) -> MemberForm:
    form = MemberForm(obj=member)
    options = branch_options(db.session)
    limit = branch_limit(current_user, "member.create")
    form.branch_id.choices = [(i, n) for i, n in options if limit is None or i == limit]
    return form


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return as_id(value)


@bp.route("/")
@require("member.view")
def index() -> Any:
    """党员列表."""
    q, status = request.args.get("q", ""), request.args.get("status", "")
    limit = branch_limit(current_user, "member.view")
    branch = limit if limit is not None else _int_arg("branch")
    page = paginate(db.session, list_members(q, branch, status))
    return render_template(
        "members/index.html",
        page=page,
        q=q,
        status=status,
        branch=branch,
        branches=branch_options(db.session),
    )


def _sees_full(member: Member | None) -> bool:
    """Whether the form may show this member's birth date and phone in full."""
    return member is None or can(current_user, "member.reveal", member.branch_id)


def _keep_unseen(member: Member, data: dict[str, Any]) -> None:
    """Fields the form left blank because the editor may not see them keep their stored values."""
    if not (data.get("id_number") or "").strip():
        data["id_number"] = member.id_number
    if _sees_full(member):
        return
    if not (data.get("phone") or "").strip():
        data["phone"] = member.phone
    if data.get("birth_date") is None:
        number = normalize(data["id_number"])
        valid = id_number_problem(number) is None
        data["birth_date"] = birth_date_of(number) if valid else member.birth_date


def _submit(form: MemberForm, member: Member | None) -> Member | None:
    """Validate everything at once; save only when every field is right."""
    if not form.is_submitted():
        return None
    parsed = form.validate()
    data = form.data_for_service()
    if member is not None:
        _keep_unseen(member, data)
    problems = member_problems(db.session, data, member.id if member else None)
    if not can(current_user, "member.create", data.get("branch_id")):
        problems["branch_id"] = "您只能登记本支部的党员"
    if member is not None and is_stub(db.session, member.id):
        problems["status"] = STUB
    if not parsed or problems:
        form.attach_errors({k: v for k, v in problems.items() if not form[k].errors})
        return None
    try:
        if member is None:
            return do_create_member(db.session, current_user, g.township, data)
        return do_update_member(db.session, current_user, member, data)
    except MemberInvalid as exc:
        db.session.rollback()
        form.attach_errors(exc.errors)
        return None


@bp.route("/new", methods=["GET", "POST"])
@require("member.create")
def create() -> Any:
    """新增党员."""
    form = _form()
    if (member := _submit(form, None)) is not None:
        flash(f"已登记党员：{member.name}", "success")
        return redirect(url_for(".show", member_id=member.id))
    status = 422 if form.errors else 200
    return render_template("members/form.html", form=form, member=None, full=True), status


def _away_now(trips: list[Departure]) -> Whereabouts | None:
    """The stint of the trip the member is on now (trips come newest first), if away."""
    if not trips or trips[0].returned_on is not None or not trips[0].stints:
        return None
    return trips[0].stints[-1]


def _detail(member: Member, shown: tuple[str, ...] = ()) -> str:
    history = db.session.scalars(entity_log(g.township.id, "member", member.id).limit(50)).all()
    trips = list(db.session.scalars(trips_of(member.id)).all())
    away = _away_now(trips)
    return render_template(
        "members/show.html",
        member=member,
        shown=shown,
        away=away,
        away_phone_masked=mask_phone(away.phone) if away else "",
        may_call=may_call(db.session, current_user, member),
        history=history,
        trips=trips,
        placements=placement_history(db.session, member.id),
        transfers=db.session.scalars(transfers_of(member.id)).all(),
    )


@bp.route("/<int:member_id>")
@require("member.view")
def show(member_id: int) -> Any:
    """党员详情 (numbers masked), trips and the timeline of every change."""
    return _detail(_visible_member(member_id))


@bp.route("/<int:member_id>/reveal", methods=["POST"])
@require("member.view")
def reveal(member_id: int) -> Any:
    """Show the full numbers the user may see, audited.

    The ID number needs member.reveal; the phone and the contact details while away (phone,
    WeChat, e-mail of the current whereabouts) are also shown to whoever must call the member.
    """
    member = _visible_member(member_id)
    shown = ("id_number",) if can(current_user, "member.reveal", member.branch_id) else ()
    if shown or may_call(db.session, current_user, member):
        shown += ("phone",)
        away = _away_now(list(db.session.scalars(trips_of(member.id)).all()))
        if away is not None and (away.phone or away.wechat or away.email):
            shown += ("away_contact",)
    if not shown:
        abort(403)
    do_reveal_member(db.session, current_user, member, request.remote_addr, shown)
    return _detail(member, shown)


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@require("member.update")
def edit(member_id: int) -> Any:
    """修改党员."""
    member = _visible_member(member_id, "member.update")
    form = _form(member)
    full = _sees_full(member)
    if request.method == "GET":
        form.id_number.data = ""
        if not full:
            form.phone.data, form.birth_date.data = "", None
        elif member.phone:
            do_reveal_member(db.session, current_user, member, request.remote_addr, ("phone",))
    if _submit(form, member) is not None:
        flash("党员信息已保存", "success")
        return redirect(url_for(".show", member_id=member.id))
    status = 422 if form.errors else 200
    return render_template("members/form.html", form=form, member=member, full=full), status
