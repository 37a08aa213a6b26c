"""The public check a card's QR code opens: valid or not, the validity period, the township. Nothing else.

No login and no <slug>: the signed token is the only key, and it carries only the certificate id.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, make_response, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from tenants.context import reading_context, system_context_unsafe
from tenants.models import Township
from webapp.certificates.models import Certificate, CertificateStatus
from webapp.extensions import db

bp = Blueprint("certificates_public", __name__)
SALT = "lianxin.certificate.public-check"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def public_token(certificate_id: int) -> str:
    """The signed token printed (as a QR code) on the card."""
    return _serializer().dumps(int(certificate_id))


def certificate_id_of(token: str) -> int | None:
    """The certificate id a token was signed for; None when tampered with or malformed."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def public_url(base_url: str, certificate_id: int) -> str:
    """The absolute URL of the public check, from the site's base URL."""
    return f"{base_url.rstrip('/')}/v/{public_token(certificate_id)}"


@dataclass(frozen=True)
class PublicView:
    """Everything the public page may show; the template gets this and nothing else."""

    township: str
    valid: bool
    state: str
    valid_from: date
    valid_until: date


def _state(cert: Certificate, today: date) -> tuple[bool, str]:
    if cert.status != CertificateStatus.VALID:
        return False, {"voided": _("已作废"), "lost": _("已挂失"), "returned": _("已交回")}[
            cert.status.value
        ]
    if today > cert.expires_on:
        return False, _("已过有效期")
    if today < cert.issued_on:
        return False, _("尚未生效")
    return True, _("有效")


def public_view(certificate_id: int, today: date | None = None) -> PublicView | None:
    """What the public may know of one certificate, or None when there is no such certificate."""
    # The one cross-township read here: find which township the signed id belongs to.
    with system_context_unsafe():
        tenant_id = db.session.scalar(
            select(Certificate.tenant_id).where(Certificate.id == certificate_id)
        )
    if tenant_id is None:
        return None
    with reading_context([tenant_id]):
        cert = db.session.get(Certificate, certificate_id)
        township = db.session.get(Township, tenant_id)
        valid, state = _state(cert, today or date.today())
        return PublicView(township.name, valid, state, cert.issued_on, cert.expires_on)


@bp.route("/v/<token>")
def check(token: str) -> Any:
    """流动党员证验真: a tampered or unknown token is a plain 404."""
    certificate_id = certificate_id_of(token)
    view = public_view(certificate_id) if certificate_id is not None else None
    if view is None:
        abort(404)
    response = make_response(render_template("certificates/public.html", view=view))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
