"""组织关系转入 pages of the receiving township: letters waiting, receive or refuse, and members
arriving from organisations off the platform."""

from datetime import date
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit, can
from webapp.branches.services import branch_options
from webapp.extensions import db
from webapp.members.rules import MemberInvalid
from webapp.pagination import paginate
from webapp.tenancy import township_blueprint
from webapp.transfers import crossing
from webapp.transfers.crossing import CrossingRefused
from webapp.transfers.forms import InboundForm, RefuseForm
from webapp.transfers.incoming import do_register_inbound, inbound_problems, list_incoming
from webapp.transfers.models import INCOMING_LABELS, IncomingTransfer

bp = township_blueprint("incoming", __name__, "/incoming")


def _row(incoming_id: int) -> IncomingTransfer:
    row = get_in_tenant(db.session, IncomingTransfer, incoming_id)
    if not can(current_user, "transfer.receive", row.branch_id):
        abort(404)
    return row


@bp.route("/")
@require("transfer.receive")
def index() -> Any:
    """转入本镇: letters from other townships waiting, and what was received or refused."""
    status, q = request.args.get("status", ""), request.args.get("q", "")
    stmt = list_incoming(status, q, branch_limit(current_user, "transfer.receive"))
    return render_template(
        "transfers/incoming.html",
        page=paginate(db.session, stmt),
        status=status,
        q=q,
        labels=INCOMING_LABELS,
        today=date.today(),
    )


@bp.route("/<int:incoming_id>/receive", methods=["GET", "POST"])
@require("transfer.receive")
def receive(incoming_id: int) -> Any:
    """接收: the member joins this register with the handed-over fields."""
    row = _row(incoming_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            member = crossing.receive(db.session, current_user, g.township, row, date.today())
        except CrossingRefused as exc:
            errors = list(exc.errors.values())
        else:
            flash(_("已接收 %(name)s，已登记到本镇党员名册", name=member.name), "success")
            return redirect(url_for("members.show", member_id=member.id))
    status = 422 if errors else 200
    return render_template(
        "transfers/receive.html", row=row, errors=errors, today=date.today()
    ), status


@bp.route("/<int:incoming_id>/refuse", methods=["GET", "POST"])
@require("transfer.receive")
def refuse(incoming_id: int) -> Any:
    """拒收 with a reason: the member stays at the sending township."""
    row = _row(incoming_id)
    form = RefuseForm()
    if form.validate_on_submit():
        try:
            crossing.refuse(
                db.session, current_user, g.township, row, form.reason.data, date.today()
            )
        except CrossingRefused as exc:
            form.reason.errors = list(exc.errors.values())
        else:
            flash(_("已拒收，原因已告知流出地乡镇"), "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors else 200
    return render_template("transfers/refuse.html", form=form, row=row), status


@bp.route("/register", methods=["GET", "POST"])
@require("transfer.receive")
def register() -> Any:
    """平台外转入: register a member arriving with a paper letter from off the platform."""
    form = InboundForm()
    limit = branch_limit(current_user, "transfer.receive")
    form.branch_id.choices = [
        (i, n) for i, n in branch_options(db.session) if limit is None or i == limit
    ]
    if form.is_submitted():
        parsed = form.validate()
        data = form.data_for_service()
        if not can(current_user, "transfer.receive", data.get("branch_id")):
            form.attach_errors({"branch_id": _("您只能登记本支部的转入党员")})
        elif not parsed:
            problems = inbound_problems(db.session, data, date.today())
            form.attach_errors({k: v for k, v in problems.items() if not form[k].errors})
        else:
            try:
                member = do_register_inbound(
                    db.session, current_user, g.township, data, date.today()
                )
            except MemberInvalid as exc:
                form.attach_errors(exc.errors)
            else:
                flash(_("已登记转入党员 %(name)s", name=member.name), "success")
                return redirect(url_for("members.show", member_id=member.id))
    status = 422 if form.errors else 200
    return render_template("transfers/register.html", form=form), status
