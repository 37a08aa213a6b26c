"""Rules on departures: overdue returns (to the member) and a weekly digest of members whose
whereabouts are unknown (to the township's officers)."""

from collections.abc import Iterator
from datetime import timedelta

from flask_babel import lazy_gettext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from notifications.models import Channel
from notifications.templates import MessageTemplate
from webapp.departures.census import ON_REGISTER, away_on
from webapp.departures.models import Departure, Whereabouts
from webapp.members.models import Member
from webapp.reminders.recipients import township_officers
from webapp.reminders.rules import (
    Due,
    Rule,
    RuleContext,
    day_period,
    member_recipient,
    register,
    user_recipient,
    week_period,
)

DIGEST_NAMES = 20

OVERDUE_SMS = "${name}同志：您外出登记的预计返回日期（${expected_return}）已过${days_overdue}天，请及时向党支部报告目前去向。${township}党委"


def overdue_returns(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """Members still away whose expected return passed more than lead_days ago."""
    cutoff = ctx.today - timedelta(days=ctx.lead_days)
    rows = session.execute(
        select(Member.id, Member.name, Member.phone, Member.email, Departure.expected_return)
        .join(Departure, Departure.member_id == Member.id)
        .where(
            Departure.returned_on.is_(None),
            Departure.expected_return.is_not(None),
            Departure.expected_return < cutoff,
            Member.status.in_(ON_REGISTER),
        )
    )
    for row in rows:
        yield Due(
            member_recipient(ctx, row),
            period=day_period(row.expected_return),
            values={
                "name": row.name,
                "expected_return": row.expected_return.isoformat(),
                "days_overdue": (ctx.today - row.expected_return).days,
                "township": ctx.township.name,
            },
        )


register(
    Rule(
        key="departure.overdue",
        label=lazy_gettext("预计返回日期已过，提醒报告去向"),
        audience=lazy_gettext("流动党员"),
        description=lazy_gettext(
            "外出登记的预计返回日期已过而尚未登记返回的党员，提醒其向支部报告目前去向；"
            "预计返回日期改动后，到新日期仍未返回才会再次提醒。"
        ),
        placeholders={
            "name": lazy_gettext("党员姓名"),
            "expected_return": lazy_gettext("预计返回日期"),
            "days_overdue": lazy_gettext("已超过天数"),
            "township": lazy_gettext("乡镇名称"),
        },
        templates={
            Channel.SMS: MessageTemplate("", OVERDUE_SMS),
            Channel.EMAIL: MessageTemplate(
                "请报告您的目前去向",
                "${name}同志：\n\n您外出登记的预计返回日期为 ${expected_return}，至今已过"
                "${days_overdue}天，尚未登记返回。请及时与党支部联系，报告目前所在地、工作和联系方式；"
                "如已返回，请告知支部登记返回。\n\n${township}党委",
            ),
            Channel.INAPP: MessageTemplate("请报告您的目前去向", OVERDUE_SMS),
        },
        due=overdue_returns,
        period_key=day_period,
        lead_days=0,
        lead_label=lazy_gettext("预计返回日期过后几天提醒"),
        lead_range=(0, 60),
        essential=True,
    )
)


def unknown_whereabouts(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """On or after the chosen weekday, one digest a week per township admin, when any are unknown."""
    if ctx.today.isoweekday() < max(1, ctx.lead_days):
        return
    stint = and_(
        Whereabouts.departure_id == Departure.id,
        Whereabouts.valid_from <= ctx.today,
        or_(Whereabouts.valid_to.is_(None), Whereabouts.valid_to > ctx.today),
    )
    names = list(
        session.scalars(
            select(Member.name)
            .join(Departure, Departure.member_id == Member.id)
            .outerjoin(Whereabouts, stint)
            .where(
                away_on(ctx.today),
                Member.status.in_(ON_REGISTER),
                or_(Whereabouts.id.is_(None), Whereabouts.flow_category.is_(None)),
            )
            .order_by(Member.name)
        )
    )
    if not names:
        return
    shown = "、".join(names[:DIGEST_NAMES]) + (
        f"等{len(names)}人" if len(names) > DIGEST_NAMES else ""
    )
    for admin in township_officers(session, ctx.township.id):
        yield Due(
            user_recipient(admin),
            period=week_period(ctx.today),
            values={
                "name": admin.display_name,
                "count": len(names),
                "names": shown,
                "township": ctx.township.name,
                "week": week_period(ctx.today),
            },
        )


register(
    Rule(
        key="whereabouts.unknown_digest",
        label=lazy_gettext("去向不明党员周报"),
        audience=lazy_gettext("镇党委组织委员"),
        description=lazy_gettext("每周一次，向乡镇管理员汇总目前在外但去向不明的流动党员名单。"),
        placeholders={
            "name": lazy_gettext("接收人姓名"),
            "count": lazy_gettext("去向不明人数"),
            "names": lazy_gettext("名单（前20人）"),
            "township": lazy_gettext("乡镇名称"),
            "week": lazy_gettext("周次"),
        },
        templates={
            Channel.EMAIL: MessageTemplate(
                "${township}：${count}名流动党员去向不明（${week}）",
                "${name}：\n\n本周（${week}）${township}共有${count}名在外流动党员去向不明：\n${names}\n\n"
                "请联系其所在支部尽快核实去向，并在系统中登记去向变更。",
            ),
            Channel.INAPP: MessageTemplate(
                "${count}名流动党员去向不明",
                "本周（${week}）去向不明的流动党员：${names}。请尽快核实。",
            ),
            Channel.SMS: MessageTemplate(
                "",
                "${name}：本周${township}有${count}名流动党员去向不明，请登录连心系统查看并核实。",
            ),
        },
        due=unknown_whereabouts,
        period_key=week_period,
        lead_days=1,
        lead_label=lazy_gettext("每周第几天发送（1=周一，7=周日）"),
        lead_range=(1, 7),
        channels=(Channel.INAPP, Channel.EMAIL),
    )
)
