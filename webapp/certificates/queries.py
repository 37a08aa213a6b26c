"""Certificate reads: access by id, the register, the verifications due, the replacement chain."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from tenants.access import get_in_tenant
from webapp.auth.permissions import can
from webapp.certificates.models import Certificate, CertificateStatus, latest_base_due_by
from webapp.members.models import Member

DUE_STATES = {
    "due": lazy_gettext("到期及逾期"),
    "overdue": lazy_gettext("已逾期"),
    "upcoming": lazy_gettext("即将到期"),
}


@dataclass
class CertificateFilters:
    """What the officer asked for; every field optional."""

    q: str = ""
    status: str = ""
    branch_id: int | None = None
    limit_branch: int | None = None


@dataclass
class DueFilters:
    """Which valid certificates need verifying around as_of."""

    as_of: date
    months: int
    window_days: int = 30
    state: str = "due"
    branch_id: int | None = None
    limit_branch: int | None = None
    q: str = ""


def _holders(branch_id: int) -> Any:
    return or_(Certificate.branch_id == branch_id, Certificate.inflow_branch_id == branch_id)


def _search(stmt: Select[Any], q: str) -> Select[Any]:
    q = q.strip()
    if not q:
        return stmt
    return stmt.where(or_(Member.name.contains(q), Certificate.number.contains(q.upper())))


def list_certificates(f: CertificateFilters) -> Select[Any]:
    """(Certificate, Member) rows in scope, newest issue first."""
    stmt = select(Certificate, Member).join(Member, Member.id == Certificate.member_id)
    if f.limit_branch is not None:
        stmt = stmt.where(_holders(f.limit_branch))
    if f.branch_id is not None:
        stmt = stmt.where(_holders(f.branch_id))
    if f.status in {s.value for s in CertificateStatus}:
        stmt = stmt.where(Certificate.status == CertificateStatus(f.status))
    stmt = _search(stmt, f.q)
    return stmt.order_by(Certificate.issued_on.desc(), Certificate.id.desc())


def verification_base() -> Any:
    """The date the next verification counts from: the last one, or the issue."""
    return func.coalesce(Certificate.last_verified_on, Certificate.issued_on)


def _due_by(day: date, months: int) -> Any:
    """Certificate.due_on(months) <= day, as SQL: the base is old enough, or the card expires."""
    return or_(
        verification_base() <= latest_base_due_by(day, months), Certificate.expires_on <= day
    )


def due_certificates(f: DueFilters) -> Select[Any]:
    """(Certificate, Member) rows of valid certificates in the chosen state, most overdue first."""
    base = verification_base()
    stmt = (
        select(Certificate, Member)
        .join(Member, Member.id == Certificate.member_id)
        .where(Certificate.status == CertificateStatus.VALID)
    )
    overdue = _due_by(f.as_of - timedelta(days=1), f.months)
    in_window = _due_by(f.as_of + timedelta(days=f.window_days), f.months)
    if f.state == "overdue":
        stmt = stmt.where(overdue)
    elif f.state == "upcoming":
        stmt = stmt.where(~overdue, in_window)
    else:
        stmt = stmt.where(in_window)
    if f.limit_branch is not None:
        stmt = stmt.where(_holders(f.limit_branch))
    if f.branch_id is not None:
        stmt = stmt.where(_holders(f.branch_id))
    stmt = _search(stmt, f.q)
    return stmt.order_by(base.asc(), Certificate.id)


def certificates_of(member_id: int) -> Select[tuple[Certificate]]:
    """A member's certificates, newest first."""
    return (
        select(Certificate)
        .where(Certificate.member_id == member_id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    )


def get_certificate(session: Session, user: Any, certificate_id: Any, action: str) -> Certificate:
    """The certificate if user may do action on it (either holding branch), else NotFound."""
    cert = get_in_tenant(session, Certificate, certificate_id)
    branches = {cert.branch_id} if action == "certificate.manage" else cert.holder_branch_ids()
    if not any(can(user, action, b) for b in branches):
        raise NotFound()
    return cert


def valid_certificate(session: Session, member_id: int) -> Certificate | None:
    """The member's one valid certificate, if any."""
    return session.scalar(
        select(Certificate).where(
            Certificate.member_id == member_id, Certificate.status == CertificateStatus.VALID
        )
    )


def replacement_chain(session: Session, cert: Certificate) -> list[Certificate]:
    """Every certificate linked to this one by replacement, oldest first."""
    first = cert
    seen = {cert.id}
    while first.replaces_id and first.replaces_id not in seen:
        first = get_in_tenant(session, Certificate, first.replaces_id)
        seen.add(first.id)
    chain = [first]
    while chain[-1].replaced_by_id and len(chain) < 100:
        chain.append(get_in_tenant(session, Certificate, chain[-1].replaced_by_id))
    return chain
