"""The at-risk board: every member in scope who matches a rule, with all their reasons.

The board reads history only and decides nothing; see rules.NEVER_DECIDES. Each rule is one
small query over the township in scope, joined in Python, because a member may match several.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from webapp.activities.models import Activity, Attendance, AttendanceMode
from webapp.certificates.queries import DueFilters, due_certificates
from webapp.departures.census import ON_REGISTER, mobile_rows
from webapp.dues.queries import standings
from webapp.duties.models import Contact
from webapp.members.models import Member
from webapp.placements.models import Placement
from webapp.risk import rules
from webapp.risk.rules import RED, WARNING, Thresholds


@dataclass(frozen=True)
class Reason:
    """Why a member is on the board: the rule, how serious, the facts behind it, the day it counts
    from, and the page of the records it read (endpoint, arguments)."""

    rule: str
    level: str
    detail: str
    since: date | None = None
    records: tuple[str, tuple[tuple[str, int], ...]] | None = None

    @property
    def records_endpoint(self) -> str:
        return self.records[0] if self.records else ""

    @property
    def records_args(self) -> dict[str, int]:
        return dict(self.records[1]) if self.records else {}

    @property
    def label(self) -> str:
        return rules.RULES[self.rule]

    @property
    def level_label(self) -> str:
        return rules.LEVEL_LABELS[self.level]


@dataclass
class RiskRow:
    """One member and every rule they match."""

    member: Member
    reasons: list[Reason] = field(default_factory=list)

    @property
    def level(self) -> str:
        return RED if any(r.level == RED for r in self.reasons) else WARNING

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready row (no ID or phone numbers)."""
        return {
            "member_id": self.member.id,
            "name": self.member.name,
            "branch_id": self.member.branch_id,
            "level": self.level,
            "reasons": [
                {
                    "rule": r.rule,
                    "level": r.level,
                    "detail": r.detail,
                    "since": r.since.isoformat() if r.since else None,
                }
                for r in self.reasons
            ],
        }


@dataclass
class Board:
    """The members at risk on a day, with counts per rule."""

    today: date
    thresholds: Thresholds
    rows: list[RiskRow] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        """Members per rule (a member counts once under each rule they match)."""
        return Counter(r.rule for row in self.rows for r in row.reasons)

    @property
    def red(self) -> int:
        return sum(row.level == RED for row in self.rows)

    def select(self, rule: str = "", q: str = "", level: str = "") -> list[RiskRow]:
        """Rows matching a rule, a level and a name search."""
        rows = self.rows
        if rule in rules.RULES:
            rows = [r for r in rows if any(x.rule == rule for x in r.reasons)]
        if level in rules.LEVEL_LABELS:
            rows = [r for r in rows if r.level == level]
        if q.strip():
            rows = [r for r in rows if q.strip() in r.member.name]
        return rows


def full_months(start: date, end: date) -> int:
    """Whole months from start to end (07-27 to 11-26 is 3, to 11-27 is 4)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(0, months)


def _level(months: int, t: Thresholds) -> str | None:
    if months >= t.red_months:
        return RED
    return WARNING if months >= t.warn_months else None


def _latest(stmt: Any, session: Session) -> dict[int, date]:
    return {row[0]: row[1] for row in session.execute(stmt)}


def _last_attended(session: Session, today: date) -> dict[int, tuple[date, int]]:
    """Member -> (day, activity id) of the latest organisational life they took part in."""
    stmt = (
        select(Attendance.member_id, Activity.held_on, Activity.id)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(
            Activity.cancelled_at.is_(None),
            Activity.held_on <= today,
            Attendance.mode != AttendanceMode.ABSENT,
        )
        .order_by(Activity.held_on, Activity.id)
    )
    return {member_id: (day, activity_id) for member_id, day, activity_id in session.execute(stmt)}


def _member_args(member_id: int) -> tuple[tuple[str, int], ...]:
    return (("member_id", member_id),)


def _baseline(own: date, started: date | None) -> tuple[date, bool]:
    """The later of a member's own reference day and the township's start; True when the start."""
    if started is not None and started > own:
        return started, True
    return own, False


def _life_and_dues(
    session: Session, members: list[Member], t: Thresholds, today: date, branch_id: int | None
) -> dict[int, list[Reason]]:
    found: dict[int, list[Reason]] = {}
    attended = _last_attended(session, today)
    for m in members:
        last = attended.get(m.id)
        since, started = _baseline(last[0] if last else m.join_date, t.started_on)
        months = full_months(since, today)
        level = _level(months, t)
        if level:
            if started:
                why = _("本镇启用连心（%(since)s）以来没有参加记录", since=since)
            elif last:
                why = _("最近一次参加组织生活是%(since)s", since=since)
            else:
                why = _("入党（%(since)s）以来没有参加记录", since=since)
            records = ("activities.show", (("activity_id", last[1]),)) if last else None
            found.setdefault(m.id, []).append(
                Reason(
                    rules.NO_LIFE,
                    level,
                    _("%(why)s，已%(months)s个月", why=why, months=months),
                    since,
                    records,
                )
            )
    ids = {m.id for m in members}
    for s in standings(session, today, branch_id=branch_id):
        if s.rate is None or s.member.id not in ids:
            continue
        unpaid = s.unpaid_from(t.started_on)
        level = _level(unpaid, t)
        if level:
            last = (
                _("，最近一次交纳在%(last_paid_on)s", last_paid_on=s.last_paid_on)
                if s.last_paid_on
                else _("，从未交纳")
            )
            amount = s.rate.monthly_amount * unpaid
            first = _baseline(s.rate.start_month, t.started_on)[0]
            found.setdefault(s.member.id, []).append(
                Reason(
                    rules.NO_DUES,
                    level,
                    _(
                        "欠缴%(unpaid)s个月（%(amount)s元）%(last)s",
                        unpaid=unpaid,
                        amount=amount,
                        last=last,
                    ),
                    first,
                    ("dues.member", _member_args(s.member.id)),
                )
            )
    return found


def _mobile_reasons(session: Session, t: Thresholds, today: date) -> dict[int, list[Reason]]:
    found: dict[int, list[Reason]] = {}
    away: dict[int, tuple[date, Any]] = {}
    for row in session.execute(mobile_rows(today)):
        away.setdefault(row.member_id, (row.departed_on, row.flow_category))
    contacted = _latest(
        select(Contact.member_id, func.max(Contact.contacted_on))
        .where(Contact.contacted_on <= today)
        .group_by(Contact.member_id),
        session,
    )
    placed = set(
        session.scalars(
            select(Placement.member_id).where(
                Placement.reported_on <= today,
                or_(Placement.closed_on.is_(None), Placement.closed_on > today),
            )
        )
    )  # reported in at an inflow organisation and not ended: managed there
    for member_id, (departed, category) in away.items():
        reasons = found.setdefault(member_id, [])
        last = contacted.get(member_id)
        own = max(last or departed, departed)  # a contact before this trip does not count
        since, started = _baseline(own, t.started_on)
        days = (today - since).days
        contacts = ("duties.member", _member_args(member_id))
        if days > t.contact_days:
            if started:
                where = _("本镇启用连心（%(since)s）以来没有联系记录", since=since)
            elif last is not None and since == last:
                where = _("最近一次联系在%(last)s", last=last)
            else:
                where = _("%(departed)s外出以来从未联系", departed=departed)
            reasons.append(
                Reason(
                    rules.NO_CONTACT,
                    WARNING,
                    _("%(where)s，已%(days)s天", where=where, days=days),
                    since,
                    contacts,
                )
            )
            if member_id not in placed:
                reasons.append(
                    Reason(
                        rules.NEITHER,
                        RED,
                        _("未在流入地组织报到，流出地支部也已%(days)s天没有联系", days=days),
                        since,
                        contacts,
                    )
                )
        if category is None:
            reasons.append(
                Reason(
                    rules.UNKNOWN,
                    RED,
                    _("%(departed)s外出，未登记去向", departed=departed),
                    departed,
                    ("departures.move", _member_args(member_id)),
                )
            )
    return found


def _certificates(session: Session, t: Thresholds, today: date) -> dict[int, list[Reason]]:
    found: dict[int, list[Reason]] = {}
    stmt = due_certificates(DueFilters(as_of=today, months=t.verify_months, state="overdue"))
    for cert, _member in session.execute(stmt):
        due = cert.due_on(t.verify_months)
        detail = _("证号%(number)s，应于%(due)s验证", number=cert.number, due=due)
        records = ("certificates.show", (("certificate_id", cert.id),))
        found.setdefault(cert.member_id, []).append(
            Reason(rules.CERT_OVERDUE, WARNING, detail, due, records)
        )
    return found


def compute_board(
    session: Session, today: date, t: Thresholds, branch_id: int | None = None
) -> Board:
    """Every member on the register in scope who matches a rule, red flags first."""
    stmt = select(Member).where(Member.status.in_(ON_REGISTER), Member.join_date <= today)
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    members = list(session.scalars(stmt.order_by(Member.name, Member.id)))
    found = _life_and_dues(session, members, t, today, branch_id)
    for extra in (_mobile_reasons(session, t, today), _certificates(session, t, today)):
        for member_id, reasons in extra.items():
            if reasons:
                found.setdefault(member_id, []).extend(reasons)
    order = list(rules.RULES)
    board = Board(today=today, thresholds=t)
    for m in members:
        reasons = found.get(m.id)
        if reasons:
            reasons.sort(key=lambda r: order.index(r.rule))
            board.rows.append(RiskRow(m, reasons))
    board.rows.sort(key=lambda r: r.level != RED)  # stable: by name within each level
    return board
