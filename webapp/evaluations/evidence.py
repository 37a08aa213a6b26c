"""Evidence cards: what the year's records say about each evaluee, read in one query per kind.

Each component has a ratio (0..1) or None when there is nothing to judge by ("无数据": a member
who never went away owes no 三个一; a member with no dues rate has no dues to be late with).
The card lists the records it read; the score only suggests a grade.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.db import utcnow
from webapp.activities.models import MODE_LABELS, Activity, Attendance, AttendanceMode
from webapp.certificates.models import Certificate, Verification
from webapp.contributions.models import Contribution, ReviewStatus
from webapp.departures.models import Departure
from webapp.dues.models import DuesPaidMonth, DuesPayment, DuesRate
from webapp.duties.models import THREE_ONES_SHORT, Contact, ThreeOnesItem, ThreeOnesStatus
from webapp.duties.periods import Half, quarter_of
from webapp.evaluations.models import EvaluationYear, Evaluee, EvidenceCard
from webapp.evaluations.rubric import COMPONENTS, score, suggest


@dataclass
class Window:
    """The part of the year the records are read for: January 1st to the year's end or as_of."""

    start: date
    end: date

    @classmethod
    def of(cls, year: int, as_of: date) -> "Window":
        return cls(date(year, 1, 1), min(date(year, 12, 31), as_of))

    def halves(self) -> list[Half]:
        return [
            h for h in (Half(self.start.year, 1), Half(self.start.year, 2)) if h.start <= self.end
        ]


@dataclass
class Facts:
    """Everything read for a set of members, keyed by member id."""

    away: dict[int, list[tuple[date, date]]] = field(default_factory=lambda: defaultdict(list))
    three_ones: dict[int, list[ThreeOnesItem]] = field(default_factory=lambda: defaultdict(list))
    attended: dict[int, list[tuple[Activity, Attendance]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    branch_activities: dict[int, int] = field(default_factory=dict)
    contacts: dict[int, list[date]] = field(default_factory=lambda: defaultdict(list))
    rates: dict[int, DuesRate] = field(default_factory=dict)
    paid: dict[int, list[tuple[date, date]]] = field(default_factory=lambda: defaultdict(list))
    cards: dict[int, list[Certificate]] = field(default_factory=lambda: defaultdict(list))
    checks: dict[int, list[date]] = field(default_factory=lambda: defaultdict(list))
    contributions: dict[int, list[Contribution]] = field(default_factory=lambda: defaultdict(list))


def read_facts(session: Session, member_ids: list[int], branch_ids: set[int], w: Window) -> Facts:
    """One query per kind of record for all the members at once."""
    f = Facts()
    ids = member_ids
    for d in session.scalars(
        select(Departure).where(
            Departure.member_id.in_(ids),
            Departure.departed_on <= w.end,
            (Departure.returned_on.is_(None)) | (Departure.returned_on >= w.start),
        )
    ):
        f.away[d.member_id].append(
            (max(d.departed_on, w.start), min(d.returned_on or w.end, w.end))
        )
    keys = [h.key for h in w.halves()]
    for item in session.scalars(
        select(ThreeOnesItem).where(ThreeOnesItem.member_id.in_(ids), ThreeOnesItem.half.in_(keys))
    ):
        f.three_ones[item.member_id].append(item)
    live = (Activity.cancelled_at.is_(None), Activity.held_on.between(w.start, w.end))
    for activity, seen in session.execute(
        select(Activity, Attendance)
        .join(Attendance, Attendance.activity_id == Activity.id)
        .where(Attendance.member_id.in_(ids), *live)
    ):
        f.attended[seen.member_id].append((activity, seen))
    for activity in session.scalars(
        select(Activity).where(Activity.branch_id.in_(branch_ids), *live)
    ):
        f.branch_activities[activity.branch_id] = f.branch_activities.get(activity.branch_id, 0) + 1
    for member_id, day in session.execute(
        select(Contact.member_id, Contact.contacted_on).where(
            Contact.member_id.in_(ids), Contact.contacted_on.between(w.start, w.end)
        )
    ):
        f.contacts[member_id].append(day)
    f.rates = {
        r.member_id: r for r in session.scalars(select(DuesRate).where(DuesRate.member_id.in_(ids)))
    }
    for member_id, month, paid_on in session.execute(
        select(DuesPaidMonth.member_id, DuesPaidMonth.month, DuesPayment.paid_on)
        .join(DuesPayment, DuesPayment.id == DuesPaidMonth.payment_id)
        .where(DuesPaidMonth.member_id.in_(ids), DuesPaidMonth.month.between(w.start, w.end))
    ):
        f.paid[member_id].append((month, paid_on))
    for card in session.scalars(
        select(Certificate).where(Certificate.member_id.in_(ids), Certificate.issued_on <= w.end)
    ):
        f.cards[card.member_id].append(card)
    for member_id, day in session.execute(
        select(Certificate.member_id, Verification.verified_on)
        .join(Certificate, Certificate.id == Verification.certificate_id)
        .where(Certificate.member_id.in_(ids), Verification.verified_on.between(w.start, w.end))
    ):
        f.checks[member_id].append(day)
    for c in session.scalars(
        select(Contribution).where(
            Contribution.member_id.in_(ids),
            Contribution.status == ReviewStatus.CONFIRMED,
            Contribution.happened_on.between(w.start, w.end),
        )
    ):
        f.contributions[c.member_id].append(c)
    return f


def _part(key: str, done: int, expected: int, records: list[str], note: str = "") -> dict[str, Any]:
    ratio = None if expected == 0 else min(1.0, round(done / expected, 4))
    return {
        "key": key,
        "label": COMPONENTS[key],
        "value": note or ("无数据" if ratio is None else f"{done}/{expected}"),
        "ratio": ratio,
        "records": records[:12],
    }


def _away_in(spans: list[tuple[date, date]], start: date, end: date) -> bool:
    return any(a <= end and b >= start for a, b in spans)


def components(e: Evaluee, branch_id: int, f: Facts, w: Window) -> list[dict[str, Any]]:
    """The six components of one evaluee's card, in rubric order."""
    m, spans = e.member_id, f.away.get(e.member_id, [])
    halves = [h for h in w.halves() if _away_in(spans, h.start, min(h.end, w.end))]
    items = [i for i in f.three_ones.get(m, []) if i.half in {h.key for h in halves}]
    done = [i for i in items if i.status == ThreeOnesStatus.DONE]
    parts = [
        _part(
            "three_ones",
            len(done),
            3 * len(halves),
            [f"{i.half} {THREE_ONES_SHORT[i.kind]} {i.happened_on or ''}".strip() for i in done],
        )
    ]
    seen = f.attended.get(m, [])
    present = [(a, s) for a, s in seen if s.mode != AttendanceMode.ABSENT]
    parts.append(
        _part(
            "attendance",
            len(present),
            max(f.branch_activities.get(branch_id, 0), len(present)),
            [f"{a.held_on} {a.title}（{MODE_LABELS[s.mode]}）" for a, s in present],
        )
    )
    quarters = []
    for month in (1, 4, 7, 10):
        q = quarter_of(date(w.start.year, month, 1))
        if q.start <= w.end and _away_in(spans, q.start, min(q.end, w.end)):
            quarters.append(q.key)
    reached = {quarter_of(d).key for d in f.contacts.get(m, [])} & set(quarters)
    parts.append(
        _part(
            "contacts", len(reached), len(quarters), [str(d) for d in sorted(f.contacts.get(m, []))]
        )
    )
    parts.append(_dues(f.rates.get(m), f.paid.get(m, []), w))
    cards = [c for c in f.cards.get(m, []) if (c.status_on or w.end) >= w.start]
    checks = sorted(f.checks.get(m, []))
    expected = (
        len([h for h in w.halves() if any(c.issued_on <= h.end for c in cards)]) if cards else 0
    )
    parts.append(_part("verification", len(checks), expected, [str(d) for d in checks]))
    given = f.contributions.get(m, [])
    parts.append(
        _part(
            "contributions",
            len(given),
            len(given),
            [f"{c.happened_on} {c.description[:30]}" for c in given],
            note="无数据" if not given else f"{len(given)}项",
        )
    )
    return parts


def _dues(rate: DuesRate | None, paid: list[tuple[date, date]], w: Window) -> dict[str, Any]:
    if rate is None or rate.start_month > w.end:
        return _part("dues", 0, 0, [])
    first = max(rate.start_month, w.start)
    months = [date(w.start.year, n, 1) for n in range(first.month, w.end.month + 1)]
    on_time = {m for m, paid_on in paid if m in months and paid_on <= _month_end(m)}
    return _part("dues", len(on_time), len(months), [f"{m:%Y-%m}" for m in sorted(on_time)])


def _month_end(month: date) -> date:
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def digest_of(parts: list[dict[str, Any]], weights: dict[str, int]) -> str:
    """A stable hash of the components and the weights that scored them."""
    text = json.dumps([parts, weights], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def compute_cards(
    session: Session, year: EvaluationYear, evaluees: list[tuple[Evaluee, int]], as_of: date
) -> int:
    """Write the cards of (evaluee, branch id) pairs; returns how many changed. No commit."""
    w = Window.of(year.year, as_of)
    facts = read_facts(session, [e.member_id for e, _b in evaluees], {b for _e, b in evaluees}, w)
    ids = [e.id for e, _b in evaluees]
    existing = {
        c.evaluee_id: c
        for c in session.scalars(select(EvidenceCard).where(EvidenceCard.evaluee_id.in_(ids)))
    }
    changed = 0
    for e, branch_id in evaluees:
        parts = components(e, branch_id, facts, w)
        digest = digest_of(parts, year.weights)
        card = existing.get(e.id)
        if card is not None and card.digest == digest:
            continue
        points = score({p["key"]: p["ratio"] for p in parts}, year.weights)
        if card is None:
            card = EvidenceCard(tenant_id=e.tenant_id, evaluee_id=e.id)
            session.add(card)
        card.components, card.digest, card.computed_at = parts, digest, utcnow()
        card.score = None if points is None else Decimal(str(points))
        card.suggested = suggest(points)
        changed += 1
    session.flush()
    return changed
