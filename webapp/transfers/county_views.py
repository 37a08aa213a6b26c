"""/county/transfers: the coordinator's flows of transfers and the county approval step."""

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants.context import reading_context, tenant_context
from tenants.models import Township
from webapp.auth.access import accessible_townships
from webapp.auth.decorators import require
from webapp.extensions import db
from webapp.transfers.county import county_queue, transfer_flows
from webapp.transfers.forms import DecideForm
from webapp.transfers.models import STATUS_LABELS, Step, Transfer
from webapp.transfers.services import TransferInvalid, do_decide

bp = Blueprint("county_transfers", __name__, url_prefix="/county/transfers")


@bp.route("/")
@require("county.view")
def index() -> Any:
    """组织关系转接汇总 and 待县委组织部审批, over the coordinator's townships only."""
    towns = accessible_townships(db.session, current_user)
    ids = [t.id for t in towns]
    with reading_context(ids):
        flows = transfer_flows(db.session, ids, date.today())
        pending = county_queue(db.session)
    return render_template(
        "transfers/county.html",
        towns=towns,
        names={t.id: t.name for t in towns},
        flows=flows,
        pending=pending,
        labels=STATUS_LABELS,
        form=DecideForm(),
    )


@bp.route("/<int:transfer_id>/decide", methods=["POST"])
@require("transfer.approve_county", refusal=404)
def decide(transfer_id: int) -> Any:
    """县委组织部审批: approve (the letter is issued) or return for edits."""
    ids = [t.id for t in accessible_townships(db.session, current_user)]
    with reading_context(ids):
        transfer = db.session.get(Transfer, transfer_id)
        tenant_id = transfer.tenant_id if transfer is not None else None
    if tenant_id is None:
        abort(404)  # not a transfer of an overseen township
    form = DecideForm()
    approve = request.form.get("decision") == "approve"
    with tenant_context(tenant_id):
        transfer = db.session.get(Transfer, transfer_id)
        township = db.session.get(Township, tenant_id)
        if not form.validate_on_submit():
            flash(_("请检查审批意见"), "error")
        else:
            try:
                do_decide(
                    db.session,
                    current_user,
                    township,
                    transfer,
                    Step.COUNTY,
                    {"approve": approve, "note": form.note.data},
                    date.today(),
                )
            except TransferInvalid as exc:
                for message in exc.errors.values():
                    flash(message, "error")
            else:
                flash(_("已审批通过，介绍信已开具") if approve else _("已退回修改"), "success")
    return redirect(url_for(".index"))
