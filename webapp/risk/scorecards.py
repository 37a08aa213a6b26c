"""Branch scorecards (领导责任制): each branch's targets and where it stands this period.

Three measures, each "done of due" summed over the period up to today:
- visit coverage: mobile members contacted in each quarter they were due (一季度一访);
- 三个一 completion: members due in each half-year with all three items done or explained;
- attendance: member-activity pairs attended out of those expected (held activities).
Targets are township settings (target_*_pct), overridden per branch in
township.settings["branch_targets"]: a handful of numbers per branch needs no table of its own.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.activities.queries import branch_rates
from webapp.audit.services import record
from webapp.branches.models import Branch
from webapp.duties.board import compute_board as three_ones_board
from webapp.duties.periods import Half, PeriodInvalid, Quarter, half_of, quarter_of
from webapp.duties.queries import compute_coverage
from webapp.risk.rules import setting

MEASURES = {
    "visit": lazy_gettext("走访覆盖率"),
    "three_ones": lazy_gettext("三个一完成率"),
    "attendance": lazy_gettext("组织生活参加率"),
}
SETTING_OF = {
    "visit": "target_visit_pct",
    "three_ones": "target_three_ones_pct",
    "attendance": "target_attendance_pct",
}
YEAR_RE = re.compile(r"^(\d{4})$")


class TargetsInvalid(ValueError):
    """Targets that cannot be saved; errors maps field to a Chinese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class Span:
    """The period a scorecard covers: a quarter, a half-year or a year."""

    key: str
    label: str
    start: date
    end: date

    def quarters(self, today: date) -> list[Quarter]:
        """Quarters of the span that have begun by today."""
        out, q = [], quarter_of(self.start)
        while q.start <= min(self.end, today):
            out.append(q)
            q = q.next()
        return out

    def halves(self, today: date) -> list[Half]:
        """Half-years of the span that have begun by today."""
        out, h = [], half_of(self.start)
        while h.start <= min(self.end, today):
            out.append(h)
            h = h.next()
        return out


def span_of(text: str | None, today: date) -> Span:
    """'2026Q3', '2026H2' or '2026' (the current quarter by default); future ones refused."""
    text = (text or "").strip().upper()
    if not text or text == "QUARTER":
        q = quarter_of(today)
        span = Span(q.key, q.label, q.start, q.end)
    elif text == "HALF":
        h = half_of(today)
        span = Span(h.key, h.label, h.start, h.end)
    elif text == "YEAR" or YEAR_RE.match(text):
        year = today.year if text == "YEAR" else int(text)
        span = Span(str(year), _("%(year)s年", year=year), date(year, 1, 1), date(year, 12, 31))
    elif "H" in text:
        h = Half.parse(text)
        span = Span(h.key, h.label, h.start, h.end)
    else:
        q = Quarter.parse(text)
        span = Span(q.key, q.label, q.start, q.end)
    if span.start > today:
        raise PeriodInvalid(_("不能选择尚未开始的期间"))
    return span


def span_choices(today: date) -> list[Span]:
    """This quarter, this half-year, this year and last year, for a picker."""
    return [span_of(k, today) for k in ("quarter", "half", "year", str(today.year - 1))]


@dataclass
class Measure:
    """done of due against a target percentage."""

    done: int = 0
    due: int = 0
    target: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.done / self.due, 1) if self.due else None

    @property
    def met(self) -> bool | None:
        """True (green), False (red), or None when nobody was due."""
        return None if self.percent is None else self.percent >= self.target

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "done": self.done,
            "due": self.due,
            "percent": self.percent,
            "target": self.target,
            "met": self.met,
        }


@dataclass
class Scorecard:
    """One branch (or a township's total) in one span."""

    key: int | None
    name: str
    measures: dict[str, Measure] = field(default_factory=dict)
    overridden: bool = False

    @property
    def met_all(self) -> bool:
        return all(m.met is not False for m in self.measures.values())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.key,
            "name": self.name,
            "targets_overridden": self.overridden,
            "met_all": self.met_all,
            "measures": {k: m.as_dict() for k, m in self.measures.items()},
        }


def township_targets(township: Any) -> dict[str, int]:
    """The township's default targets."""
    return {k: setting(township, s) for k, s in SETTING_OF.items()}


def branch_targets(township: Any, branch_id: int) -> tuple[dict[str, int], bool]:
    """The branch's targets (its overrides over the township's) and whether it has any."""
    own = ((township.settings or {}).get("branch_targets") or {}).get(str(branch_id)) or {}
    targets = township_targets(township)
    targets.update({k: int(v) for k, v in own.items() if k in MEASURES})
    return targets, bool(own)


def compute_scorecards(
    session: Session, township: Any, span: Span, today: date, branch_id: int | None = None
) -> tuple[list[Scorecard], Scorecard]:
    """Each branch's scorecard in scope and the township's total against its default targets."""
    stmt = select(Branch).order_by(Branch.name, Branch.id)
    if branch_id is not None:
        stmt = stmt.where(Branch.id == branch_id)
    branches = list(session.scalars(stmt))
    cards = {}
    for b in branches:
        targets, overridden = branch_targets(township, b.id)
        measures = {k: Measure(target=targets[k]) for k in MEASURES}
        cards[b.id] = Scorecard(b.id, b.name, measures, overridden)
    for q in span.quarters(today):
        for t in compute_coverage(session, q, today, branch_id).by_branch(branches):
            cards[t.key].measures["visit"].done += t.visited
            cards[t.key].measures["visit"].due += t.due
    for h in span.halves(today):
        for t in three_ones_board(session, h, branch_id).by_branch(branches):
            cards[t.key].measures["three_ones"].done += t.complete
            cards[t.key].measures["three_ones"].due += t.due
    for b, rate in branch_rates(session, span.start, min(span.end, today)):
        if b.id in cards:
            cards[b.id].measures["attendance"] = Measure(
                rate.attended, rate.expected, cards[b.id].measures["attendance"].target
            )
    defaults = township_targets(township)
    total = Scorecard(None, _("合计"), {k: Measure(target=defaults[k]) for k in MEASURES})
    for card in cards.values():
        for k, m in card.measures.items():
            total.measures[k].done += m.done
            total.measures[k].due += m.due
    return list(cards.values()), total


def do_set_branch_targets(
    session: Session, actor: Any, township: Any, branch: Branch, data: dict[str, Any]
) -> dict[str, int]:
    """Set (or, with blanks, clear) a branch's own targets, 0 to 100 each; audited."""
    errors: dict[str, str] = {}
    own: dict[str, int] = {}
    for key, label in MEASURES.items():
        value = data.get(key)
        text = "" if value is None or isinstance(value, bool) else str(value).strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit()) or len(text) > 3 or int(text) > 100:
            errors[key] = _(
                "%(label)s目标应为0至100之间的整数（留空则使用全镇默认目标）", label=label
            )
        else:
            own[key] = int(text)
    if errors:
        raise TargetsInvalid(errors)
    settings = dict(township.settings or {})
    all_targets = dict(settings.get("branch_targets") or {})
    before = all_targets.get(str(branch.id)) or {}
    if own:
        all_targets[str(branch.id)] = own
    else:
        all_targets.pop(str(branch.id), None)
    township.settings = {**settings, "branch_targets": all_targets}
    record(
        session,
        actor,
        "scorecard.targets_set",
        "branch",
        branch.id,
        tenant_id=township.id,
        before=before,
        after=own,
    )
    session.commit()
    return own
