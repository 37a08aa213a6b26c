"""Member writes and reads: create, update, reveal (audited) and the scoped list."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record, snapshot
from webapp.crypto import keyring
from webapp.idnumber import id_number_problem, normalize
from webapp.members.models import Member, MemberStatus, phone_index_of
from webapp.members.rules import PHONE_RE, MemberInvalid, clean_member_data, member_problems
from webapp.transfers.queries import STUB, is_stub


def _audit_view(member: Member) -> dict[str, Any]:
    view = snapshot(member, Member.AUDIT_FIELDS)
    view["id_number"] = member.id_number_masked
    view["phone"] = member.phone_masked
    return view


def do_create_member(
    session: Session, actor: Any, township: Township, data: dict[str, Any]
) -> Member:
    """Validate and create a member, or raise MemberInvalid and write nothing."""
    errors = member_problems(session, data)
    if errors:
        raise MemberInvalid(errors)
    member = Member(tenant_id=township.id, **clean_member_data(data))
    member.set_id_number(normalize(data["id_number"]))
    session.add(member)
    flush_or_duplicate(session)
    record(
        session,
        actor,
        "member.created",
        "member",
        member.id,
        tenant_id=township.id,
        after=_audit_view(member),
    )
    session.commit()
    return member


def flush_or_duplicate(session: Session) -> None:
    """Flush; a concurrent registration of the same ID number becomes a field error."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise MemberInvalid({"id_number": _("该身份证号已登记")}) from exc


def do_update_member(session: Session, actor: Any, member: Member, data: dict[str, Any]) -> Member:
    """Validate and change a member; the audit entry keeps before and after (masked)."""
    if is_stub(session, member.id):
        raise MemberInvalid({"status": STUB})
    errors = member_problems(session, data, member_id=member.id)
    if errors:
        raise MemberInvalid(errors)
    before = _audit_view(member)
    for key, value in clean_member_data(data).items():
        setattr(member, key, value)
    new_number = normalize(data["id_number"])
    if new_number != member.id_number:
        member.set_id_number(new_number)
    flush_or_duplicate(session)
    record(
        session,
        actor,
        "member.updated",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        before=before,
        after=_audit_view(member),
    )
    session.commit()
    return member


def do_reveal_member(
    session: Session,
    actor: Any,
    member: Member,
    ip: str | None,
    shown: tuple[str, ...] = ("id_number", "phone"),
) -> Member:
    """Record that actor saw the unmasked numbers named in shown (the ID and phone numbers)."""
    record(
        session,
        actor,
        "member.revealed",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        after={"shown": list(shown)},
        ip=ip,
    )
    session.commit()
    return member


def list_members(
    search: str = "", branch_id: int | None = None, status: str = ""
) -> Select[tuple[Member]]:
    """Members in scope, by name, or by exact ID or phone number (via the blind indexes)."""
    stmt = select(Member)
    search = search.strip()
    if search:
        clauses = [Member.name.contains(search)]
        phone = search.replace(" ", "").replace("-", "")
        if PHONE_RE.match(phone):
            clauses.append(Member.phone_index == phone_index_of(phone))
        if id_number_problem(search) is None:
            clauses.append(Member.id_number_index == keyring.blind_index(normalize(search)))
        stmt = stmt.where(or_(*clauses))
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    if status in {s.value for s in MemberStatus}:
        stmt = stmt.where(Member.status == MemberStatus(status))
    return stmt.order_by(Member.name, Member.id)
