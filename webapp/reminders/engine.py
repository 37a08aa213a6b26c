"""Run the rules of one township: ask each what is due now, queue it once, dispatch after commit."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.policy import zone
from notifications.service import Notice, notify
from tenants.db import utcnow
from tenants.models import Township
from webapp.auth.models import User
from webapp.jobs import enqueue_after_commit
from webapp.reminders.rules import Rule, RuleContext, load_rules
from webapp.reminders.settings import rule_setting, templates_for

DISPATCH_TASK = "workers.tasks.notify.dispatch"


def queue_notices(
    session: Session, tenant_id: int, notices: Sequence[Notice], now: datetime | None = None
) -> int:
    """notify() in the caller's transaction, and a dispatch once it commits (if anything is new)."""
    new = notify(session, tenant_id, notices, now)
    if new:
        enqueue_after_commit(session, DISPATCH_TASK, tenant_id)
    return new


def member_inboxes(session: Session, township: Township) -> dict[int, bool]:
    """Members of the township who have an account, so in-app messages reach them."""
    rows = session.scalars(
        select(User.member_id).where(
            User.tenant_id == township.id,
            User.member_id.is_not(None),
            User.is_active_account.is_(True),
        )
    )
    return {member_id: True for member_id in rows}


def notices_for(session: Session, township: Township, rule: Rule, ctx: RuleContext) -> list[Notice]:
    """What rule finds due, as notices with the township's wording."""
    templates = templates_for(township, rule)
    return [
        Notice(
            rule=rule.key,
            period=due.period,
            recipient=due.recipient,
            templates=templates,
            values=due.values,
            channels=rule.channels,
            urgent=rule.urgent,
            essential=rule.essential,
        )
        for due in rule.due(session, ctx)
    ]


def run_township(
    session: Session, township: Township, now: datetime | None = None, only: str | None = None
) -> dict[str, int]:
    """Run every enabled rule (or only one) in the township's scope; rule -> new messages.

    Safe to run any number of times: a reminder already queued for its period is not queued again.
    """
    now = now or utcnow()
    today = now.astimezone(zone(township.timezone)).date()
    inboxes = member_inboxes(session, township)
    queued: dict[str, int] = {}
    for rule in load_rules().values():
        setting = rule_setting(township, rule)
        if (only and rule.key != only) or not setting.enabled:
            continue
        ctx = RuleContext(township, today, now, setting.lead_days, inboxes)
        queued[rule.key] = queue_notices(
            session, township.id, notices_for(session, township, rule, ctx), now
        )
    session.commit()
    return queued


def rule_choices() -> list[tuple[str, str]]:
    """(key, label) of every rule, for filters."""
    return [(r.key, r.label) for r in load_rules().values()]


def rule_label(key: str) -> str:
    """The Chinese label of a rule key (the key itself when the rule is gone)."""
    rule: Any = load_rules().get(key)
    return rule.label if rule else key
