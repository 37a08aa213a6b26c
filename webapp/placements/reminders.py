"""A placement refused by the inflow branch (the member's certificate failed verification): the
home township's officers and its county coordinators are told, with the reason, once."""

from collections.abc import Iterator
from datetime import timedelta

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.models import Channel
from notifications.templates import MessageTemplate
from webapp.members.models import Member
from webapp.placements.models import EndReason, Placement
from webapp.reminders.recipients import township_coordinators, township_officers
from webapp.reminders.rules import Due, Rule, RuleContext, day_period, register, user_recipient

RECENT_DAYS = 30  # a refusal older than this is history, not news


def refused(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """Placements of this township refused in the last RECENT_DAYS days."""
    stmt = (
        select(Placement, Member)
        .join(Member, Member.id == Placement.member_id)
        .where(
            Placement.end_reason == EndReason.REFUSED,
            Placement.closed_on >= ctx.today - timedelta(days=RECENT_DAYS),
        )
        .order_by(Placement.id)
    )
    rows = [(p, m) for p, m in session.execute(stmt)]
    if not rows:
        return
    people = township_officers(session, ctx.township.id)
    people += township_coordinators(session, ctx.township.id)
    for user in people:
        for placement, member in rows:
            reason = placement.note.rsplit("拒收：", 1)[-1] if "拒收：" in placement.note else ""
            yield Due(
                user_recipient(user),
                period=f"placement-{placement.id}-refused",
                values={
                    "name": member.name,
                    "organisation": placement.organisation.name,
                    "reason": reason,
                    "township": ctx.township.name,
                },
            )


BODY = "${township}${name}同志被${organisation}拒收：${reason}。请核实其流动党员证后另行安排。"

register(
    Rule(
        key="placement.refused",
        label=lazy_gettext("流入地拒收通知"),
        audience=lazy_gettext("流出乡镇的组织委员和县级协调员"),
        description=lazy_gettext(
            "流入地支部以流动党员证验证不通过为由拒收本镇安排的党员时，把原因告知本镇和县委组织部；"
            "每次拒收通知一次。"
        ),
        placeholders={
            "name": lazy_gettext("党员姓名"),
            "organisation": lazy_gettext("流入地组织"),
            "reason": lazy_gettext("拒收原因"),
            "township": lazy_gettext("乡镇名称"),
        },
        templates={
            Channel.SMS: MessageTemplate("", BODY),
            Channel.EMAIL: MessageTemplate("流入地拒收党员", BODY),
            Channel.INAPP: MessageTemplate("流入地拒收党员", BODY),
        },
        due=refused,
        period_key=day_period,
        channels=(Channel.INAPP, Channel.EMAIL),
        urgent=True,
    )
)
