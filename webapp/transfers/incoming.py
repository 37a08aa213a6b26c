"""The receiving township's own records: its 转入 list, and members arriving from off the platform.

A member sent by an organisation that is not on the platform is registered from the paper letter
(number, sending organisation, the handed-over fields); the one-active-register rule applies as
for any new member.
"""

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record
from webapp.idnumber import normalize
from webapp.inputs import text_problem
from webapp.members.models import Member
from webapp.members.rules import MemberInvalid, clean_member_data, member_problems
from webapp.members.services import flush_or_duplicate
from webapp.transfers.models import IncomingStatus, IncomingTransfer


def list_incoming(status: str = "", q: str = "", branch_id: int | None = None) -> Select[Any]:
    """The township's 转入, waiting first and newest first, by status and member name."""
    stmt = select(IncomingTransfer)
    if status in {s.value for s in IncomingStatus}:
        stmt = stmt.where(IncomingTransfer.status == IncomingStatus(status))
    if q := q.strip():
        stmt = stmt.where(
            IncomingTransfer.member_name.contains(q) | (IncomingTransfer.letter_number == q)
        )
    if branch_id is not None:
        stmt = stmt.where(IncomingTransfer.branch_id == branch_id)
    return stmt.order_by(IncomingTransfer.issued_on.desc(), IncomingTransfer.id.desc())


def _letter_problems(session: Session, data: dict[str, Any], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    number = (data.get("letter_number") or "").strip()
    if not number:
        errors["letter_number"] = _("请填写介绍信编号")
    elif problem := text_problem(number):
        errors["letter_number"] = problem
    elif len(number) > 32:
        errors["letter_number"] = _("介绍信编号不能超过32个字符")
    elif session.scalar(
        select(IncomingTransfer.id).where(
            IncomingTransfer.letter_number == number, IncomingTransfer.transfer_id.is_(None)
        )
    ):
        errors["letter_number"] = _("这封介绍信已经登记过转入")
    sender = (data.get("from_name") or "").strip()
    if not sender:
        errors["from_name"] = _("请填写开具介绍信的组织")
    elif len(sender) > 100:
        errors["from_name"] = _("组织名称不能超过100个字符")
    issued = data.get("issued_on")
    if not isinstance(issued, date):
        errors["issued_on"] = _("请填写介绍信开具日期")
    elif issued > today:
        errors["issued_on"] = _("开具日期不能晚于今天")
    return errors


def inbound_problems(session: Session, data: dict[str, Any], today: date) -> dict[str, str]:
    """Field -> message for everything wrong with an inbound registration."""
    return {**_letter_problems(session, data, today), **member_problems(session, data)}


def do_register_inbound(
    session: Session, actor: Any, township: Township, data: dict[str, Any], today: date
) -> Member:
    """平台外转入: the member joins this register from a paper letter; the letter is recorded."""
    errors = inbound_problems(session, data, today)
    if errors:
        raise MemberInvalid(errors)
    member = Member(tenant_id=township.id, **clean_member_data(data))
    member.set_id_number(normalize(data["id_number"]))
    session.add(member)
    flush_or_duplicate(session)
    row = IncomingTransfer(
        tenant_id=township.id,
        branch_id=member.branch_id,
        letter_number=data["letter_number"].strip(),
        from_name=data["from_name"].strip(),
        member_name=member.name,
        status=IncomingStatus.RECEIVED,
        issued_on=data["issued_on"],
        valid_until=data["issued_on"],
        received_on=today,
        member_id=member.id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "incoming.registered",
        "member",
        member.id,
        tenant_id=township.id,
        after={"letter_number": row.letter_number, "from": row.from_name, "name": member.name},
    )
    session.commit()
    return member
