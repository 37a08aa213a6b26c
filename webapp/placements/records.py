"""流入地记录: what the inflow organisation records of a member placed there (activities and
attendance, 三个一 it witnessed, the certificate checked, dues paid there, its assessment).

Each record is the home township's row. add_record() writes it in the home township's scope:
called there directly by the home branch (for an off-platform organisation, with a scan of what
it reported), or through crossing.record_at_home() by the inflow branch on the platform. Branch
life the member attended there completes their 三个一 参加一次支部活动 (webapp/duties/links.py).
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.audit.services import record
from webapp.certificates.models import (
    Certificate,
    CertificateStatus,
    Verification,
    VerificationSide,
    verify_months,
)
from webapp.duties.links import sync_for
from webapp.duties.models import ThreeOnesKind
from webapp.members.models import Member
from webapp.placements.models import (
    OUTCOME_LABELS,
    OUTCOMES,
    InflowRecord,
    Placement,
    PlacementStatus,
    RecordKind,
)

MAX_DUES_YUAN = Decimal("10000")


class RecordInvalid(ValueError):
    """A record that cannot be written: every problem, by field; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def records_of(placement_id: int) -> Select[Any]:
    """The placement's records, newest first."""
    return (
        select(InflowRecord)
        .where(InflowRecord.placement_id == placement_id)
        .order_by(InflowRecord.happened_on.desc(), InflowRecord.id.desc())
    )


def _amount(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def record_problems(placement: Placement, data: dict[str, Any], today: date) -> dict[str, str]:
    """Field -> message for everything wrong with a record; empty when it may be written."""
    errors: dict[str, str] = {}
    if placement.status != PlacementStatus.ACTIVE:
        errors["kind"] = _("只有已报到（已流入）的党员可以登记流入地记录")
    kind = data.get("kind")
    if kind not in {k.value for k in RecordKind}:
        errors["kind"] = _("请选择记录类型")
        return errors
    kind = RecordKind(kind)
    day = data.get("happened_on")
    start = placement.reported_on or placement.placed_on
    if not isinstance(day, date):
        errors["happened_on"] = _("请填写日期")
    elif day > today:
        errors["happened_on"] = _("日期不能晚于今天")
    elif day < start:
        errors["happened_on"] = _("日期不能早于报到日期（%(start)s）", start=start)
    title = (data.get("title") or "").strip()
    if kind in (RecordKind.ACTIVITY, RecordKind.THREE_ONES) and not title:
        errors["title"] = (
            _("请填写活动名称") if kind == RecordKind.ACTIVITY else _("请填写是哪一个“一”")
        )
    elif len(title) > 100:
        errors["title"] = _("不超过100个字符")
    if kind in OUTCOMES and data.get("outcome") not in OUTCOMES[kind]:
        errors["outcome"] = _(
            "请选择：%(value)s", value="、".join(str(OUTCOME_LABELS[o]) for o in OUTCOMES[kind])
        )
    if kind == RecordKind.DUES:
        amount = _amount(data.get("amount"))
        if amount is None or amount <= 0 or amount > MAX_DUES_YUAN:
            errors["amount"] = _("请填写缴纳金额（元），大于0且不超过10000")
    if kind == RecordKind.ASSESSMENT and not (data.get("note") or "").strip():
        errors["note"] = _("请写明评议意见")
    return errors


def add_record(
    session: Session,
    actor: Any,
    placement: Placement,
    data: dict[str, Any],
    recorded_by: str,
    today: date,
    scan: tuple[bytes, str] = (b"", ""),
) -> InflowRecord:
    """Write one record in the home township's scope (the caller commits)."""
    errors = record_problems(placement, data, today)
    if errors:
        raise RecordInvalid(errors)
    kind = RecordKind(data["kind"])
    amount = _amount(data.get("amount")) if kind == RecordKind.DUES else None
    row = InflowRecord(
        tenant_id=placement.tenant_id,
        placement_id=placement.id,
        member_id=placement.member_id,
        kind=kind,
        happened_on=data["happened_on"],
        title=(data.get("title") or "").strip()[:100],
        outcome=(data.get("outcome") or "") if kind in OUTCOMES else "",
        amount_cents=int(amount * 100) if amount is not None else None,
        note=(data.get("note") or "").strip()[:1000],
        recorded_by=recorded_by[:100],
        scan=scan[0] or None,
        scan_name=scan[1][:120],
    )
    session.add(row)
    if kind == RecordKind.VERIFICATION:
        _verified_at_inflow(session, actor, placement, row, recorded_by)
    session.flush()
    record(
        session,
        actor,
        "placement.recorded",
        "member",
        placement.member_id,
        tenant_id=placement.tenant_id,
        after={
            "placement_id": placement.id,
            "kind": kind.value,
            "happened_on": row.happened_on.isoformat(),
            "title": row.title,
            "outcome": row.outcome,
            "recorded_by": row.recorded_by,
        },
    )
    if kind == RecordKind.ACTIVITY:
        member = session.get(Member, placement.member_id)
        sync_for(session, actor, member, ThreeOnesKind.ACTIVITY, row.happened_on)
    return row


def _verified_at_inflow(
    session: Session, actor: Any, placement: Placement, row: InflowRecord, by: str
) -> None:
    """流入地验证: the member's valid certificate counts as checked that day."""
    cert = session.scalar(
        select(Certificate).where(
            Certificate.member_id == placement.member_id,
            Certificate.status == CertificateStatus.VALID,
        )
    )
    if cert is None:
        raise RecordInvalid({"kind": _("该党员没有有效的流动党员证，无法登记验证")})
    township = session.get(Township, placement.tenant_id)
    session.add(
        Verification(
            tenant_id=cert.tenant_id,
            certificate_id=cert.id,
            verified_on=row.happened_on,
            due_on=cert.due_on(verify_months(township)),
            branch_id=cert.branch_id,
            side=VerificationSide.INFLOW,
            verified_by=None,
            verifier_name=by[:32],
            notes=f"流入地验证：{placement.organisation.name}",
        )
    )
    if cert.last_verified_on is None or cert.last_verified_on < row.happened_on:
        cert.last_verified_on = row.happened_on
