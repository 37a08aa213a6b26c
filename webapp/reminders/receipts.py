"""Where SMS providers push delivery receipts: POST /hooks/sms/<provider>/<slug>/<secret> for a
township's own SMS account, POST /hooks/sms/<provider>/<secret> for the deployment's shared one.

No login and no CSRF token: the secret in the URL is the key (a provider can be given a URL and
nothing else). A wrong secret, slug or provider answers the same 404. A township's receipts are
applied in its scope only, so another township's reference is simply not found; its secret is
kept encrypted in township.settings["sms_receipts"], and the reminder settings page shows the full
URLs and makes a new secret (the old URLs stop working). The Aliyun and Tencent consoles take one
receipt URL per account, so the shared account's receipts come to one deployment URL keyed by
SMS_RECEIPT_SECRET (unset: 404) and go each to the township whose message they name; the page
shows that URL's shape, never the secret.
"""

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from notifications.receipts import (
    PARSERS,
    Receipt,
    ReceiptInvalid,
    Tally,
    answer,
    apply_all,
    apply_shared,
    parse,
    refusal,
)
from tenants.access import township_by_slug
from tenants.context import tenant_context
from tenants.db import utcnow
from tenants.models import Township
from webapp.audit.services import record
from webapp.crypto import KeyringNotConfigured, keyring
from webapp.extensions import csrf, db

log = logging.getLogger(__name__)

bp = Blueprint("sms_receipts", __name__)
csrf.exempt(bp)

SECTION = "sms_receipts"
PROVIDER_LABELS = {"aliyun": "阿里云短信", "tencent": "腾讯云短信", "http": "通用短信网关"}
_UNSET = secrets.token_urlsafe(24)  # compared against when a township has no secret


def receipt_secret(township: Township) -> str | None:
    """The township's receipt secret in clear, or None when none was made (or it can't be read)."""
    stored = ((township.settings or {}).get(SECTION) or {}).get("secret")
    if not stored:
        return None
    try:
        return keyring.decrypt(stored)
    except KeyringNotConfigured:
        log.warning("township %s: receipt secret is not readable with the data keys", township.id)
        return None


def do_rotate_secret(session: Session, actor: Any, township: Township) -> str:
    """Make a new receipt secret (the old callback URLs stop working); audited, never logged."""
    had = receipt_secret(township) is not None
    secret = secrets.token_urlsafe(24)
    township.settings = {
        **(township.settings or {}),
        SECTION: {"secret": keyring.encrypt(secret), "rotated_at": utcnow().isoformat()},
    }
    record(
        session,
        actor,
        "reminders.receipt_secret_rotated",
        "township",
        township.id,
        tenant_id=township.id,
        before={"configured": had},
        after={"configured": True},
    )
    session.commit()
    return secret


def callback_urls(township: Township, base_url: str, provider: str) -> dict[str, str]:
    """Label -> full callback URL: the configured provider's, or every provider's (dev)."""
    secret = receipt_secret(township)
    if secret is None:
        return {}
    base = base_url.rstrip("/")
    shown = [provider] if provider in PARSERS else list(PARSERS)
    return {PROVIDER_LABELS[p]: f"{base}/hooks/sms/{p}/{township.slug}/{secret}" for p in shown}


def shared_callback_urls(base_url: str, provider: str) -> dict[str, str]:
    """Label -> the deployment URL with its secret left out, or {} when SMS_RECEIPT_SECRET is
    unset."""
    if not current_app.config.get("SMS_RECEIPT_SECRET"):
        return {}
    base = base_url.rstrip("/")
    shown = [provider] if provider in PARSERS else list(PARSERS)
    return {PROVIDER_LABELS[p]: f"{base}/hooks/sms/{p}/<SMS_RECEIPT_SECRET>" for p in shown}


def _township(provider: str, slug: str, secret: str) -> Township:
    """The township the URL names, when the secret is its own; 404 otherwise, whatever was wrong."""
    try:
        township: Township | None = township_by_slug(db.session, slug)
    except NotFound:
        township = None
    expected = receipt_secret(township) if township is not None else None
    matches = hmac.compare_digest(secret.encode(), (expected or _UNSET).encode())
    if township is None or expected is None or not matches or provider not in PARSERS:
        abort(404)
    return township


def _take(provider: str, whose: str, apply: Callable[[list[Receipt]], Tally]) -> Any:
    """Parse the push and apply it, or 400 (nothing written) when it is malformed."""
    try:
        receipts = parse(provider, request.get_data(cache=False))
    except ReceiptInvalid as exc:
        log.warning("%s receipts for %s refused: %s", provider, whose, exc)
        return jsonify(refusal(provider, str(exc))), 400
    tally = apply(receipts)
    db.session.commit()
    log.info("%s receipts for %s: %s", provider, whose, tally)
    return jsonify(answer(provider, tally))


@bp.route("/hooks/sms/<provider>/<slug>/<secret>", methods=["POST"])
def receive(provider: str, slug: str, secret: str) -> Any:
    """Apply one push of delivery receipts for a township's own account."""
    township = _township(provider, slug, secret)

    def apply(receipts: list[Receipt]) -> Tally:
        with tenant_context(township.id):
            tally = apply_all(db.session, provider, receipts, utcnow())
            db.session.flush()
        return tally

    return _take(provider, f"township {township.id}", apply)


@bp.route("/hooks/sms/<provider>/<secret>", methods=["POST"])
def receive_shared(provider: str, secret: str) -> Any:
    """Apply one push of delivery receipts for the deployment's shared account."""
    expected = current_app.config.get("SMS_RECEIPT_SECRET") or ""
    matches = hmac.compare_digest(secret.encode(), (expected or _UNSET).encode())
    if not expected or not matches or provider not in PARSERS:
        abort(404)
    return _take(
        provider,
        "the shared account",
        lambda receipts: apply_shared(db.session, provider, receipts, utcnow()),
    )
