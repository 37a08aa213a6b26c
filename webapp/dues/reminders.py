"""Rule on party dues (党费), to the member: months in arrears reached the township's threshold.
At most one reminder a calendar month while the arrears last; paying up stops them."""

from collections.abc import Iterator

from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from notifications.models import Channel
from notifications.templates import MessageTemplate
from webapp.dues.queries import standings
from webapp.reminders.rules import Due, Rule, RuleContext, member_recipient, month_period, register
from webapp.risk.rules import started_on

ARREARS_SMS = (
    "${name}同志：截至${month}，您已有${months}个月的党费未缴纳（共${amount}元）。"
    "请及时向党支部缴纳，在外的也可在流入地党支部缴纳。${township}党委"
)


def dues_arrears(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """Active members whose unpaid months (the current one included) reach lead_days months.

    A change to the past never notifies by itself: only months that fell due after the rate was
    entered (or last changed) and after the township started using Lianxin are counted, so a rate
    entered today from last year sends nothing until the member then falls behind."""
    threshold = max(1, ctx.lead_days)
    month = f"{ctx.today.year}年{ctx.today.month}月"
    started = started_on(ctx.township)
    for row in standings(session, ctx.today, in_arrears=True):
        if row.rate is None:
            continue
        entered = (row.rate.updated_at or row.rate.created_at).date()
        if row.unpaid_from(max(entered, started) if started else entered) < threshold:
            continue
        yield Due(
            member_recipient(ctx, row.member),
            period=month_period(ctx.today),
            values={
                "name": row.member.name,
                "months": row.arrears,
                "amount": f"{row.arrears_amount:.2f}",
                "month": month,
                "township": ctx.township.name,
            },
        )


register(
    Rule(
        key="dues.arrears",
        label=lazy_gettext("党费欠缴提醒"),
        audience=lazy_gettext("党员"),
        description=lazy_gettext(
            "欠缴党费（含当月）达到设定月数的党员，每月提醒一次，直至补缴。按党章第九条，"
            "党员没有正当理由连续六个月不交纳党费的被认为是自行脱党，请在此之前及早提醒。"
        ),
        placeholders={
            "name": lazy_gettext("党员姓名"),
            "months": lazy_gettext("欠缴月数（含当月）"),
            "amount": lazy_gettext("欠缴金额（元）"),
            "month": lazy_gettext("截至月份，如“2026年3月”"),
            "township": lazy_gettext("乡镇名称"),
        },
        templates={
            Channel.SMS: MessageTemplate("", ARREARS_SMS),
            Channel.EMAIL: MessageTemplate(
                "党费缴纳提醒",
                "${name}同志：\n\n截至${month}，您已有${months}个月的党费未缴纳，共计${amount}元。"
                "请及时向党支部缴纳；在外务工的，也可以在流入地党支部缴纳，并告知原支部。"
                "如有困难或特殊情况，请向党支部说明。\n\n${township}党委",
            ),
            Channel.INAPP: MessageTemplate("党费缴纳提醒", ARREARS_SMS),
        },
        due=dues_arrears,
        period_key=month_period,
        lead_days=3,
        lead_label=lazy_gettext("欠缴满几个月时提醒（含当月）"),
        lead_range=(1, 6),
        essential=True,
    )
)
