"""The rule framework: what a reminder rule is, the registry, and where new rules plug in.

A rule answers one question for one township at one moment: "who is due for this reminder now,
and for which period?". Beat asks it every few minutes (workers.tasks.notify.run_rules); the
unique key (rule, recipient, period, channel) of the outbox makes the answer safe to give again
and again: a reminder goes out once per period, and a new one only when a new period is due.

Adding a rule (certificates, contact duties/三个一, dues, transfers, evaluations ...):

1. In your own package, write a module, e.g. ``webapp/certificates/reminders.py``::

       from notifications.models import Channel
       from notifications.templates import MessageTemplate
       from webapp.reminders.rules import (
           Due, Rule, RuleContext, day_period, member_recipient, register,
       )

       def _verification_due(session, ctx: RuleContext):
           for cert in ...query certificates whose verification is due within ctx.lead_days...:
               yield Due(member_recipient(ctx, cert.member), period=cert.due_on.isoformat(),
                         values={"name": cert.member.name, "due_on": cert.due_on.isoformat()})

       register(Rule(key="certificate.verification_due", label="流动党员证验证到期",
                     audience="党员", placeholders={"name": "党员姓名", "due_on": "验证截止日期"},
                     templates={Channel.SMS: MessageTemplate("", "${name}同志：..."), ...},
                     due=_verification_due, lead_days=14, period_key=day_period))

   The period is what makes a reminder unique: use the reference date (a due date, an expected
   return) so that editing the date queues a new reminder only when the new date is due, or a
   calendar period (week_period, quarter_period, half_year_period) for digests and duties.
2. Add the module's dotted path to RULE_MODULES below (one line).
3. Test it as tests/reminders/test_rules.py does: due now -> one message; run ten times -> still one.

Each township switches rules on and off and sets their lead time (settings["reminders"]["rules"]);
every rule starts off, and switching one on previews what would go out and holds the backlog
(webapp.reminders.catch_up);
its officers may reword a rule's messages, using only the placeholders the rule declares.
"""

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from notifications.models import Channel, RecipientKind
from notifications.service import Recipient
from notifications.templates import MessageTemplate
from tenants.models import Township

RULE_MODULES: tuple[str, ...] = (
    "webapp.reminders.rules.departures",
    "webapp.duties.reminders",
    "webapp.risk.reminders",
    "webapp.certificates.reminders",
    "webapp.dues.reminders",
    "webapp.activities.reminders",
    "webapp.transfers.reminders",
    "webapp.placements.reminders",
)


@dataclass(frozen=True)
class RuleContext:
    """The township, its local date and time, and the rule's lead time there."""

    township: Township
    today: date
    now: datetime
    lead_days: int
    inboxes: dict[int, bool] = field(default_factory=dict)  # member id -> has an account


@dataclass(frozen=True)
class Due:
    """One recipient due for the rule, for one period, with the placeholder values."""

    recipient: Recipient
    period: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Rule:
    """A reminder rule: who it is for, when it is due, what it says."""

    key: str
    label: str
    audience: str
    placeholders: dict[str, str]
    templates: dict[Channel, MessageTemplate]
    due: Callable[[Session, RuleContext], Iterable[Due]]
    period_key: Callable[[date], str]
    description: str = ""
    lead_days: int = 0
    lead_label: str = lazy_gettext("提前天数")
    lead_range: tuple[int, int] = (0, 90)
    urgent: bool = False
    essential: bool = False
    channels: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL, Channel.INAPP)
    enabled_by_default: bool = False  # a new township starts with every rule off


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add rule to the registry (a module imported twice registers it once)."""
    RULES[rule.key] = rule
    return rule


def load_rules() -> dict[str, Rule]:
    """Import every module in RULE_MODULES; the registry."""
    for name in RULE_MODULES:
        importlib.import_module(name)
    return RULES


def day_period(day: date) -> str:
    """2026-03-01: one reminder per reference date."""
    return day.isoformat()


def week_period(day: date) -> str:
    """2026-W09 (ISO week)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def quarter_period(day: date) -> str:
    """2026-Q1."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def half_year_period(day: date) -> str:
    """2026-H1."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def month_period(day: date) -> str:
    """2026-03 (calendar month)."""
    return f"{day.year}-{day.month:02d}"


def member_recipient(ctx: RuleContext, member: Any) -> Recipient:
    """A member (anything with id, name, phone, email) as a recipient."""
    return Recipient(
        RecipientKind.MEMBER,
        member.id,
        member.name,
        phone=member.phone or "",
        email=member.email or "",
        has_inbox=ctx.inboxes.get(member.id, False),
    )


def user_recipient(user: Any) -> Recipient:
    """An officer's account as a recipient (in-app always; e-mail or SMS when they gave one)."""
    return Recipient(
        RecipientKind.USER,
        user.id,
        user.display_name,
        phone=user.phone or "",
        email=user.email or "",
        has_inbox=True,
    )
