"""Reminder rules on contact duties: 三个一 still missing near the half-year's end (to the member),
and the quarter's visits not yet made (one digest to each responsible committee member)."""

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.models import Channel
from notifications.templates import MessageTemplate
from webapp.auth.models import User
from webapp.duties.assignments import OFFICER_ROLES
from webapp.duties.board import MISSING, compute_board
from webapp.duties.models import THREE_ONES_LABELS, ThreeOnesKind
from webapp.duties.periods import half_of, quarter_of
from webapp.duties.queries import CoverageRow, compute_coverage
from webapp.reminders.rules import (
    Due,
    Rule,
    RuleContext,
    half_year_period,
    member_recipient,
    quarter_period,
    register,
    user_recipient,
)

DIGEST_NAMES = 20

THREE_ONES_SMS = (
    "${name}同志：${half}的“三个一”您还有${missing}未完成，请在${deadline}前完成并告知党支部；"
    "确实无法完成的，请向支部说明原因。${township}党委"
)


def three_ones_missing(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """lead_days before the half-year ends: each member due in it who still misses an item."""
    half = half_of(ctx.today)
    if ctx.today < half.end - timedelta(days=ctx.lead_days):
        return
    for row in compute_board(session, half).rows:
        missing = [THREE_ONES_LABELS[k] for k in ThreeOnesKind if row.state(k) == MISSING]
        if not missing:
            continue
        yield Due(
            member_recipient(ctx, row.member),
            period=half_year_period(ctx.today),
            values={
                "name": row.member.name,
                "half": half.label,
                "missing": "、".join(missing),
                "count": len(missing),
                "deadline": half.end.isoformat(),
                "township": ctx.township.name,
            },
        )


register(
    Rule(
        key="three_ones.missing",
        label="三个一半年度进度提醒",
        audience="流动党员",
        description="半年度结束前，提醒本半年度应完成“三个一”（参加一次支部活动、写一封信、"
        "给支部打一次电话）但仍有未完成、也未说明原因事项的流动党员；每半年最多一次。",
        placeholders={
            "name": "党员姓名",
            "half": "半年度",
            "missing": "未完成的事项",
            "count": "未完成项数",
            "deadline": "半年度截止日期",
            "township": "乡镇名称",
        },
        templates={
            Channel.SMS: MessageTemplate("", THREE_ONES_SMS),
            Channel.EMAIL: MessageTemplate(
                "${half}“三个一”尚有${count}项未完成",
                "${name}同志：\n\n按照“三个一”的要求，流动党员每半年参加一次支部活动、写一封信"
                "（思想汇报亦可）、给支部打一次电话。您${half}还有以下事项未完成：\n${missing}\n\n"
                "请在${deadline}前完成并告知党支部；确实无法完成的，请向支部说明原因。\n\n"
                "${township}党委",
            ),
            Channel.INAPP: MessageTemplate("${half}“三个一”尚有${count}项未完成", THREE_ONES_SMS),
        },
        due=three_ones_missing,
        period_key=half_year_period,
        lead_days=30,
        lead_label="半年度结束前几天提醒",
        lead_range=(0, 90),
    )
)


def _names(rows: list[CoverageRow]) -> str:
    names = [r.member.name for r in rows]
    shown = "、".join(names[:DIGEST_NAMES])
    return shown + (f"等{len(names)}人" if len(names) > DIGEST_NAMES else "")


def visits_due(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """lead_days before the quarter ends: one digest per officer with members not yet contacted."""
    quarter = quarter_of(ctx.today)
    if ctx.today < quarter.end - timedelta(days=ctx.lead_days):
        return
    owed: dict[int, list[CoverageRow]] = {}
    for row in compute_coverage(session, quarter, ctx.today).rows:
        if row.officer_id is not None and not row.visited:
            owed.setdefault(row.officer_id, []).append(row)
    if not owed:
        return
    officers = session.scalars(
        select(User)
        .where(
            User.id.in_(owed),
            User.tenant_id == ctx.township.id,
            User.role.in_(OFFICER_ROLES),
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    )
    for officer in officers:
        rows = owed[officer.id]
        yield Due(
            user_recipient(officer),
            period=quarter_period(ctx.today),
            values={
                "name": officer.display_name,
                "quarter": quarter.label,
                "count": len(rows),
                "names": _names(rows),
                "deadline": quarter.end.isoformat(),
                "days_left": (quarter.end - ctx.today).days + 1,
                "township": ctx.township.name,
            },
        )


register(
    Rule(
        key="visits.quarter_due",
        label="一季度一访：本季度未联系党员提醒",
        audience="支部委员",
        description="季度结束前，向每位负责联系的支部委员（或支部书记）汇总一次本季度应联系、"
        "但尚无联系记录的流动党员名单；已登记联系的党员不再列入。",
        placeholders={
            "name": "接收人姓名",
            "quarter": "季度",
            "count": "未联系人数",
            "names": "未联系党员名单（前20人）",
            "deadline": "季度截止日期",
            "days_left": "剩余天数",
            "township": "乡镇名称",
        },
        templates={
            Channel.EMAIL: MessageTemplate(
                "${quarter}还有${count}名流动党员未联系",
                "${name}：\n\n${quarter}将于${deadline}结束（还剩${days_left}天）。您负责联系的"
                "流动党员中，本季度还有${count}人没有联系记录：\n${names}\n\n"
                "请在季度结束前通过电话、微信、视频、走访或书信联系，并在连心系统中登记联系记录。"
                "\n\n${township}党委",
            ),
            Channel.INAPP: MessageTemplate(
                "${quarter}还有${count}名流动党员未联系",
                "${quarter}还剩${days_left}天，尚未联系：${names}。联系后请及时登记。",
            ),
            Channel.SMS: MessageTemplate(
                "",
                "${name}：${quarter}还剩${days_left}天，您负责的${count}名流动党员尚未联系，"
                "请登录连心系统查看名单。${township}党委",
            ),
        },
        due=visits_due,
        period_key=quarter_period,
        lead_days=21,
        lead_label="季度结束前几天提醒",
        lead_range=(0, 80),
        channels=(Channel.INAPP, Channel.EMAIL),
    )
)
