"""今日待办 of a township officer (and what a county coordinator may read of it): the at-risk
board's counts, roster imports, failing reminders, approvals waiting on the township, visits."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import g, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.models import Message, State
from notifications.queries import stats
from tenants.db import utcnow
from webapp.auth.models import User
from webapp.auth.permissions import can
from webapp.duties.periods import quarter_of
from webapp.duties.queries import compute_coverage
from webapp.home.today import (
    NAMES,
    Item,
    Name,
    Today,
    certificates_due,
    count_of,
    coverage_item,
    incoming_item,
    inflow_item,
    transfer_queue_item,
)
from webapp.imports.models import ImportJob, ImportStatus
from webapp.risk import rules
from webapp.risk.board import Board, compute_board
from webapp.transfers.models import Step

WAITING_IMPORTS = (
    ImportStatus.UPLOADED,
    ImportStatus.VALIDATING,
    ImportStatus.PREVIEWED,
    ImportStatus.IMPORTING,
)
FAILED_IMPORTS = (ImportStatus.FAILED, ImportStatus.UNREADABLE)
FAILED_IMPORT_DAYS = 7


@dataclass
class RiskCount:
    """Members matching one rule at one level, and the board filtered to them."""

    rule: str
    label: str
    level: str
    level_label: str
    count: int
    url: str


@dataclass
class RiskSummary:
    """The at-risk board in figures: members flagged, red flags, per rule and level."""

    flagged: int
    red: int
    counts: list[RiskCount]
    names: list[Name]
    url: str


def risk_summary(board: Board) -> RiskSummary:
    """The board's own rows counted by (rule, level), in the board's rule order."""
    pairs = Counter((r.rule, r.level) for row in board.rows for r in row.reasons)
    order = list(rules.RULES)
    levels = list(rules.LEVEL_LABELS)
    counts = [
        RiskCount(
            rule,
            rules.RULES[rule],
            level,
            rules.LEVEL_LABELS[level],
            n,
            url_for("risk.board", rule=rule, level=level),
        )
        for (rule, level), n in sorted(
            pairs.items(), key=lambda p: (order.index(p[0][0]), -levels.index(p[0][1]))
        )
    ]
    first = [row for row in board.rows if row.level == rules.RED][:NAMES]
    return RiskSummary(
        flagged=len(board.rows),
        red=board.red,
        counts=counts,
        names=[Name(r.member.name, url_for("members.show", member_id=r.member.id)) for r in first],
        url=url_for("risk.board", level=rules.RED),
    )


def _imports_waiting(session: Session) -> Item:
    stmt = select(ImportJob).where(ImportJob.status.in_(WAITING_IMPORTS))
    rows = session.scalars(stmt.order_by(ImportJob.created_at, ImportJob.id).limit(NAMES))
    return Item(
        key="imports_waiting",
        title=_("花名册导入待确认或进行中"),
        count=count_of(session, stmt),
        url=url_for("imports.index"),
        action=_("去处理"),
        empty=_("没有等待确认的花名册导入"),
        names=[Name(j.filename, url_for("imports.show", import_id=j.id)) for j in rows],
    )


def _imports_failed(session: Session, now: datetime) -> Item:
    since = now - timedelta(days=FAILED_IMPORT_DAYS)
    stmt = select(ImportJob).where(
        ImportJob.status.in_(FAILED_IMPORTS), ImportJob.created_at >= since
    )
    rows = session.scalars(stmt.order_by(ImportJob.created_at.desc(), ImportJob.id).limit(NAMES))
    return Item(
        key="imports_failed",
        title=_("近%(n)d天花名册导入失败", n=FAILED_IMPORT_DAYS),
        count=count_of(session, stmt),
        url=url_for("imports.index"),
        action=_("查看原因并重新上传"),
        empty=_("近%(n)d天没有失败的导入", n=FAILED_IMPORT_DAYS),
        names=[Name(j.filename, url_for("imports.show", import_id=j.id)) for j in rows],
        urgent=True,
    )


def _reminders_failed(session: Session) -> Item:
    stmt = select(Message).where(Message.state == State.FAILED)
    rows = session.scalars(stmt.order_by(Message.updated_at.desc(), Message.id).limit(NAMES))
    figures = stats(session, g.township.timezone)
    return Item(
        key="reminders_failed",
        title=_("提醒发送失败"),
        count=figures.failed_total,
        url=url_for("reminders.index", state=State.FAILED.value),
        action=_("查看并重发"),
        empty=_("没有发送失败的提醒"),
        names=[
            Name(m.recipient_name or _("（无姓名）"), url_for("reminders.show", message_id=m.id))
            for m in rows
        ],
        note=_(
            "今日失败%(today)d条，等待重试%(retrying)d条",
            today=figures.failed_today,
            retrying=figures.retrying,
        ),
        urgent=figures.failed_today > 0,
    )


def for_township(session: Session, user: User, township: Any, today: date, months: int) -> Today:
    """乡镇党委: risk counts, imports, reminders, approvals waiting on the township, visits."""
    out = Today(heading=_("今日待办：全镇"))
    if can(user, "risk.view"):
        out.risk = risk_summary(compute_board(session, today, rules.thresholds_of(township)))
    if can(user, "roster.import"):
        out.items += [_imports_waiting(session), _imports_failed(session, utcnow())]
    if can(user, "reminder.log"):
        out.items.append(_reminders_failed(session))
    if can(user, "transfer.approve_township"):
        out.items.append(transfer_queue_item(session, Step.TOWNSHIP, None))
    if can(user, "transfer.receive"):
        out.items.append(incoming_item(session, None))
    if can(user, "inflow.manage"):
        out.items.append(inflow_item(session, None))
    if can(user, "member.view"):
        out.items.append(certificates_due(session, user, today, months, None))
        coverage = compute_coverage(session, quarter_of(today), today)
        out.items.append(coverage_item(coverage, None, None))
    return out
