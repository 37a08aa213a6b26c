"""Rules on 流动党员证, to the holder: the next verification coming due, a verification overdue,
and the card's validity running out. Each reminds once per reference date (due date, expiry)."""

from collections.abc import Iterator
from datetime import date, timedelta

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.models import Channel
from notifications.templates import MessageTemplate
from webapp.certificates.checks import ON_REGISTER
from webapp.certificates.models import Certificate, CertificateStatus
from webapp.certificates.queries import DueFilters, due_certificates
from webapp.certificates.services import verify_months
from webapp.members.models import Member
from webapp.reminders.rules import (
    Due,
    Rule,
    RuleContext,
    day_period,
    member_recipient,
    register,
)

SIGNED = "${township}党委"
PLACE = "请及时到流出地党支部或流入地党支部办理验证。"


def _holder_values(ctx: RuleContext, cert: Certificate, member: Member) -> dict[str, str]:
    return {"name": member.name, "number": cert.number, "township": ctx.township.name}


def _due_rows(session: Session, filters: DueFilters) -> Iterator[tuple[Certificate, Member, date]]:
    """Valid certificates of members on the register in the state asked for, with the due date;
    a card that expires by the time its verification falls due is left to the expiry reminder."""
    stmt = due_certificates(filters).where(Member.status.in_(ON_REGISTER))
    for cert, member in session.execute(stmt):
        if not cert.due_is_expiry(filters.months):
            yield cert, member, cert.due_on(filters.months)


def verification_due(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """Holders whose next verification falls due today or within lead_days."""
    months = verify_months(ctx.township)
    filters = DueFilters(ctx.today, months, window_days=ctx.lead_days, state="upcoming")
    for cert, member, due in _due_rows(session, filters):
        yield Due(
            member_recipient(ctx, member),
            period=day_period(due),
            values={
                **_holder_values(ctx, cert, member),
                "due_on": due.isoformat(),
                "days_left": (due - ctx.today).days,
            },
        )


def verification_overdue(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """Holders whose verification due date passed more than lead_days ago, card still in date."""
    months = verify_months(ctx.township)
    filters = DueFilters(ctx.today - timedelta(days=ctx.lead_days), months, state="overdue")
    for cert, member, due in _due_rows(session, filters):
        if cert.expired_on(ctx.today):
            continue  # a verification is refused after expiry: the expiry reminder says 换证
        yield Due(
            member_recipient(ctx, member),
            period=day_period(due),
            values={
                **_holder_values(ctx, cert, member),
                "due_on": due.isoformat(),
                "days_overdue": (ctx.today - due).days,
            },
        )


def _expiry_state(expires_on: date, today: date) -> str:
    days = (expires_on - today).days
    if days > 0:
        return f"还有{days}天到期"
    return "今天到期" if days == 0 else f"已过期{-days}天"


def certificate_expiring(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """Holders of a card still marked valid whose validity ends within lead_days (or has ended)."""
    rows = session.execute(
        select(Certificate, Member)
        .join(Member, Member.id == Certificate.member_id)
        .where(
            Certificate.status == CertificateStatus.VALID,
            Certificate.expires_on <= ctx.today + timedelta(days=ctx.lead_days),
            Member.status.in_(ON_REGISTER),
        )
        .order_by(Certificate.expires_on, Certificate.id)
    )
    for cert, member in rows:
        yield Due(
            member_recipient(ctx, member),
            period=day_period(cert.expires_on),
            values={
                **_holder_values(ctx, cert, member),
                "expires_on": cert.expires_on.isoformat(),
                "state": _expiry_state(cert.expires_on, ctx.today),
            },
        )


HOLDER = {
    "name": lazy_gettext("党员姓名"),
    "number": lazy_gettext("证号"),
    "township": lazy_gettext("乡镇名称"),
}
DUE_SMS = (
    "${name}同志：您的流动党员证（证号${number}）下次验证截止日期为${due_on}，" + PLACE + SIGNED
)
OVERDUE_SMS = (
    "${name}同志：您的流动党员证（证号${number}）应于${due_on}前验证，至今已逾期${days_overdue}天，"
    + PLACE
    + SIGNED
)
EXPIRY_SMS = (
    "${name}同志：您的流动党员证（证号${number}）有效期至${expires_on}，${state}。仍在外务工的，"
    "请及时联系党支部办理换证；已返乡的，请将证交回党支部。" + SIGNED
)

register(
    Rule(
        key="certificate.verification_due",
        label=lazy_gettext("流动党员证验证到期提醒"),
        audience=lazy_gettext("持证流动党员"),
        description=lazy_gettext(
            "有效的流动党员证临近下次验证截止日期时，提醒持证党员到流出地或流入地支部办理验证；"
            "办理验证后按新的截止日期再次提醒。"
        ),
        placeholders={
            **HOLDER,
            "due_on": lazy_gettext("验证截止日期"),
            "days_left": lazy_gettext("距截止日期天数"),
        },
        templates={
            Channel.SMS: MessageTemplate("", DUE_SMS),
            Channel.EMAIL: MessageTemplate(
                "流动党员证验证即将到期",
                "${name}同志：\n\n您的流动党员证（证号${number}）下次验证截止日期为${due_on}，"
                "距今还有${days_left}天。请在截止日期前携证到流出地党支部或流入地党支部办理验证。"
                "\n\n" + SIGNED,
            ),
            Channel.INAPP: MessageTemplate("流动党员证验证即将到期", DUE_SMS),
        },
        due=verification_due,
        period_key=day_period,
        lead_days=14,
        lead_label=lazy_gettext("验证截止日期前几天提醒"),
        lead_range=(0, 60),
        essential=True,
    )
)

register(
    Rule(
        key="certificate.verification_overdue",
        label=lazy_gettext("流动党员证逾期未验证提醒"),
        audience=lazy_gettext("持证流动党员"),
        description=lazy_gettext(
            "验证截止日期已过仍未登记验证（且证件尚在有效期内）的，提醒持证党员尽快办理验证；"
            "每个截止日期只提醒一次。"
        ),
        placeholders={
            **HOLDER,
            "due_on": lazy_gettext("验证截止日期"),
            "days_overdue": lazy_gettext("已逾期天数"),
        },
        templates={
            Channel.SMS: MessageTemplate("", OVERDUE_SMS),
            Channel.EMAIL: MessageTemplate(
                "流动党员证已逾期未验证",
                "${name}同志：\n\n您的流动党员证（证号${number}）应于${due_on}前验证，至今已逾期"
                "${days_overdue}天，系统中尚无验证记录。请尽快携证到流出地党支部或流入地党支部办理验证；"
                "如已验证，请告知支部补登记。\n\n" + SIGNED,
            ),
            Channel.INAPP: MessageTemplate("流动党员证已逾期未验证", OVERDUE_SMS),
        },
        due=verification_overdue,
        period_key=day_period,
        lead_days=3,
        lead_label=lazy_gettext("验证截止日期过后几天提醒"),
        lead_range=(0, 60),
        essential=True,
    )
)

register(
    Rule(
        key="certificate.expiring",
        label=lazy_gettext("流动党员证有效期届满提醒"),
        audience=lazy_gettext("持证流动党员"),
        description=lazy_gettext(
            "有效的流动党员证临近或已过有效期的，提醒持证党员办理换证或交回证件；"
            "有效期改动（换证）后按新的日期再次提醒。"
        ),
        placeholders={
            **HOLDER,
            "expires_on": lazy_gettext("有效期至"),
            "state": lazy_gettext("到期情况，如“还有10天到期”"),
        },
        templates={
            Channel.SMS: MessageTemplate("", EXPIRY_SMS),
            Channel.EMAIL: MessageTemplate(
                "流动党员证有效期届满提醒",
                "${name}同志：\n\n您的流动党员证（证号${number}）有效期至${expires_on}，${state}。"
                "仍在外务工、经商的，请及时联系党支部办理换证；已返乡的，请将证交回党支部。"
                "\n\n" + SIGNED,
            ),
            Channel.INAPP: MessageTemplate("流动党员证有效期届满提醒", EXPIRY_SMS),
        },
        due=certificate_expiring,
        period_key=day_period,
        lead_days=30,
        lead_label=lazy_gettext("有效期届满前几天提醒"),
        lead_range=(0, 90),
        essential=True,
    )
)
