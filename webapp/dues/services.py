"""Dues writes: set a member's monthly amount, record and delete payments; audited, all or nothing."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.activities.services import LifeInvalid
from webapp.audit.services import record, snapshot
from webapp.branches.models import Branch
from webapp.dues.models import DuesPaidMonth, DuesPayment, DuesRate
from webapp.inputs import as_id
from webapp.members.models import Member

MAX_AMOUNT = Decimal("99999999.99")
MAX_BULK = 500


def month_start(day: date) -> date:
    """The first day of day's month."""
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first of the month n months after month."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """Months from first's month to last's month inclusive (0 when last is before first)."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


def parse_amount(value: Any, field: str, label: str, errors: dict[str, str]) -> Decimal | None:
    """A non-negative amount of at most two decimals, or an error under field."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = _("请填写%(label)s（元），如 12.50", label=label)
        return None
    if not amount.is_finite():
        errors[field] = _("请填写%(label)s（元），如 12.50", label=label)
    elif amount < 0:
        errors[field] = _("%(label)s不能为负数", label=label)
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = _("%(label)s最多保留两位小数", label=label)
    elif amount > MAX_AMOUNT:
        errors[field] = _("%(label)s过大", label=label)
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def rate_of(session: Session, member_id: int) -> DuesRate | None:
    """The member's dues rate, if the branch set one."""
    return session.scalar(select(DuesRate).where(DuesRate.member_id == member_id))


def _rate_fields(data: dict[str, Any]) -> tuple[Decimal, date]:
    errors: dict[str, str] = {}
    amount = parse_amount(data.get("monthly_amount"), "monthly_amount", _("月缴党费"), errors)
    start = data.get("start_month")
    if not isinstance(start, date):
        errors["start_month"] = _("请填写起缴月份")
    if errors or amount is None or not isinstance(start, date):
        raise LifeInvalid(errors)
    return amount, month_start(start)


def do_set_rate(session: Session, actor: Any, member: Member, data: dict[str, Any]) -> DuesRate:
    """Set (or change) the member's monthly amount and the month dues are counted from."""
    amount, start = _rate_fields(data)
    return do_set_rates(session, actor, [member], amount, start)[0]


def do_set_bulk_rates(
    session: Session, actor: Any, members: list[Member], data: dict[str, Any]
) -> list[DuesRate]:
    """批量设定: one amount and start month for every member chosen; all or nothing."""
    amount, start = _rate_fields(data)
    if not members:
        raise LifeInvalid({"member_ids": _("请勾选要设定月缴党费的党员")})
    if len(members) > MAX_BULK:
        raise LifeInvalid(
            {"member_ids": _("一次最多设定%(MAX_BULK)s名党员，请按支部分批设定", MAX_BULK=MAX_BULK)}
        )
    return do_set_rates(session, actor, members, amount, start)


def do_set_rates(
    session: Session, actor: Any, members: list[Member], amount: Decimal, start: date
) -> list[DuesRate]:
    """Save the amount for each member, audited each, in one commit.

    A first amount set by someone else at the same moment trips the one-rate-per-member key;
    this one is then saved over it, as if it had come a moment later.
    """
    for _attempt in range(3):
        try:
            rates = [_save_rate(session, actor, m, amount, start) for m in members]
            session.commit()
            return rates
        except IntegrityError:
            session.rollback()
            if all(rate_of(session, m.id) is None for m in members):
                raise  # not the other clerk's rate: some other fault
    raise LifeInvalid({"monthly_amount": _("月缴党费刚被他人修改，请刷新页面后重试")})


def _save_rate(
    session: Session, actor: Any, member: Member, amount: Decimal, start: date
) -> DuesRate:
    rate = rate_of(session, member.id)
    before = None
    if rate is None:
        rate = DuesRate(tenant_id=member.tenant_id, member_id=member.id)
        session.add(rate)
    else:
        before = {"monthly_amount": str(rate.monthly_amount), "start_month": str(rate.start_month)}
    rate.monthly_amount = amount
    rate.start_month = start
    session.flush()
    record(
        session,
        actor,
        "dues.rate_set",
        "member",
        member.id,
        tenant_id=member.tenant_id,
        before=before,
        after={"monthly_amount": str(amount), "start_month": str(start)},
    )
    return rate


def paid_months(session: Session, member_id: int, exclude: int | None = None) -> set[date]:
    """Every month (a 1st) some payment of the member covers."""
    months: set[date] = set()
    for p in session.scalars(select(DuesPayment).where(DuesPayment.member_id == member_id)):
        if p.id != exclude:
            months.update(add_months(p.first_month, i) for i in range(p.months))
    return months


def _months_count(value: Any, errors: dict[str, str]) -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= 24:
        errors["months"] = _("缴纳月数应为1至24个月")
    return months


def do_record_payment(
    session: Session, actor: Any, member: Member, data: dict[str, Any]
) -> DuesPayment:
    """Record a payment of one or more months, at the home branch or an inflow branch."""
    errors: dict[str, str] = {}
    first = data.get("first_month")
    if not isinstance(first, date):
        errors["first_month"] = _("请填写缴纳的起始月份")
    months = _months_count(data.get("months"), errors)
    amount = parse_amount(data.get("amount"), "amount", _("缴纳金额"), errors)
    paid_on = data.get("paid_on")
    if not isinstance(paid_on, date):
        errors["paid_on"] = _("请填写缴纳日期")
    elif paid_on > date.today():
        errors["paid_on"] = _("缴纳日期不能晚于今天")
    branch_id = as_id(data.get("branch_id") or member.branch_id)
    branch = session.get(Branch, branch_id) if branch_id else None
    if branch is None:
        errors["branch_id"] = _("请选择本乡镇的缴纳支部（本支部或流入地支部）")
    note = str(data.get("receipt_note") or "").strip()
    if len(note) > 200:
        errors["receipt_note"] = _("收据说明不能超过200个字符")
    if "first_month" not in errors and "months" not in errors:
        _check_overlap(session, member, month_start(first), months, errors)
    if amount is not None and "months" not in errors:
        _check_amount(session, member, months, amount, errors)
    if errors:
        raise LifeInvalid(errors)
    first = month_start(first)
    payment = DuesPayment(
        tenant_id=member.tenant_id,
        member_id=member.id,
        first_month=first,
        months=months,
        amount=amount,
        paid_on=paid_on,
        branch_id=branch.id,
        receipt_note=note,
        covered=[
            DuesPaidMonth(
                tenant_id=member.tenant_id, member_id=member.id, month=add_months(first, i)
            )
            for i in range(months)
        ],
    )
    try:
        session.add(payment)
        session.flush()
        record(
            session,
            actor,
            "dues.paid",
            "member",
            member.id,
            tenant_id=member.tenant_id,
            after={**snapshot(payment, DuesPayment.AUDIT_FIELDS), "amount": str(amount)},
        )
        session.commit()
    except IntegrityError:
        # a month recorded by someone else at the same moment: refused like the check above
        session.rollback()
        _check_overlap(session, member, first, months, errors)
        if errors:
            raise LifeInvalid(errors) from None
        raise
    return payment


def _check_amount(
    session: Session, member: Member, months: int, amount: Decimal, errors: dict[str, str]
) -> None:
    """An error under amount when it is not months × the member's monthly amount."""
    rate = rate_of(session, member.id)
    if rate is None:
        return
    expected = rate.monthly_amount * months
    if amount != expected:
        errors["amount"] = _(
            "金额应为%(months)s个月×%(monthly_amount)s元=%(expected)s元；如月缴标准已调整，请先修改月缴党费",
            months=months,
            monthly_amount=rate.monthly_amount,
            expected=expected,
        )


def _check_overlap(
    session: Session, member: Member, first: date, months: int, errors: dict[str, str]
) -> None:
    """An error under first_month when one of the months is already paid."""
    covered = {add_months(first, i) for i in range(months)}
    overlap = sorted(covered & paid_months(session, member.id))
    if overlap:
        errors["first_month"] = f"{overlap[0]:%Y年%m月}的党费已登记缴纳，请勿重复登记"


def do_delete_payment(session: Session, actor: Any, payment: DuesPayment) -> None:
    """Delete a payment entered by mistake; the audit entry keeps what it said."""
    record(
        session,
        actor,
        "dues.payment_deleted",
        "member",
        payment.member_id,
        tenant_id=payment.tenant_id,
        before={**snapshot(payment, DuesPayment.AUDIT_FIELDS), "amount": str(payment.amount)},
    )
    session.delete(payment)
    session.commit()
