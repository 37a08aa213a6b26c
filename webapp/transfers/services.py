"""The sending township's side of a transfer: draft, submit, withdraw, approve or return, issue,
reissue, and the receipt. Each checks everything first, changes nothing when a check fails,
writes an audit entry and owns its transaction. A change of status is a compare-and-set on the
row, so two clicks (or two approvers) at once move it only once.
"""

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.db import utcnow
from tenants.models import County, Township
from webapp.activities.services import ACTIVE
from webapp.audit.services import record
from webapp.directory.models import Organisation
from webapp.members.models import Member
from webapp.transfers import crossing
from webapp.transfers.handover import dues_paid_to
from webapp.transfers.models import (
    OPEN,
    STEP_LABELS,
    Approval,
    Letter,
    Step,
    Transfer,
    TransferStatus,
    compare_and_set,
)

DEFAULT_DAYS_IN_CITY = 30
DEFAULT_DAYS_OUT_OF_CITY = 90
DEFAULT_ESCALATE_DAYS = 14
TRANSFER_SETTINGS = {
    "letter_days_in_city": DEFAULT_DAYS_IN_CITY,
    "letter_days_out_of_city": DEFAULT_DAYS_OUT_OF_CITY,
    "transfer_escalate_days": DEFAULT_ESCALATE_DAYS,
}
EDITABLE = (TransferStatus.DRAFT, TransferStatus.RETURNED)
WITHDRAWABLE = (TransferStatus.DRAFT, TransferStatus.PENDING_BRANCH, TransferStatus.RETURNED)
STALE = lazy_gettext("该转接已被他人处理或状态已变化，请刷新后查看")


class TransferInvalid(ValueError):
    """A transfer change that cannot be made: every problem, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def setting(township: Township, key: str, default: int) -> int:
    """A transfer setting of the township (乡镇设置), or its default."""
    return int((township.settings or {}).get(key, default))


def letter_days(township: Township, organisation: Organisation) -> int:
    """The letter's validity: shorter within the city (same first four digits of the code)."""
    if organisation.division_code[:4] == township.division_code[:4]:
        return setting(township, "letter_days_in_city", DEFAULT_DAYS_IN_CITY)
    return setting(township, "letter_days_out_of_city", DEFAULT_DAYS_OUT_OF_CITY)


def crosses_county(session: Session, township: Township, organisation: Organisation) -> bool:
    """Whether the transfer leaves the county: then the county organisation department approves."""
    if organisation.branch_id is not None:
        owner = session.get(Township, organisation.owner_township_id)
        return owner.county_id != township.county_id
    county = session.get(County, township.county_id)
    return organisation.division_code != county.code


def open_transfer(session: Session, member_id: int) -> Transfer | None:
    """The member's transfer that is not finished, if any."""
    return session.scalar(
        select(Transfer).where(Transfer.member_id == member_id, Transfer.status.in_(OPEN))
    )


def _target_problems(
    session: Session, township: Township, member: Member, organisation: Organisation | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if member.status not in ACTIVE:
        errors["member"] = _("该党员不在本镇党员名册上（已转出或去世），不能转接")
    if organisation is None:
        errors["organisation_id"] = _("请从组织目录中选择接收组织")
    elif not organisation.accepting:
        errors["organisation_id"] = _(
            "%(name)s目前不接收党员，请选择其他组织", name=organisation.name
        )
    elif organisation.branch_id == member.branch_id:
        errors["organisation_id"] = _("接收组织不能是该党员所在的本支部")
    elif organisation.branch_id is not None and organisation.owner_township_id == township.id:
        errors["organisation_id"] = _(
            "本镇支部之间的调整请在党员信息中修改所在支部，无需开具介绍信"
        )
    return errors


def _organisation(session: Session, value: Any) -> Organisation | None:
    try:
        return session.get(Organisation, int(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _apply(session: Session, township: Township, transfer: Transfer, org: Organisation) -> None:
    transfer.organisation_id = org.id
    transfer.receiving_township_id = org.owner_township_id if org.branch_id else None
    transfer.needs_county = crosses_county(session, township, org)


def audit_transfer(
    session: Session, actor: Any, transfer: Transfer, action: str, **after: Any
) -> None:
    """An audit entry on the transfer, in its township's log."""
    record(
        session,
        actor,
        action,
        "transfer",
        transfer.id,
        tenant_id=transfer.tenant_id,
        after={"member_id": transfer.member_id, "status": transfer.status.value, **after},
    )


def do_create(
    session: Session, actor: Any, township: Township, member: Member, data: dict[str, Any]
) -> Transfer:
    """草稿: a transfer of member to an organisation of the directory."""
    organisation = _organisation(session, data.get("organisation_id"))
    errors = _target_problems(session, township, member, organisation)
    if not errors and open_transfer(session, member.id) is not None:
        errors["member"] = _("该党员已有未办结的组织关系转接，请先办结或撤回")
    if errors:
        raise TransferInvalid(errors)
    transfer = Transfer(
        tenant_id=township.id,
        member_id=member.id,
        reason=(data.get("reason") or "").strip()[:500],
        created_by_id=getattr(actor, "id", None),
    )
    _apply(session, township, transfer, organisation)
    session.add(transfer)
    session.flush()
    audit_transfer(session, actor, transfer, "transfer.created", organisation=organisation.name)
    _commit(session)
    return transfer


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:  # uq_transfers_open: a second open transfer at the same moment
        session.rollback()
        raise TransferInvalid(
            {"member": _("该党员已有未办结的组织关系转接，请先办结或撤回")}
        ) from exc


def do_update(
    session: Session, actor: Any, township: Township, transfer: Transfer, data: dict[str, Any]
) -> Transfer:
    """Change the receiving organisation or the reason, while a draft or returned for edits."""
    if transfer.status not in EDITABLE:
        raise TransferInvalid({"status": _("只有草稿或退回修改的转接可以修改")})
    organisation = _organisation(session, data.get("organisation_id"))
    member = session.get(Member, transfer.member_id)
    errors = _target_problems(session, township, member, organisation)
    if errors:
        raise TransferInvalid(errors)
    before = {"organisation_id": transfer.organisation_id, "reason": transfer.reason}
    _apply(session, township, transfer, organisation)
    transfer.reason = (data.get("reason") or "").strip()[:500]
    record(
        session,
        actor,
        "transfer.updated",
        "transfer",
        transfer.id,
        tenant_id=transfer.tenant_id,
        before=before,
        after={"organisation_id": organisation.id, "reason": transfer.reason},
    )
    session.commit()
    return transfer


def move_status(
    session: Session, transfer: Transfer, frm: tuple[TransferStatus, ...], **values: Any
) -> None:
    """Compare-and-set: move the row from one of frm, or refuse when someone moved it first."""
    if not compare_and_set(session, transfer.id, frm, **values):
        session.rollback()
        raise TransferInvalid({"status": STALE})
    session.refresh(transfer)


def do_submit(
    session: Session, actor: Any, township: Township, transfer: Transfer, today: date
) -> Transfer:
    """已提交: to the branch for its approval (a returned transfer starts the approvals again)."""
    member = session.get(Member, transfer.member_id)
    errors = _target_problems(session, township, member, transfer.organisation)
    if errors:
        raise TransferInvalid(errors)
    move_status(
        session, transfer, EDITABLE, status=TransferStatus.PENDING_BRANCH, submitted_on=today
    )
    audit_transfer(session, actor, transfer, "transfer.submitted")
    session.commit()
    return transfer


def do_withdraw(session: Session, actor: Any, transfer: Transfer) -> Transfer:
    """撤回: only before the first approval; the member stays where they are."""
    approved = session.scalar(
        select(Approval.id).where(Approval.transfer_id == transfer.id, Approval.approved)
    )
    if approved is not None or transfer.status not in WITHDRAWABLE:
        raise TransferInvalid({"status": _("已有审批通过的转接不能撤回，请联系审批人退回修改")})
    move_status(session, transfer, WITHDRAWABLE, status=TransferStatus.WITHDRAWN)
    audit_transfer(session, actor, transfer, "transfer.withdrawn")
    session.commit()
    return transfer


def _next_status(transfer: Transfer, step: Step) -> TransferStatus:
    if step == Step.BRANCH:
        return TransferStatus.PENDING_TOWNSHIP
    if step == Step.TOWNSHIP and transfer.needs_county:
        return TransferStatus.PENDING_COUNTY
    return TransferStatus.ISSUED


def do_decide(
    session: Session,
    actor: Any,
    township: Township,
    transfer: Transfer,
    step: Step,
    data: dict[str, Any],
    today: date,
) -> Transfer:
    """One approval step: approve (the last one issues the letter) or return it for edits."""
    approve = bool(data.get("approve"))
    note = (data.get("note") or "").strip()[:500]
    if transfer.step != step:
        current = STEP_LABELS[transfer.step] if transfer.step else transfer.status_label
        raise TransferInvalid(
            {
                "status": _(
                    "该转接当前在“%(current)s”环节，不能由%(value)s审批",
                    current=current,
                    value=STEP_LABELS[step],
                )
            }
        )
    if not approve and not note:
        raise TransferInvalid({"note": _("退回修改时请写明需要修改的内容")})
    if approve:
        target = _next_status(transfer, step)
        if target == TransferStatus.ISSUED:
            problems = _target_problems(
                session, township, session.get(Member, transfer.member_id), transfer.organisation
            )
            if problems:
                raise TransferInvalid(problems)
        move_status(session, transfer, (transfer.status,), status=target)
    else:
        move_status(session, transfer, (transfer.status,), status=TransferStatus.RETURNED)
        transfer.returned_note = note
    session.add(
        Approval(
            tenant_id=transfer.tenant_id,
            transfer_id=transfer.id,
            step=step,
            approved=approve,
            note=note,
            by_user_id=getattr(actor, "id", None),
            by_name=getattr(actor, "display_name", "")[:64],
            decided_at=utcnow(),
        )
    )
    action = "transfer.approved" if approve else "transfer.returned"
    audit_transfer(session, actor, transfer, action, step=step.value, note=note)
    if transfer.status == TransferStatus.ISSUED:
        _issue(session, actor, township, transfer, today)
    session.commit()
    return transfer


def _new_letter(session: Session, township: Township, transfer: Transfer, today: date) -> Letter:
    transfer.version += 1
    transfer.issued_on = today
    transfer.valid_until = today + timedelta(days=letter_days(township, transfer.organisation))
    letter = Letter(
        tenant_id=transfer.tenant_id,
        transfer_id=transfer.id,
        version=transfer.version,
        token=secrets.token_urlsafe(16)[:22],
        issued_on=today,
        valid_until=transfer.valid_until,
    )
    session.add(letter)
    return letter


def _issue(
    session: Session, actor: Any, township: Township, transfer: Transfer, today: date
) -> None:
    """已开具: number the letter, fix 党费交至, and tell an on-platform receiver."""
    transfer.letter_number = f"{today:%Y}-{township.division_code}-{transfer.id:06d}"
    transfer.dues_paid_to = dues_paid_to(session, transfer.member_id)
    _new_letter(session, township, transfer, today)
    session.flush()
    audit_transfer(
        session,
        actor,
        transfer,
        "transfer.issued",
        letter_number=transfer.letter_number,
        valid_until=transfer.valid_until.isoformat(),
    )
    if transfer.receiving_township_id is not None:
        crossing.share(session, township, transfer)


def current_letter(session: Session, transfer: Transfer) -> Letter | None:
    """The letter version in force (not voided)."""
    return session.scalar(
        select(Letter).where(Letter.transfer_id == transfer.id, Letter.voided_on.is_(None))
    )


def do_reissue(
    session: Session, actor: Any, township: Township, transfer: Transfer, today: date
) -> Transfer:
    """重新开具: a new version with a new validity; the old version is void."""
    if transfer.status != TransferStatus.ISSUED:
        raise TransferInvalid({"status": _("只有已开具、尚未接收的介绍信可以重新开具")})
    move_status(session, transfer, (TransferStatus.ISSUED,), status=TransferStatus.ISSUED)
    old = current_letter(session, transfer)
    if old is not None:
        old.voided_on = today
    _new_letter(session, township, transfer, today)
    session.flush()
    audit_transfer(
        session,
        actor,
        transfer,
        "transfer.reissued",
        version=transfer.version,
        valid_until=transfer.valid_until.isoformat(),
    )
    if transfer.receiving_township_id is not None:
        crossing.mirror_validity(session, transfer)
    session.commit()
    return transfer


def days_open(transfer: Transfer, today: date) -> int:
    """Days since the transfer was created (for 未办结 lists)."""
    started = transfer.created_at
    start_day = started.date() if isinstance(started, datetime) else today
    return max(0, (today - start_day).days)
