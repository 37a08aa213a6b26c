"""Switching a rule on without surprises: a preview of who would get what and when, the backlog
held back (not sent) or paced out a number a day, and the calendar of the next seven days.

A rule answers "who is due now"; on the day it is switched on, that answer is the whole backlog
(every member overdue for years, say). Holding the backlog means writing its messages to the outbox
at once: as suppressed rows ("启用前已到期"), which the unique key then keeps from ever going out,
or as queued rows whose next_attempt_at is spread over the coming days. What falls due after the
switch is new to the outbox and goes out as usual.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.models import CHANNEL_LABELS, PENDING, Channel, Message, State
from notifications.policy import zone
from notifications.service import existing_keys, insert_rows, row_key, rows_for
from tenants.models import Township
from webapp.reminders.engine import member_inboxes, notices_for
from webapp.reminders.rules import Rule, RuleContext, load_rules
from webapp.reminders.settings import rule_setting

FROM_NOW, PACED = "from_now", "paced"
CATCH_UP_LABELS = {
    FROM_NOW: "只发送今后到期的提醒，已到期的不补发",
    PACED: "分批补发已到期的提醒，每天不超过设定条数",
}
HELD_REASON = "启用规则前已到期，按设置不补发"
PER_DAY_RANGE = (1, 500)
SAMPLE = 8
SEND_AT = time(9)  # the simulated hour of a day in the calendar


@dataclass
class Preview:
    """What switching one rule on would do: the backlog now, and what follows in seven days."""

    rule: Rule
    rows: list[dict[str, Any]]
    days: list[tuple[date, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def by_channel(self) -> list[tuple[str, int]]:
        counts = Counter(r["channel"] for r in self.rows if r["state"] == State.QUEUED)
        return [(CHANNEL_LABELS[Channel(c)], n) for c, n in counts.items()]

    @property
    def unreachable(self) -> int:
        return sum(r["state"] == State.SUPPRESSED for r in self.rows)

    @property
    def sample(self) -> list[dict[str, Any]]:
        return self.rows[:SAMPLE]

    def paced_days(self, per_day: int) -> int:
        return -(-self.count // max(1, per_day))


@dataclass(frozen=True)
class _Asking:
    """One township asked as on several moments: its members' inboxes read once."""

    session: Session
    township: Township
    inboxes: dict[int, bool]
    seen: set[Any]

    def new_rows(self, rule: Rule, lead: int, now: datetime) -> list[dict[str, Any]]:
        """Rows rule would add at now that are neither in the outbox nor seen (and adds them)."""
        today = now.astimezone(zone(self.township.timezone)).date()
        ctx = RuleContext(self.township, today, now, lead, self.inboxes)
        notices = notices_for(self.session, self.township, rule, ctx)
        fresh = []
        for row in rows_for(self.session, self.township.id, notices, now):
            if row_key(row) not in self.seen:
                self.seen.add(row_key(row))
                fresh.append(row)
        return fresh


def _asking(session: Session, township: Township, rules: list[Rule]) -> _Asking:
    seen = existing_keys(session, [r.key for r in rules])
    return _Asking(session, township, member_inboxes(session, township), seen)


def _local(township: Township, day: date) -> datetime:
    return datetime.combine(day, SEND_AT, tzinfo=zone(township.timezone))


def preview(session: Session, township: Township, rule: Rule, lead: int, now: datetime) -> Preview:
    """Who would get what if rule were switched on at now with lead days; nothing is written."""
    asking = _asking(session, township, [rule])
    result = Preview(rule, asking.new_rows(rule, lead, now))
    today = now.astimezone(zone(township.timezone)).date()
    for offset in range(1, 8):
        day = today + timedelta(days=offset)
        new = asking.new_rows(rule, lead, _local(township, day))
        result.days.append((day, len(new)))
    return result


def hold_backlog(
    session: Session, township: Township, rule: Rule, mode: str, per_day: int, now: datetime
) -> int:
    """Write the rule's backlog at now to the outbox, held (FROM_NOW) or paced per_day a day
    (PACED), in the caller's transaction; how many rows. The rule's own runs then skip them."""
    lead = rule_setting(township, rule).lead_days
    rows = _asking(session, township, [rule]).new_rows(rule, lead, now)
    for index, row in enumerate(rows):
        if mode == PACED:
            row["next_attempt_at"] = now + timedelta(days=index // max(1, per_day))
        elif row["state"] == State.QUEUED:
            row["state"], row["reason"] = State.SUPPRESSED, HELD_REASON
    insert_rows(session, rows)
    return len(rows)


@dataclass
class CalendarDay:
    """One day of the coming week: rule label -> messages expected that day."""

    day: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def calendar(
    session: Session, township: Township, now: datetime, days: int = 7
) -> list[CalendarDay]:
    """What will go out each day of the next `days`, if the records stay as they are: the rules
    switched on, asked as on each day, less what is already in the outbox; plus the paced and
    deferred messages waiting for that day."""
    today = now.astimezone(zone(township.timezone)).date()
    result = [CalendarDay(today + timedelta(days=i)) for i in range(days)]
    enabled = [r for r in load_rules().values() if rule_setting(township, r).enabled]
    asking = _asking(session, township, enabled)
    labels = {r.key: r.label for r in load_rules().values()}
    for entry in result:
        moment = now if entry.day == today else _local(township, entry.day)
        for rule in enabled:
            lead = rule_setting(township, rule).lead_days
            count = sum(r["state"] == State.QUEUED for r in asking.new_rows(rule, lead, moment))
            if count:
                entry.counts[rule.label] = entry.counts.get(rule.label, 0) + count
    end = _local(township, today + timedelta(days=days))
    waiting = session.execute(
        select(Message.rule, Message.next_attempt_at).where(
            Message.state.in_(PENDING), Message.next_attempt_at < end
        )
    )
    for key, due in waiting:
        local = _as_utc(due).astimezone(zone(township.timezone)).date()
        entry = result[max(0, (local - today).days)]
        label = labels.get(key, key)
        entry.counts[label] = entry.counts.get(label, 0) + 1
    return result


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_choice(errors: dict[str, str], key: str, mode: Any, per_day: Any) -> tuple[str, int]:
    """The officer's catch-up choice for the rule key, or errors under its field names."""
    if mode not in CATCH_UP_LABELS:
        errors[f"catch_up_{key}"] = "请选择已到期提醒的处理方式"
        return FROM_NOW, 0
    if mode == FROM_NOW:
        return FROM_NOW, 0
    low, high = PER_DAY_RANGE
    try:
        number = int(per_day)
    except (TypeError, ValueError):
        number = 0
    if not low <= number <= high:
        errors[f"per_day_{key}"] = f"每天补发条数应为{low}至{high}之间的整数"
    return PACED, number
