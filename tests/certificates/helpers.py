"""Shared by the certificate tests: issue through the service, read rows straight from the database."""

from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.factories import TownshipWorld
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.certificates.models import Certificate, CertificatePrint, Verification
from webapp.certificates.services import do_issue
from webapp.extensions import db
from webapp.reports.models import ReportStatus

TODAY = date.today()


def issue_form(**extra: Any) -> dict[str, Any]:
    """A valid 发证 form (strings, as a browser sends them)."""
    data = {
        "number": "",
        "issued_on": (TODAY - timedelta(days=10)).isoformat(),
        "expires_on": (TODAY + timedelta(days=355)).isoformat(),
        "reason": "外出务工",
        "destination": "上海市闵行区莘庄镇",
        "inflow_branch_id": "",
    }
    data.update(extra)
    return data


def issue(app: Flask, tw: TownshipWorld, member: Any = None, **data: Any) -> Certificate:
    """A certificate issued by the township admin through the service."""
    values = {
        "number": "",
        "issued_on": TODAY - timedelta(days=10),
        "expires_on": TODAY + timedelta(days=355),
        "reason": "外出务工",
        "destination": "",
        "inflow_branch_id": None,
    }
    values.update(data)
    with app.app_context(), tenant_context(tw.township.id):
        try:
            return do_issue(
                db.session, tw.users[Role.TOWNSHIP_ADMIN], tw.township, member or tw.member, values
            )
        finally:
            db.session.remove()


def load(app: Flask, tenant_id: int, certificate_id: int) -> Certificate:
    """The certificate as the database has it now."""
    with app.app_context(), tenant_context(tenant_id):
        try:
            cert = db.session.get(Certificate, certificate_id)
            db.session.expunge(cert)
            return cert
        finally:
            db.session.remove()


def counts(app: Flask, tenant_id: int) -> tuple[int, int, int]:
    """(certificates, verifications, audit entries) of a township."""
    with app.app_context(), tenant_context(tenant_id):
        try:
            return (
                db.session.scalar(select(func.count(Certificate.id))),
                db.session.scalar(select(func.count(Verification.id))),
                db.session.scalar(
                    select(func.count(AuditLog.id)).where(AuditLog.tenant_id == tenant_id)
                ),
            )
        finally:
            db.session.remove()


def actions(app: Flask, tenant_id: int, certificate_id: int) -> list[str]:
    """The audit actions recorded about one certificate, oldest first."""
    with app.app_context(), tenant_context(tenant_id):
        try:
            return list(
                db.session.scalars(
                    select(AuditLog.action)
                    .where(
                        AuditLog.tenant_id == tenant_id,
                        AuditLog.entity_type == "certificate",
                        AuditLog.entity_id == certificate_id,
                    )
                    .order_by(AuditLog.id)
                )
            )
        finally:
            db.session.remove()


def victim_certificate_rows(tw: TownshipWorld) -> dict[str, int]:
    """A valid certificate and a finished print job in tw (call in an app context)."""
    with tenant_context(tw.township.id):
        cert = Certificate(
            tenant_id=tw.township.id,
            number="VICTIM-1",
            member_id=tw.member.id,
            branch_id=tw.branch.id,
            issued_on=TODAY - timedelta(days=200),
            expires_on=TODAY + timedelta(days=100),
            reason="外出务工",
        )
        db.session.add(cert)
        db.session.flush()
        job = CertificatePrint(
            tenant_id=tw.township.id,
            title="流动党员证 VICTIM-1",
            certificate_ids=[cert.id],
            base_url="http://localhost/",
            status=ReportStatus.DONE,
            pdf=b"%PDF-1.7 secret card",
            progress=100,
        )
        db.session.add(job)
        db.session.commit()
        return {"certificate_id": cert.id, "print_id": job.id}


def _cert_for(app: Flask, tw: TownshipWorld, member: Any, branch: Any) -> int:
    """A valid certificate of member, straight into the database (probe set-up)."""
    with app.app_context(), tenant_context(tw.township.id):
        try:
            cert = Certificate(
                tenant_id=tw.township.id,
                number=f"PROBE-{member.id}",
                member_id=member.id,
                branch_id=branch.id,
                issued_on=TODAY - timedelta(days=30),
                expires_on=TODAY + timedelta(days=300),
                reason="外出务工",
            )
            db.session.add(cert)
            db.session.commit()
            return cert.id
        finally:
            db.session.remove()


def probe_issue(c: Any, w: Any, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    """certificate.manage: issue to member through the form; hand it back again when allowed."""
    slug = w.a.township.slug
    response = c.post(f"/t/{slug}/members/{member.id}/certificates/new", data=issue_form())
    if response.status_code == 302:
        c.post(f"{response.location}/return", data={"returned_on": TODAY.isoformat()})
    return response.status_code, response.status_code == 302


def probe_verify(c: Any, w: Any, branch: Any, member: Any, token: str) -> tuple[int, bool]:
    """certificate.verify: verify a valid certificate of member for its outflow branch."""
    cert_id = _cert_for(c.application, w.a, member, branch)
    response = c.post(
        f"/t/{w.a.township.slug}/certificates/{cert_id}/verify",
        data={"verified_on": TODAY.isoformat(), "branch_id": str(branch.id)},
    )
    return response.status_code, response.status_code == 302
