"""/county/transfers: the coordinator's flows of transfers and the county approval step."""

import io
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from tenants.context import reading_context, tenant_context
from tenants.models import Township
from webapp.auth.access import accessible_townships
from webapp.auth.decorators import require
from webapp.extensions import db
from webapp.imports.excel import XLSX, table_bytes
from webapp.placements.services import county_flows
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


EXPORT_HEADERS = [
    lazy_gettext("乡镇"),
    lazy_gettext("转出审批中"),
    lazy_gettext("已开具"),
    lazy_gettext("其中过期"),
    lazy_gettext("已转出"),
    lazy_gettext("被拒收"),
    lazy_gettext("平均审批天数"),
    lazy_gettext("待接收转入"),
    lazy_gettext("已转入"),
    lazy_gettext("流入地待报到"),
    lazy_gettext("流入地已流入"),
    lazy_gettext("流入地已结束"),
    lazy_gettext("流入地拒收"),
]


@bp.route("/export")
@require("county.view")
def export() -> Any:
    """The flows of the coordinator's townships as a workbook: transfers and placements."""
    towns = accessible_townships(db.session, current_user)
    ids = [t.id for t in towns]
    today = date.today()
    with reading_context(ids):
        flows = transfer_flows(db.session, ids, today)
        placed = county_flows(db.session, ids, today)["townships"]
    rows = []
    for town in towns:
        out, incoming, p = flows["out"][town.id], flows["incoming"][town.id], placed[town.id]
        pending = out["pending_branch"] + out["pending_township"] + out["pending_county"]
        rows.append(
            [
                town.name,
                pending,
                out["issued"],
                flows["overdue"].get(town.id, 0),
                out["received"] + out["receipted"],
                out["refused"],
                flows["approval_days"].get(town.id, ""),
                incoming["waiting"],
                incoming["received"],
                p["pending"],
                p["active"],
                p["ended"],
                p["refused"],
            ]
        )
    content = table_bytes(_("流动与转接"), EXPORT_HEADERS, rows)
    return send_file(
        io.BytesIO(content),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"county-flows-{today:%Y%m%d}.xlsx",
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
