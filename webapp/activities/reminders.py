"""Rule on branch life (组织生活、主题党日、学习、返乡培训), to the members expected: the active
members of the branch, and members whose valid 流动党员证 names it as their inflow branch.
One reminder per activity and date: a rescheduled activity reminds again, a cancelled one never."""

from collections.abc import Iterator
from datetime import timedelta

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.models import Channel
from notifications.policy import zone
from notifications.templates import MessageTemplate
from webapp.activities.models import Activity
from webapp.activities.services import ACTIVE, roster
from webapp.certificates.models import Certificate, CertificateStatus
from webapp.members.models import Member
from webapp.reminders.rules import Due, Rule, RuleContext, day_period, member_recipient, register

ACTIVITY_SMS = (
    "${name}同志：${branch}定于${when}在${place}开展${kind}“${title}”，请准时参加；"
    "不能参加的，请提前向支部说明原因。${township}党委"
)


def expected_members(session: Session, activity: Activity) -> list[Member]:
    """The branch's roster, then the inflow members holding a valid card for the branch."""
    members = roster(session, activity)
    own = {m.id for m in members}
    inflow = session.scalars(
        select(Member)
        .join(Certificate, Certificate.member_id == Member.id)
        .where(
            Certificate.status == CertificateStatus.VALID,
            Certificate.inflow_branch_id == activity.branch_id,
            Member.status.in_(ACTIVE),
        )
        .order_by(Member.name, Member.id)
    )
    return members + [m for m in inflow if m.id not in own]


def _place(activity: Activity) -> str:
    if activity.place and activity.online_link:
        return f"{activity.place}（也可线上参加：{activity.online_link}）"
    return activity.place or f"线上（{activity.online_link}）"


def _started(activity: Activity, ctx: RuleContext) -> bool:
    """Is it today and already under way (or past) in the township's local time?"""
    if activity.held_on != ctx.today or activity.start_time is None:
        return False
    return ctx.now.astimezone(zone(ctx.township.timezone)).time() >= activity.start_time


def upcoming_activities(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """The members expected at each activity held from today to lead_days ahead, not cancelled."""
    activities = session.scalars(
        select(Activity)
        .where(
            Activity.cancelled_at.is_(None),
            Activity.held_on >= ctx.today,
            Activity.held_on <= ctx.today + timedelta(days=ctx.lead_days),
        )
        .order_by(Activity.held_on, Activity.id)
    )
    for activity in activities:
        if _started(activity, ctx):
            continue
        when = activity.held_on.isoformat()
        if activity.start_time is not None:
            when += f" {activity.start_time:%H:%M}"
        values = {
            "branch": activity.branch.name,
            "kind": activity.kind_label,
            "title": activity.title,
            "when": when,
            "place": _place(activity),
            "township": ctx.township.name,
        }
        for member in expected_members(session, activity):
            yield Due(
                member_recipient(ctx, member),
                period=f"{activity.id}@{day_period(activity.held_on)}",
                values={"name": member.name, **values},
            )


register(
    Rule(
        key="activity.upcoming",
        label=lazy_gettext("组织生活和培训活动通知"),
        audience=lazy_gettext("支部党员及流入本支部的党员"),
        description=lazy_gettext(
            "支部安排的组织生活会、主题党日、学习和返乡培训，在活动前通知本支部党员和持证流入本支部的党员；"
            "活动改期后按新日期再次通知，已取消的活动不通知。"
        ),
        placeholders={
            "name": lazy_gettext("党员姓名"),
            "branch": lazy_gettext("举办支部"),
            "kind": lazy_gettext("活动类型"),
            "title": lazy_gettext("活动主题"),
            "when": lazy_gettext("活动日期和时间"),
            "place": lazy_gettext("地点（含线上链接）"),
            "township": lazy_gettext("乡镇名称"),
        },
        templates={
            Channel.SMS: MessageTemplate("", ACTIVITY_SMS),
            Channel.EMAIL: MessageTemplate(
                "活动通知：${kind}“${title}”",
                "${name}同志：\n\n${branch}定于${when}开展${kind}“${title}”。\n地点：${place}\n\n"
                "请准时参加；在外不能到场的，可在流入地党支部参加或线上参加，"
                "不能参加的请提前向支部说明原因。\n\n${township}党委",
            ),
            Channel.INAPP: MessageTemplate("活动通知：${kind}“${title}”", ACTIVITY_SMS),
        },
        due=upcoming_activities,
        period_key=day_period,
        lead_days=2,
        lead_label=lazy_gettext("活动前几天通知"),
        lead_range=(0, 30),
    )
)
