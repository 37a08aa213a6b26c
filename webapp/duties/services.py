"""Contact log writes: log a contact with a member, delete a mistaken one; validated and audited.

Dates a contact may carry: not in the future, not before the member joined the Party, and not
before the first day of the previous quarter. A late entry for last quarter is still accepted
during the following quarter (a visit made on 30 March can be written up on 2 April), but older
quarters are settled: their coverage figures may have been reported and must not shift.
"""

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from webapp.audit.services import record, snapshot
from webapp.auth.models import Role
from webapp.departures.census import ON_REGISTER
from webapp.duties.links import sync_for
from webapp.duties.models import CHANNEL_LABELS, Contact, ContactChannel, ThreeOnesKind
from webapp.duties.periods import quarter_of
from webapp.members.models import Member

SUBSTANCE_MIN = 10
SUBSTANCE_MAX = 2000
FOLLOW_UP_MAX = 1000


class DutyInvalid(ValueError):
    """Field name -> Chinese message; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def earliest_contact_day(today: date) -> date:
    """The oldest day a contact may still be logged (or deleted) for: the previous quarter's first."""
    return quarter_of(today).previous().start


def check_on_register(errors: dict[str, str], member: Member) -> None:
    """Duties apply to members on the register only (not transferred out, not deceased)."""
    if member.status not in ON_REGISTER:
        errors["member_id"] = f"该党员状态为“{member.status_label}”，不在册，无需登记"


def contact_problems(
    member: Member, data: dict[str, Any], today: date
) -> tuple[dict[str, str], dict[str, Any]]:
    """Field -> message for everything wrong with a contact, and the cleaned values."""
    errors: dict[str, str] = {}
    check_on_register(errors, member)
    day = data.get("contacted_on")
    earliest = earliest_contact_day(today)
    if not isinstance(day, date):
        errors["contacted_on"] = "请填写联系日期"
    elif day > today:
        errors["contacted_on"] = "联系日期不能晚于今天"
    elif day < member.join_date:
        errors["contacted_on"] = f"联系日期不能早于该党员的入党日期（{member.join_date}）"
    elif day < earliest:
        errors["contacted_on"] = (
            f"只能登记本季度和上一季度的联系（{earliest} 及以后）；更早的季度已结算，不再补录"
        )
    channel = data.get("channel")
    if channel not in {c.value for c in ContactChannel}:
        errors["channel"] = "请选择联系方式"
    substance = (data.get("substance") or "").strip()
    if not substance:
        errors["substance"] = "请填写联系内容"
    elif len(substance) < SUBSTANCE_MIN:
        errors["substance"] = (
            f"联系内容至少{SUBSTANCE_MIN}个字：写明谈了什么（思想、工作、生活情况，"
            "传达了哪些家乡和支部的消息），不要只写“问候”"
        )
    elif len(substance) > SUBSTANCE_MAX:
        errors["substance"] = f"联系内容不能超过{SUBSTANCE_MAX}个字"
    follow_up = (data.get("follow_up") or "").strip()
    due = data.get("follow_up_due")
    if len(follow_up) > FOLLOW_UP_MAX:
        errors["follow_up"] = f"跟进事项不能超过{FOLLOW_UP_MAX}个字"
    if due is not None and not isinstance(due, date):
        errors["follow_up_due"] = "跟进期限格式不正确"
    elif isinstance(due, date) and not follow_up:
        errors["follow_up"] = "填写了跟进期限，请同时写明跟进事项"
    elif isinstance(due, date) and isinstance(day, date) and due < day:
        errors["follow_up_due"] = "跟进期限不能早于联系日期"
    clean = {
        "contacted_on": day,
        "channel": ContactChannel(channel) if "channel" not in errors else None,
        "substance": substance,
        "follow_up": follow_up,
        "follow_up_due": due if isinstance(due, date) else None,
    }
    return errors, clean


def _audit_view(contact: Contact) -> dict[str, Any]:
    view = snapshot(contact, Contact.AUDIT_FIELDS)
    view["contact_id"] = contact.id
    view["notes"] = f"{contact.contacted_on} {contact.channel_label}：{contact.substance[:40]}"
    return view


def do_log_contact(
    session: Session, actor: Any, member: Member, data: dict[str, Any], today: date | None = None
) -> Contact:
    """Validate and log a contact with member, or raise DutyInvalid and write nothing."""
    errors, clean = contact_problems(member, data, today or date.today())
    if errors:
        raise DutyInvalid(errors)
    contact = Contact(
        tenant_id=member.tenant_id,
        member_id=member.id,
        logged_by_id=getattr(actor, "id", None),
        logged_by_name=getattr(actor, "display_name", "") or "",
        **clean,
    )
    session.add(contact)
    session.flush()
    record(
        session,
        actor,
        "contact.logged",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        after=_audit_view(contact),
    )
    sync_for(session, actor, member, ThreeOnesKind.CALL, contact.contacted_on)
    session.commit()
    return contact


def do_delete_contact(
    session: Session, actor: Any, contact: Contact, today: date | None = None
) -> None:
    """Delete a mistaken contact: the officer who logged it, or a secretary or township officer."""
    earliest = earliest_contact_day(today or date.today())
    if contact.contacted_on < earliest:
        raise DutyInvalid({"contact": "该联系记录所在季度已结算，不能删除"})
    if getattr(actor, "role", None) == Role.COMMITTEE_MEMBER and contact.logged_by_id != actor.id:
        raise DutyInvalid({"contact": "支部委员只能删除本人登记的联系记录"})
    before = _audit_view(contact)
    member, tenant_id, day = contact.member, contact.tenant_id, contact.contacted_on
    member_id = member.id
    session.delete(contact)
    session.flush()
    sync_for(session, actor, member, ThreeOnesKind.CALL, day)
    record(
        session,
        actor,
        "contact.deleted",
        "member",
        member_id,
        tenant_id=tenant_id,
        before=before,
    )
    session.commit()


def channel_choices() -> list[tuple[str, str]]:
    """(value, label) of every channel, for forms."""
    return [(c.value, label) for c, label in CHANNEL_LABELS.items()]
