"""What happens to a member's card when they come home: handed back, or kept for the next trip.

Kept apart from certificates.services so that the register's 返回登记 can call it inside its
own transaction without an import circle (certificates.services reads the register).
"""

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import update
from sqlalchemy.orm import Session

from tenants.db import utcnow
from webapp.audit.services import record, snapshot
from webapp.certificates.models import Certificate, CertificateStatus
from webapp.certificates.queries import valid_certificate
from webapp.members.models import Member

HAND_BACK = "return"
KEEP = "keep"
CHOICES = {
    HAND_BACK: lazy_gettext("交回流动党员证（不再外出）"),
    KEEP: lazy_gettext("暂不交回（短期返乡，还将外出）"),
}
FIELD = "certificate"
RETURN_NOTE = "返回登记时交回"  # stored on the certificate as written


def leave_valid(
    session: Session, cert: Certificate, status: CertificateStatus, on: date, notes: str
) -> bool:
    """Compare-and-set: only a certificate that is still valid changes (two clerks, one card);
    False when it had already left service."""
    changed = session.execute(
        update(Certificate)
        .where(Certificate.id == cert.id, Certificate.status == CertificateStatus.VALID)
        .values(status=status, status_on=on, status_notes=notes, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return changed.rowcount == 1


def choice_problem(session: Session, member: Member, choice: Any) -> str | None:
    """The message for the certificate field of a 返回登记, or None when it is in order."""
    if valid_certificate(session, member.id) is None:
        return None
    if choice not in CHOICES:
        return _("该党员持有有效的流动党员证，请选择交回或暂不交回")
    return None


def settle_on_return(
    session: Session, actor: Any, member: Member, returned_on: date, choice: Any
) -> None:
    """Hand the valid card back on the return day, or note that it was kept; no commit.

    The register's return commits both together, so a member is never home with a card the
    office thinks is still in use unless the officer said so.
    """
    cert = valid_certificate(session, member.id)
    if cert is None:
        return
    before = snapshot(cert, Certificate.AUDIT_FIELDS)
    if choice == HAND_BACK:
        if not leave_valid(
            session, cert, CertificateStatus.RETURNED, max(returned_on, cert.issued_on), RETURN_NOTE
        ):
            return  # another clerk changed the card a moment ago: it is no longer ours to close
        action = "certificate.returned"
    else:
        action = "certificate.kept_on_return"
    record(
        session,
        actor,
        action,
        "certificate",
        cert.id,
        tenant_id=cert.tenant_id,
        before=before,
        after=snapshot(cert, Certificate.AUDIT_FIELDS),
    )
