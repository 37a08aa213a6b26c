"""三个一 pages: township and branch boards, a member's record, and the member's own page."""

from datetime import date
from functools import partial
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.models import Branch
from webapp.duties.board import compute_board, is_due, items_of
from webapp.duties.forms import ThreeOnesForm
from webapp.duties.links import describe
from webapp.duties.models import (
    EVIDENCE_LABELS,
    THREE_ONES_LABELS,
    THREE_ONES_SHORT,
    ThreeOnesKind,
)
from webapp.duties.periods import Half, PeriodInvalid, half_of, pick_half, recent_halves
from webapp.duties.queries import list_page
from webapp.duties.services import DutyInvalid
from webapp.duties.three_ones import do_confirm_item, do_record_item, do_submit_own
from webapp.extensions import db
from webapp.members.models import Member
from webapp.pagination import page_number
from webapp.tenancy import township_blueprint

bp = township_blueprint("three_ones", __name__, "/three-ones")

LABELS = {"labels": THREE_ONES_LABELS, "short": THREE_ONES_SHORT, "evidence": EVIDENCE_LABELS}


def _half(today: date) -> Half:
    try:
        return pick_half(request.args.get("half"), today)
    except PeriodInvalid as exc:
        abort(400, description=str(exc))


def _page() -> int:
    return page_number(request.args.get("page", ""))


@bp.route("/")
@require("member.view")
def index() -> Any:
    """三个一 of every branch in a half-year (a branch role goes to its own branch)."""
    today = date.today()
    half = _half(today)
    limit = branch_limit(current_user, "member.view")
    if limit is not None:
        return redirect(url_for(".branch", branch_id=limit, half=half.key))
    board = compute_board(db.session, half)
    branches = list(db.session.scalars(select(Branch).order_by(Branch.name)))
    return render_template(
        "duties/three_ones_township.html",
        board=board,
        tallies=board.by_branch(branches),
        halves=recent_halves(today),
        kinds=list(ThreeOnesKind),
        **LABELS,
    )


@bp.route("/branches/<int:branch_id>")
@require("member.view")
def branch(branch_id: int) -> Any:
    """One branch's board: each due member, each item done / explained / missing."""
    today = date.today()
    branch = get_in_tenant(db.session, Branch, branch_id)
    if not can(current_user, "member.view", branch.id):
        abort(404)
    half = _half(today)
    board = compute_board(db.session, half, branch.id)
    rows = board.select(request.args.get("state", ""), request.args.get("q", ""))
    return render_template(
        "duties/three_ones_branch.html",
        branch=branch,
        board=board,
        page=list_page(rows, _page()),
        halves=recent_halves(today),
        kinds=list(ThreeOnesKind),
        args=request.args,
        **LABELS,
    )


def _forms(
    half: Half, items: dict[ThreeOnesKind, Any], posted: ThreeOnesForm | None
) -> dict[ThreeOnesKind, ThreeOnesForm]:
    """One form per item, filled from the record; the one just posted keeps its input and errors.

    Each item's fields carry a prefix ("call-note") so the three forms' ids stay unique.
    """
    forms = {}
    for kind in ThreeOnesKind:
        if posted is not None and posted.kind.data == kind.value:
            form = posted
        else:
            item = items[kind]
            data = {"half": half.key, "kind": kind.value}
            if item is not None:
                data.update(
                    status=item.status.value,
                    happened_on=item.happened_on,
                    note=item.note,
                    explanation=item.explanation,
                )
            form = ThreeOnesForm(formdata=None, data=data, prefix=kind.value)
        form.note.label.text = EVIDENCE_LABELS[kind]
        forms[kind] = form
    return forms


def _stray_errors(posted: ThreeOnesForm | None) -> list[str]:
    """Errors of a posted form whose item is none of the three (nowhere else to show them)."""
    if posted is None or posted.kind.data in {k.value for k in ThreeOnesKind}:
        return []
    return [message for errors in posted.errors.values() for message in errors]


def _record_page(
    template: str, member: Member, half: Half, posted: ThreeOnesForm | None, own: bool
) -> Any:
    """The three items with their forms: officers may edit each; a member only their own."""
    items = items_of(db.session, member.id, half)
    if own:
        editable = {k: items[k] is None or items[k].by_member for k in ThreeOnesKind}
    else:
        manage = can(current_user, "three_ones.manage", member.branch_id)
        editable = dict.fromkeys(ThreeOnesKind, manage)
    return render_template(
        template,
        member=member,
        half=half,
        halves=recent_halves(date.today(), 2),
        items=items,
        forms=_forms(half, items, posted),
        editable=editable,
        own=own,
        stray=_stray_errors(posted),
        sources={k: describe(db.session, i) for k, i in items.items() if i is not None},
        due=is_due(db.session, member.id, half),
        kinds=list(ThreeOnesKind),
        **LABELS,
    ), (422 if posted is not None and posted.errors else 200)


def _posted_form() -> ThreeOnesForm:
    """The posted item form: the pages prefix each item's fields (ids stay unique); others don't."""
    for kind in ThreeOnesKind:
        if f"{kind.value}-kind" in request.form:
            return ThreeOnesForm(prefix=kind.value)
    return ThreeOnesForm()


def _submit(form: ThreeOnesForm, service: Any) -> bool:
    """Parse and save one item; errors go next to the fields."""
    parsed = form.validate()
    try:
        if not parsed:
            raise DutyInvalid({})
        service(form.data_for_service())
    except DutyInvalid as exc:
        db.session.rollback()
        form.attach_errors({k if k in form else "status": v for k, v in exc.errors.items()})
        return False
    return True


@bp.route("/members/<int:member_id>", methods=["GET", "POST"])
@require("member.view")
def member(member_id: int) -> Any:
    """A member's 三个一 for a half-year; officers record items here."""
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, "member.view", member.branch_id):
        abort(404)
    template = "duties/three_ones_member.html"
    if request.method == "GET":
        return _record_page(template, member, _half(date.today()), None, own=False)
    if not can(current_user, "three_ones.manage", member.branch_id):
        abort(403)
    form = _posted_form()
    if _submit(form, partial(do_record_item, db.session, current_user, member)):
        flash(f"已登记{member.name}的三个一", "success")
        return redirect(url_for(".member", member_id=member.id, half=form.half.data))
    return _record_page(template, member, _form_half(form), form, own=False)


@bp.route("/members/<int:member_id>/confirm", methods=["POST"])
@require("three_ones.manage")
def confirm(member_id: int) -> Any:
    """The branch confirms an item the member submitted (a letter or 思想汇报) as it stands."""
    member = get_in_tenant(db.session, Member, member_id)
    if not can(current_user, "three_ones.manage", member.branch_id):
        abort(404)
    half = request.form.get("half", "")
    try:
        key: str | None = Half.parse(half).key
    except PeriodInvalid:
        key = None
    try:
        do_confirm_item(db.session, current_user, member, half, request.form.get("kind"))
    except DutyInvalid as exc:
        db.session.rollback()
        flash("；".join(exc.errors.values()), "error")
    else:
        flash(f"已确认{member.name}本人提交的三个一", "success")
    return redirect(url_for(".member", member_id=member.id, half=key))


def _form_half(form: ThreeOnesForm) -> Half:
    """The half-year a rejected form was for (the current one when unreadable)."""
    try:
        return Half.parse(form.half.data or "")
    except PeriodInvalid:
        return half_of(date.today())


@bp.route("/mine", methods=["GET", "POST"])
@require("three_ones.submit")
def mine() -> Any:
    """我的三个一: a member submits evidence or an explanation on their own record, only theirs."""
    if current_user.member_id is None:
        abort(404)
    member = get_in_tenant(db.session, Member, current_user.member_id)
    template = "duties/three_ones_mine.html"
    if request.method == "GET":
        return _record_page(template, member, _half(date.today()), None, own=True)
    form = _posted_form()
    if _submit(form, partial(do_submit_own, db.session, current_user, member)):
        flash("已提交，支部可以看到您的记录", "success")
        return redirect(url_for(".mine", half=form.half.data))
    return _record_page(template, member, _form_half(form), form, own=True)
