"""Reminder rule on the at-risk board: a weekly digest to each branch secretary of the branch's
members at red level, with the number of further warnings; only when there is a red flag."""

from collections.abc import Iterator

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.models import Channel
from notifications.templates import MessageTemplate
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.reminders.rules import Due, Rule, RuleContext, register, user_recipient, week_period
from webapp.risk.board import RiskRow, compute_board
from webapp.risk.rules import RED, thresholds_of

DIGEST_NAMES = 20


def _listed(rows: list[RiskRow]) -> str:
    shown = [
        f"{row.member.name}（{'、'.join(str(r.label) for r in row.reasons if r.level == RED)}）"
        for row in rows[:DIGEST_NAMES]
    ]
    return "；".join(shown) + (f"等{len(rows)}人" if len(rows) > DIGEST_NAMES else "")


def red_flags(session: Session, ctx: RuleContext) -> Iterator[Due]:
    """On or after the chosen weekday, one digest a week per secretary whose branch has red flags."""
    if ctx.today.isoweekday() < max(1, ctx.lead_days):
        return
    board = compute_board(session, ctx.today, thresholds_of(ctx.township))
    red: dict[int, list[RiskRow]] = {}
    warnings: dict[int, int] = {}
    for row in board.rows:
        if row.level == RED:
            red.setdefault(row.member.branch_id, []).append(row)
        else:
            warnings[row.member.branch_id] = warnings.get(row.member.branch_id, 0) + 1
    if not red:
        return
    names = dict(session.execute(select(Branch.id, Branch.name).where(Branch.id.in_(red))).all())
    secretaries = session.scalars(
        select(User)
        .where(
            User.tenant_id == ctx.township.id,
            User.role == Role.BRANCH_SECRETARY,
            User.branch_id.in_(red),
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    )
    for secretary in secretaries:
        branch_id = secretary.branch_id or 0
        rows = red.get(branch_id)
        if not rows:
            continue
        yield Due(
            user_recipient(secretary),
            period=week_period(ctx.today),
            values={
                "name": secretary.display_name,
                "branch": names.get(branch_id, ""),
                "red": len(rows),
                "names": _listed(rows),
                "warnings": warnings.get(branch_id, 0),
                "week": week_period(ctx.today),
                "township": ctx.township.name,
            },
        )


register(
    Rule(
        key="risk.red_digest",
        label=lazy_gettext("红色预警党员周报"),
        audience=lazy_gettext("支部书记"),
        description=lazy_gettext(
            "每周一次，向支部书记汇总本支部处于红色预警的党员及原因，并附提醒级别人数；"
            "本支部没有红色预警时不发送。预警只是提醒，如何处理由支部研究决定。"
        ),
        placeholders={
            "name": lazy_gettext("接收人姓名"),
            "branch": lazy_gettext("支部名称"),
            "red": lazy_gettext("红色预警人数"),
            "names": lazy_gettext("红色预警名单及原因（前20人）"),
            "warnings": lazy_gettext("提醒级别人数"),
            "week": lazy_gettext("周次"),
            "township": lazy_gettext("乡镇名称"),
        },
        templates={
            Channel.EMAIL: MessageTemplate(
                "${branch}：${red}名党员红色预警（${week}）",
                "${name}：\n\n本周（${week}）${branch}有${red}名党员处于红色预警：\n${names}\n\n"
                "另有${warnings}名党员处于提醒级别。请尽快了解情况、联系本人，"
                "并在连心系统的预警名单中查看详情。预警只是提醒，是否属于“无正当理由”、如何处理，"
                "由支部了解情况后研究决定。\n\n${township}党委",
            ),
            Channel.INAPP: MessageTemplate(
                "${branch}：${red}名党员红色预警",
                "本周（${week}）红色预警：${names}。另有${warnings}名党员处于提醒级别。",
            ),
            Channel.SMS: MessageTemplate(
                "",
                "${name}：本周${branch}有${red}名党员红色预警、${warnings}名提醒，"
                "请登录连心系统查看预警名单。${township}党委",
            ),
        },
        due=red_flags,
        period_key=week_period,
        lead_days=1,
        lead_label=lazy_gettext("每周第几天发送（1=周一，7=周日）"),
        lead_range=(1, 7),
        channels=(Channel.INAPP, Channel.EMAIL),
    )
)
