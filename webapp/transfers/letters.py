"""介绍信 PDFs: one document for one or many issued transfers, rendered by a worker.

Full mode prints each letter on one A4 page in its three parts, sharing one number and
separated by cut lines: 存根 (kept by the sending township), 介绍信 (goes with the member) and
回执 (sent back by the receiver), each with a QR code of the letter version in force.

Fill mode (套打) prints only the values, placed in millimetres onto the pre-printed official
stationery: no frames, labels, QR codes or 补打 mark (a reprint is in the audit entry only).
Where each value goes is DEFAULT_POSITIONS, overridden field by field by the township setting
``letter_positions`` ({"letter.name": [x_mm, y_mm], ...} in the township's settings JSON,
edited on the 套打位置 page, webapp/transfers/positions.py).

The ID number is printed (the sending township hands it over with the letter); it appears in
the document only, never in a log or an audit entry.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from tenants.access import get_in_tenant
from tenants.models import Township
from webapp.audit.services import record
from webapp.auth.permissions import can
from webapp.certificates.pdf import qr_data_uri
from webapp.jobs import enqueue_after_commit
from webapp.members.models import Member, MemberStatus
from webapp.reports.rendering import mark_pdf_job_failed, render_pdf_job
from webapp.transfers.letter_models import MODE_LABELS, LetterMode, LetterPrint
from webapp.transfers.models import Letter, Transfer, TransferStatus
from webapp.transfers.services import TransferInvalid, current_letter

RENDER_TASK = "workers.tasks.letters.render_letters"
MAX_LETTERS = 200
DIGITS = "零壹贰叁肆伍陆柒捌玖"
STANDING = {MemberStatus.FULL: "正式", MemberStatus.PROBATIONARY: "预备"}
PAGE_MM = (210, 297)
# the facts 存根 and 介绍信 both carry (LetterContent attributes)
SHARED = (
    "number",
    "name",
    "gender",
    "age",
    "ethnicity",
    "standing",
    "id_number",
    "from_org",
    "to_org",
    "dues_year",
    "dues_month",
    "days",
    "year",
    "month",
    "day",
)

# 套打: where each value goes on the pre-printed A4 stationery, [x_mm, y_mm] of its top left.
# The three parts are stacked as on the official form: 存根 (top), 介绍信, 回执 (bottom).
DEFAULT_POSITIONS: dict[str, list[float]] = {
    "stub.number": [150, 20],
    "stub.name": [24, 35],
    "stub.gender": [58, 35],
    "stub.age": [74, 35],
    "stub.ethnicity": [92, 35],
    "stub.standing": [118, 35],
    "stub.id_number": [52, 45],
    "stub.from_org": [40, 55],
    "stub.to_org": [128, 55],
    "stub.dues_year": [46, 65],
    "stub.dues_month": [68, 65],
    "stub.days": [150, 65],
    "stub.year": [136, 76],
    "stub.month": [158, 76],
    "stub.day": [174, 76],
    "letter.number": [150, 108],
    "letter.addressee": [24, 122],
    "letter.name": [46, 132],
    "letter.gender": [80, 132],
    "letter.age": [96, 132],
    "letter.ethnicity": [114, 132],
    "letter.standing": [140, 132],
    "letter.id_number": [52, 142],
    "letter.from_org": [40, 152],
    "letter.to_org": [128, 152],
    "letter.dues_year": [60, 162],
    "letter.dues_month": [82, 162],
    "letter.days": [150, 172],
    "letter.year": [136, 190],
    "letter.month": [158, 190],
    "letter.day": [174, 190],
    "receipt.number": [150, 226],
    "receipt.addressee": [24, 240],
    "receipt.name": [30, 250],
}


def daxie(n: int) -> str:
    """n (0 to 999) in financial numerals (大写): 30 叁拾, 15 拾伍, 105 壹佰零伍, 110 壹佰壹拾."""
    if not 0 <= n <= 999:
        raise ValueError(f"daxie covers 0 to 999, not {n}")
    if n == 0:
        return DIGITS[0]
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out = f"{DIGITS[hundreds]}佰" if hundreds else ""
    if tens:
        out += "拾" if tens == 1 and not hundreds else f"{DIGITS[tens]}拾"
    elif hundreds and ones:
        out += DIGITS[0]
    return out + (DIGITS[ones] if ones else "")


def positions(township: Township | None) -> dict[str, list[float]]:
    """DEFAULT_POSITIONS with the township's ``letter_positions`` over them (bad entries ignored)."""
    merged = dict(DEFAULT_POSITIONS)
    custom = ((township.settings or {}) if township else {}).get("letter_positions", {})
    for field, value in custom.items() if isinstance(custom, dict) else ():
        if field in merged and isinstance(value, list | tuple) and len(value) == 2:
            try:
                x, y = float(value[0]), float(value[1])
            except (TypeError, ValueError):
                continue
            if 0 <= x <= PAGE_MM[0] and 0 <= y <= PAGE_MM[1]:
                merged[field] = [x, y]
    return merged


def _transfers(session: Session, actor: Any, ids: list[int]) -> list[tuple[Transfer, Letter]]:
    """Each transfer (one the actor may manage) with its letter in force, or TransferInvalid."""
    rows, unusable = [], []
    for transfer_id in ids:
        try:
            transfer = get_in_tenant(session, Transfer, transfer_id)
        except NotFound:
            raise TransferInvalid({"ids": _("所选转接不存在或您无权打印")}) from None
        member = session.get(Member, transfer.member_id)
        if not can(actor, "transfer.manage", member.branch_id):
            raise TransferInvalid({"ids": _("所选转接不存在或您无权打印")})
        letter = current_letter(session, transfer)
        if transfer.status != TransferStatus.ISSUED or letter is None:
            unusable.append(f"{member.name}：{transfer.status_label}")
            continue
        rows.append((transfer, letter))
    if unusable:
        raise TransferInvalid(
            {"ids": f"只能打印已开具、尚未接收的介绍信（{'、'.join(unusable[:5])}）"}
        )
    return rows


def do_request_letters(
    session: Session,
    actor: Any,
    township: Township,
    transfer_ids: list[int],
    mode: str,
    base_url: str,
) -> LetterPrint:
    """Queue one PDF of the letters of transfer_ids (issued, each the actor may manage).

    Each letter's print counter goes up; one printed before is a reprint (补打), and the audit
    entry says so. The worker is asked after the commit.
    """
    try:
        chosen = LetterMode(mode)
    except ValueError:
        raise TransferInvalid({"mode": _("请选择打印方式：打印介绍信或套打")}) from None
    if not transfer_ids:
        raise TransferInvalid({"ids": _("请至少选择一份已开具的介绍信")})
    if len(transfer_ids) > MAX_LETTERS:
        raise TransferInvalid({"ids": f"一次最多打印{MAX_LETTERS}份介绍信，请分批打印"})
    rows = _transfers(session, actor, transfer_ids)
    for _transfer, letter in rows:
        letter.prints = Letter.prints + 1  # in the database: two requests at once count twice
    session.flush()
    reprints = [t for t, letter in rows if letter.prints > 1]
    numbers = [t.letter_number for t, _letter in rows]
    label = MODE_LABELS[chosen]
    title = f"{label} {numbers[0]}" if len(rows) == 1 else f"{label} {len(rows)} 份"
    job = LetterPrint(
        tenant_id=township.id,
        title=title,
        mode=chosen,
        transfer_ids=[t.id for t, _letter in rows],
        reprint_ids=[t.id for t in reprints],
        base_url=base_url,
        requested_by=getattr(actor, "id", None),
    )
    session.add(job)
    session.flush()
    record(
        session,
        actor,
        "transfer.letter_print_requested",
        "transfer_letter_print",
        job.id,
        tenant_id=township.id,
        after={
            "title": title,
            "mode": chosen.value,
            "numbers": numbers,
            "reprint": bool(reprints),
            "reprinted": [t.letter_number for t in reprints],
        },
    )
    enqueue_after_commit(session, RENDER_TASK, township.id, job.id)
    session.commit()
    return job


@dataclass(frozen=True)
class LetterContent:
    """What one letter says; the same values serve the full print and 套打."""

    number: str
    version: int
    reprint: bool
    addressee: str
    name: str
    gender: str
    age: int
    ethnicity: str
    standing: str
    id_number: str
    from_org: str
    to_org: str
    to_contact: str
    dues_year: str
    dues_month: str
    days: str
    issuer: str
    year: str
    month: str
    day: str
    qr: str

    def fill_values(self) -> dict[str, str]:
        """The values by DEFAULT_POSITIONS key (存根 and 介绍信 repeat the same facts)."""
        shared = {key: str(getattr(self, key)) for key in SHARED}
        return {
            **{f"stub.{key}": value for key, value in shared.items()},
            **{f"letter.{key}": value for key, value in shared.items()},
            "letter.addressee": self.addressee,
            "receipt.number": self.number,
            "receipt.addressee": self.issuer,
            "receipt.name": self.name,
        }


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _with_place(place: str, name: str) -> str:
    """An organisation's name with its township in front, unless it already names it."""
    return name if not place or name.startswith(place) else f"{place}{name}"


def _content(
    township: Township, transfer: Transfer, letter: Letter, member: Member, job: LetterPrint
) -> LetterContent:
    org = transfer.organisation
    on_platform = org.branch_id is not None
    dues = transfer.dues_paid_to.split("-") if transfer.dues_paid_to else ["", ""]
    contact = "　".join(p for p in (org.address, org.contact_name, org.phone) if p)
    return LetterContent(
        number=transfer.letter_number or "",
        version=letter.version,
        reprint=transfer.id in (job.reprint_ids or []),
        addressee=f"中共{org.owner.name}委员会" if on_platform else org.name,
        name=member.name,
        gender=member.gender_label,
        age=_age(member.birth_date, letter.issued_on),
        ethnicity=member.ethnicity,
        standing=STANDING.get(member.status, ""),
        id_number=member.id_number,
        from_org=_with_place(township.name, member.branch.name),
        to_org=_with_place(org.owner.name, org.name) if on_platform else org.name,
        to_contact=contact,
        dues_year=dues[0],
        dues_month=str(int(dues[1])) if dues[1] else "",
        days=daxie((letter.valid_until - letter.issued_on).days),
        issuer=f"中共{township.name}委员会",
        year=str(letter.issued_on.year),
        month=str(letter.issued_on.month),
        day=str(letter.issued_on.day),
        qr=qr_data_uri(f"{job.base_url.rstrip('/')}/l/{letter.token}"),
    )


def letter_contents(session: Session, job: LetterPrint, township: Township) -> list[LetterContent]:
    """The job's letters in the order asked; one no longer issued (received, refused) is left out."""
    by_id = {
        t.id: t for t in session.scalars(select(Transfer).where(Transfer.id.in_(job.transfer_ids)))
    }
    contents = []
    for transfer_id in job.transfer_ids:
        transfer = by_id.get(transfer_id)
        letter = current_letter(session, transfer) if transfer is not None else None
        if letter is None or transfer.status != TransferStatus.ISSUED:
            continue
        member = session.get(Member, transfer.member_id)
        contents.append(_content(township, transfer, letter, member, job))
    return contents


def render_letters(session: Session, print_id: int) -> LetterPrint:
    """Render the PDF; running it again for a finished job does nothing."""

    def html(job: LetterPrint, township: Township | None) -> str:
        contents = letter_contents(session, job, township)
        if job.mode == LetterMode.FILL:
            return render_template(
                "transfers/letters_fill_pdf.html",
                letters=[c.fill_values() for c in contents],
                positions=positions(township),
            )
        return render_template("transfers/letters_pdf.html", letters=contents)

    return render_pdf_job(
        session, LetterPrint, print_id, html, ("transfer.letter_printed", "transfer_letter_print")
    )


def mark_failed(session: Session, print_id: int, message: str) -> None:
    """Record a rendering failure the user can see."""
    mark_pdf_job_failed(session, LetterPrint, print_id, message)
