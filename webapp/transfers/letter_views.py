"""介绍信 printing pages: ask for a PDF of one or many issued letters, follow it, download it."""

from typing import Any

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from tenants.access import get_in_tenant
from webapp.auth.decorators import require
from webapp.auth.permissions import branch_limit
from webapp.certificates.pdf import parse_ids
from webapp.extensions import db
from webapp.reports.rendering import audited_pdf
from webapp.tenancy import township_blueprint
from webapp.transfers.letter_models import LetterMode, LetterPrint
from webapp.transfers.letters import PAGE_MM, do_request_letters
from webapp.transfers.positions import do_set_positions, rows
from webapp.transfers.services import TransferInvalid
from webapp.urls import public_base_url

bp = township_blueprint("letters", __name__, "/transfers")


@bp.route("/letters/print", methods=["POST"])
@require("transfer.manage")
def print_letters() -> Any:
    """Queue one PDF of the chosen transfers' letters (ids=… repeated; mode=full or fill)."""
    try:
        job = do_request_letters(
            db.session,
            current_user,
            g.township,
            parse_ids(request.form.getlist("ids")),
            request.form.get("mode", LetterMode.FULL.value),
            public_base_url(),
        )
    except TransferInvalid as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        back = request.referrer or ""
        return redirect(back if back.startswith(request.host_url) else url_for("transfers.index"))
    flash(_("已提交，正在后台生成介绍信PDF"), "success")
    return redirect(url_for(".print_job", letter_print_id=job.id))


def _job(letter_print_id: int) -> LetterPrint:
    """A print job: its requester's, or any for an officer who may manage every branch."""
    job = get_in_tenant(db.session, LetterPrint, letter_print_id)
    if branch_limit(current_user, "transfer.manage") is not None and (
        job.requested_by != current_user.id
    ):
        raise NotFound()
    return job


@bp.route("/letters/prints/<int:letter_print_id>")
@require("transfer.manage")
def print_job(letter_print_id: int) -> Any:
    """Progress of a print job (JSON with ?format=json for the progress bar)."""
    job = _job(letter_print_id)
    if request.args.get("format") == "json":
        return jsonify(
            status=job.status.value, label=job.status_label, progress=job.progress, pages=job.pages
        )
    return render_template(
        "transfers/letters_print.html", job=job, fill=job.mode == LetterMode.FILL
    )


@bp.route("/letters/prints/<int:letter_print_id>/download")
@require("transfer.manage")
def download(letter_print_id: int) -> Any:
    """The PDF of letters, with an audit entry (they carry names and ID numbers)."""
    return audited_pdf(
        _job(letter_print_id),
        "transfer.letter_downloaded",
        "transfer_letter_print",
        f"letters-{letter_print_id}.pdf",
    )


@bp.route("/letters/positions", methods=["GET", "POST"])
@require("township.settings")
def letter_positions() -> Any:
    """套打位置: adjust, in millimetres, where fill-print puts each value."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = do_set_positions(db.session, current_user, g.township, request.form.to_dict())
        if not errors:
            flash(_("套打位置已保存"), "success")
            return redirect(url_for(".letter_positions"))
    return render_template(
        "transfers/positions.html", rows=rows(g.township), errors=errors, page=PAGE_MM
    ), (422 if errors else 200)
