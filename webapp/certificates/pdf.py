"""Card-size PDFs of certificates (front and back, many cards in one document), made by a worker."""

from typing import Any

import segno
from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from tenants.models import Township
from webapp.audit.services import record
from webapp.certificates.models import Certificate, CertificatePrint, CertificateStatus
from webapp.certificates.public import public_url
from webapp.certificates.queries import get_certificate
from webapp.certificates.services import CertificateInvalid, verify_months
from webapp.jobs import enqueue_after_commit
from webapp.reports.rendering import mark_pdf_job_failed, render_pdf_job

RENDER_TASK = "workers.tasks.certificates.render_cards"
MAX_CARDS = 200


def parse_ids(values: list[Any]) -> list[int]:
    """Distinct certificate ids in the order given; anything that is not a number is dropped."""
    seen: dict[int, None] = {}
    for value in values:
        if str(value).strip().isdigit():
            seen.setdefault(int(str(value).strip()), None)
    return list(seen)


def do_request_print(
    session: Session, actor: Any, township: Township, ids: list[int], base_url: str
) -> CertificatePrint:
    """Queue one PDF of the valid certificates ids (each the actor may manage), after commit."""
    if not ids:
        raise CertificateInvalid({"ids": _("请至少选择一张证件")})
    if len(ids) > MAX_CARDS:
        raise CertificateInvalid({"ids": f"一次最多打印{MAX_CARDS}张，请分批打印"})
    certs = []
    for cert_id in ids:
        try:
            certs.append(get_certificate(session, actor, cert_id, "certificate.manage"))
        except NotFound:
            raise CertificateInvalid({"ids": _("所选证件不存在或您无权打印")}) from None
    unusable = [c.number for c in certs if c.status != CertificateStatus.VALID]
    if unusable:
        raise CertificateInvalid(
            {"ids": f"只能打印有效的证件（{'、'.join(unusable[:5])} 不是有效状态）"}
        )
    title = f"流动党员证 {certs[0].number}" if len(certs) == 1 else f"流动党员证 {len(certs)} 张"
    job = CertificatePrint(
        tenant_id=township.id,
        title=title,
        certificate_ids=[c.id for c in certs],
        base_url=base_url,
        requested_by=getattr(actor, "id", None),
    )
    session.add(job)
    session.flush()
    record(
        session,
        actor,
        "certificate.print_requested",
        "certificate_print",
        job.id,
        tenant_id=township.id,
        after={"title": title, "numbers": [c.number for c in certs]},
    )
    enqueue_after_commit(session, RENDER_TASK, township.id, job.id)
    session.commit()
    return job


def qr_data_uri(url: str) -> str:
    """The QR code of url as an SVG data URI (crisp at any print size)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(border=0, dark="#111")


def _cards(session: Session, job: CertificatePrint) -> list[dict[str, Any]]:
    by_id = {
        c.id: c
        for c in session.scalars(select(Certificate).where(Certificate.id.in_(job.certificate_ids)))
    }
    return [
        {"cert": by_id[i], "qr": qr_data_uri(public_url(job.base_url, i))}
        for i in job.certificate_ids
        if i in by_id and by_id[i].is_valid  # voided or lost since it was asked for: no card
    ]


def render_cards(session: Session, print_id: int) -> CertificatePrint:
    """Render the PDF; running it again for a finished job does nothing."""

    def html(job: CertificatePrint, township: Township | None) -> str:
        return render_template(
            "certificates/cards_pdf.html",
            cards=_cards(session, job),
            township=township,
            months=verify_months(township),
        )

    return render_pdf_job(
        session, CertificatePrint, print_id, html, ("certificate.printed", "certificate_print")
    )


def mark_failed(session: Session, print_id: int, message: str) -> None:
    """Record a rendering failure the user can see."""
    mark_pdf_job_failed(session, CertificatePrint, print_id, message)
