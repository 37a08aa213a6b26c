"""The receipt (回执) of a transfer: confirmed at the sending township when an on-platform
receiver took the member in, or recorded there by hand, with a scan, for an off-platform one
(which is also when the member leaves the sending register)."""

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.inputs import text_problem
from webapp.transfers import crossing
from webapp.transfers.models import Transfer, TransferStatus
from webapp.transfers.services import TransferInvalid, audit_transfer, move_status


def do_confirm_receipt(session: Session, actor: Any, transfer: Transfer, today: date) -> Transfer:
    """回执已确认: the receiving township's receipt came back."""
    if transfer.status != TransferStatus.RECEIVED:
        raise TransferInvalid({"status": _("只有已接收的转接可以确认回执")})
    move_status(
        session,
        transfer,
        (TransferStatus.RECEIVED,),
        status=TransferStatus.RECEIPTED,
        receipt_on=today,
    )
    audit_transfer(session, actor, transfer, "transfer.receipted")
    session.commit()
    return transfer


def find_by_number(session: Session, number: str) -> Transfer | None:
    """The township's transfer with this letter number (the receipt names it)."""
    number = (number or "").strip()
    if not number or text_problem(number):  # a NUL byte, say: no such letter, and no query
        return None
    return session.scalar(select(Transfer).where(Transfer.letter_number == number))


def do_record_receipt(session: Session, actor: Any, data: dict[str, Any], today: date) -> Transfer:
    """登记回执 of an off-platform receiver, by hand with a scan: the member leaves the register."""
    errors: dict[str, str] = {}
    transfer = find_by_number(session, data.get("letter_number", ""))
    if transfer is None:
        errors["letter_number"] = _("本镇没有这个编号的介绍信，请核对回执上的编号")
    elif not transfer.off_platform:
        errors["letter_number"] = _("该介绍信开往平台上的组织，回执由接收方在平台上办理")
    elif transfer.status == TransferStatus.RECEIPTED:
        errors["letter_number"] = _("该介绍信的回执已经登记")
    elif transfer.status != TransferStatus.ISSUED:
        errors["letter_number"] = _(
            "该转接状态为“%(status_label)s”，不能登记回执", status_label=transfer.status_label
        )
    received_on = data.get("received_on")
    if not isinstance(received_on, date):
        errors["received_on"] = _("请填写接收日期")
    elif received_on > today:
        errors["received_on"] = _("接收日期不能晚于今天")
    elif transfer is not None and transfer.issued_on and received_on < transfer.issued_on:
        errors["received_on"] = _("接收日期不能早于开具日期")
    reference = (data.get("reference") or "").strip()
    if not reference:
        errors["reference"] = _("请填写接收组织的回执编号或经办人")
    scan, scan_name = data.get("scan") or b"", (data.get("scan_name") or "")[:120]
    if not scan:
        errors["scan"] = _("请上传回执扫描件（PDF、JPG或PNG，不超过5MB）")
    if errors:
        raise TransferInvalid(errors)
    move_status(
        session,
        transfer,
        (TransferStatus.ISSUED,),
        status=TransferStatus.RECEIPTED,
        received_on=received_on,
        receipt_on=today,
        receipt_reference=reference[:64],
        receipt_scan=scan,
        receipt_scan_name=scan_name,
        received_by=transfer.organisation.name[:64],
    )
    crossing.complete_at_home(session, actor, transfer, today)
    audit_transfer(session, actor, transfer, "transfer.receipt_recorded", reference=reference)
    session.commit()
    return transfer
