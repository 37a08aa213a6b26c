"""Rules on transfers: the receiver reminded of letters waiting, the member reminded to report in,
the county coordinator told of letters left open too long and of refusals. Each reminds once per
transfer and step: the period names the transfer (and the letter version, or the refusal).
"""

from collections.abc import Iterator
from datetime import timedelta

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.models import Channel
from notifications.templates import MessageTemplate
from webapp.members.models import Member
from webapp.reminders.recipients import township_coordinators, township_officers
from webapp.reminders.rules import (
    Due,
    Rule,
    RuleContext,
    day_period,
    member_recipient,
    register,
    user_recipient,
)
from webapp.transfers.models import IncomingStatus, IncomingTransfer, Transfer, TransferStatus
from webapp.transfers.services import DEFAULT_ESCALATE_DAYS, setting

SIGNED = "${township}党委"
RECENT_DAYS = 30  # a refusal older than this is history, not news


def letters_waiting(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """The receiving township's officers: letters waiting more than lead_days to be received."""
    cutoff = ctx.today - timedelta(days=ctx.lead_days)
    rows = session.scalars(
        select(IncomingTransfer).where(
            IncomingTransfer.status == IncomingStatus.WAITING,
            IncomingTransfer.issued_on <= cutoff,
        )
    ).all()
    for officer in township_officers(session, ctx.township.id) if rows else []:
        for row in rows:
            yield Due(
                user_recipient(officer),
                period=f"incoming-{row.id}-{day_period(row.issued_on)}",
                values={
                    "name": row.member_name,
                    "sender": row.from_name,
                    "number": row.letter_number,
                    "valid_until": row.valid_until.isoformat(),
                    "township": ctx.township.name,
                },
            )


def _issued(session: Session, cutoff_days: int, ctx: RuleContext) -> list[tuple[Transfer, Member]]:
    cutoff = ctx.today - timedelta(days=cutoff_days)
    stmt = (
        select(Transfer, Member)
        .join(Member, Member.id == Transfer.member_id)
        .where(Transfer.status == TransferStatus.ISSUED, Transfer.issued_on <= cutoff)
        .order_by(Transfer.id)
    )
    return [(t, m) for t, m in session.execute(stmt)]


def member_not_reported(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """The member: the letter was issued lead_days ago and the receiver has not received them."""
    for transfer, member in _issued(session, ctx.lead_days, ctx):
        yield Due(
            member_recipient(ctx, member),
            period=f"transfer-{transfer.id}-v{transfer.version}",
            values={
                "name": member.name,
                "organisation": transfer.organisation.name,
                "number": transfer.letter_number or "",
                "valid_until": transfer.valid_until.isoformat() if transfer.valid_until else "",
                "township": ctx.township.name,
            },
        )


def escalated(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """The county coordinators: letters open past the township's 转接催办上报 days."""
    days = setting(ctx.township, "transfer_escalate_days", DEFAULT_ESCALATE_DAYS)
    rows = _issued(session, days, ctx)
    for coordinator in township_coordinators(session, ctx.township.id) if rows else []:
        for transfer, member in rows:
            yield Due(
                user_recipient(coordinator),
                period=f"transfer-{transfer.id}-escalated",
                values={
                    "name": member.name,
                    "organisation": transfer.organisation.name,
                    "number": transfer.letter_number or "",
                    "days": (ctx.today - transfer.issued_on).days,
                    "township": ctx.township.name,
                },
            )


def refused(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """The sending township's officers and its coordinators: a letter refused, with the reason."""
    since = ctx.now - timedelta(days=RECENT_DAYS)
    stmt = (
        select(Transfer, Member)
        .join(Member, Member.id == Transfer.member_id)
        .where(Transfer.status == TransferStatus.REFUSED, Transfer.updated_at >= since)
        .order_by(Transfer.id)
    )
    rows = [(t, m) for t, m in session.execute(stmt)]
    if not rows:
        return
    people = township_officers(session, ctx.township.id) + township_coordinators(
        session, ctx.township.id
    )
    for user in people:
        for transfer, member in rows:
            yield Due(
                user_recipient(user),
                period=f"transfer-{transfer.id}-refused",
                values={
                    "name": member.name,
                    "organisation": transfer.organisation.name,
                    "reason": transfer.refused_reason,
                    "township": ctx.township.name,
                },
            )


LETTER = {
    "name": lazy_gettext("党员姓名"),
    "number": lazy_gettext("介绍信编号"),
    "township": lazy_gettext("乡镇名称"),
}
WAITING_SMS = (
    "${sender}开具的${name}同志的组织关系介绍信（${number}，有效期至${valid_until}）"
    "尚未接收，请登录连心办理接收或拒收。" + SIGNED
)
REPORT_SMS = (
    "${name}同志：您的组织关系介绍信（${number}）已开具，请在${valid_until}前"
    "持介绍信到${organisation}报到。" + SIGNED
)
ESCALATE_SMS = (
    "${township}${name}同志转往${organisation}的介绍信（${number}）开具已${days}天，"
    "对方仍未接收，请督促办理。"
)
REFUSED_SMS = "${name}同志转往${organisation}的组织关系介绍信被拒收：${reason}。请核实后处理。"


def _templates(subject: str, body: str) -> dict[Channel, MessageTemplate]:
    return {
        Channel.SMS: MessageTemplate("", body),
        Channel.EMAIL: MessageTemplate(subject, body),
        Channel.INAPP: MessageTemplate(subject, body),
    }


register(
    Rule(
        key="transfer.letter_waiting",
        label=lazy_gettext("转入介绍信待接收提醒"),
        audience=lazy_gettext("接收乡镇的组织委员"),
        description=lazy_gettext(
            "其他乡镇开往本镇支部的介绍信开具后超过设定天数仍未接收或拒收的，提醒本镇办理；"
            "每封介绍信提醒一次。"
        ),
        placeholders={
            **LETTER,
            "sender": lazy_gettext("转出组织"),
            "valid_until": lazy_gettext("有效期至"),
        },
        templates=_templates("转入介绍信待接收", WAITING_SMS),
        due=letters_waiting,
        period_key=day_period,
        lead_days=3,
        lead_label=lazy_gettext("开具后几天仍未接收时提醒"),
        lead_range=(0, 60),
        channels=(Channel.INAPP, Channel.EMAIL),
    )
)

register(
    Rule(
        key="transfer.member_not_reported",
        label=lazy_gettext("持介绍信报到提醒"),
        audience=lazy_gettext("转出的党员"),
        description=lazy_gettext(
            "介绍信开具后超过设定天数，接收组织仍未接收的，提醒党员持介绍信报到；"
            "每个版本的介绍信提醒一次。"
        ),
        placeholders={
            **LETTER,
            "organisation": lazy_gettext("接收组织"),
            "valid_until": lazy_gettext("有效期至"),
        },
        templates=_templates("请持组织关系介绍信报到", REPORT_SMS),
        due=member_not_reported,
        period_key=day_period,
        lead_days=7,
        lead_label=lazy_gettext("开具后几天提醒"),
        lead_range=(0, 60),
    )
)

register(
    Rule(
        key="transfer.escalated",
        label=lazy_gettext("转接逾期上报县委组织部"),
        audience=lazy_gettext("县级协调员"),
        description=lazy_gettext(
            "介绍信开具后超过“转接催办上报天数”（乡镇设置）仍未接收的，告知县委组织部；"
            "每次转接上报一次。"
        ),
        placeholders={
            **LETTER,
            "organisation": lazy_gettext("接收组织"),
            "days": lazy_gettext("已开具天数"),
        },
        templates=_templates("组织关系转接逾期未办结", ESCALATE_SMS),
        due=escalated,
        period_key=day_period,
        channels=(Channel.INAPP, Channel.EMAIL),
    )
)

register(
    Rule(
        key="transfer.refused",
        label=lazy_gettext("介绍信被拒收通知"),
        audience=lazy_gettext("转出乡镇的组织委员和县级协调员"),
        description=lazy_gettext(
            "接收组织拒收本镇开具的介绍信时，把拒收原因告知本镇和县委组织部；每次拒收通知一次。"
        ),
        placeholders={
            "name": lazy_gettext("党员姓名"),
            "organisation": lazy_gettext("接收组织"),
            "reason": lazy_gettext("拒收原因"),
            "township": lazy_gettext("乡镇名称"),
        },
        templates=_templates("组织关系介绍信被拒收", REFUSED_SMS),
        due=refused,
        period_key=day_period,
        channels=(Channel.INAPP, Channel.EMAIL),
        urgent=True,
    )
)
