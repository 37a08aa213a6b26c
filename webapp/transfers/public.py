"""The public page a letter's QR code opens: its number, validity and status. Nothing else.

No login and no <slug>: the letter version's random token is the only key. A voided version
(reissued) says so; the transfer's member is never named.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, make_response, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from tenants.context import reading_context, system_context_unsafe
from webapp.extensions import db
from webapp.transfers.models import Letter, Transfer, TransferStatus

bp = Blueprint("letters_public", __name__)
RECEIVED = (TransferStatus.RECEIVED, TransferStatus.RECEIPTED)
VOID = (TransferStatus.WITHDRAWN, TransferStatus.REFUSED)


@dataclass(frozen=True)
class LetterView:
    """Everything the public page may show; the template gets this and nothing else."""

    number: str
    version: int
    valid_until: date
    state: str  # valid / received / void / expired
    label: str


def _state(letter: Letter, transfer: Transfer, today: date) -> tuple[str, str]:
    if letter.voided_on is not None or transfer.status in VOID:
        return "void", _("已作废")
    if transfer.status in RECEIVED:
        return "received", _("已接收")
    if letter.valid_until < today:
        return "expired", _("已过有效期")
    return "valid", _("有效")


def letter_view(token: str, today: date | None = None) -> LetterView | None:
    """What the public may know of one letter version, or None for an unknown token."""
    # The one cross-township read here: find which township the token belongs to.
    with system_context_unsafe():
        tenant_id = db.session.scalar(select(Letter.tenant_id).where(Letter.token == token))
    if tenant_id is None:
        return None
    with reading_context([tenant_id]):
        letter = db.session.scalar(select(Letter).where(Letter.token == token))
        transfer = db.session.get(Transfer, letter.transfer_id)
        state, label = _state(letter, transfer, today or date.today())
        return LetterView(
            transfer.letter_number or "", letter.version, letter.valid_until, state, label
        )


@bp.route("/l/<token>")
def check(token: str) -> Any:
    """介绍信查验: an unknown token is a plain 404."""
    view = letter_view(token) if len(token) <= 32 else None
    if view is None:
        abort(404)
    response = make_response(render_template("transfers/public.html", view=view))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
