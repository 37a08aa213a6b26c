"""三个一 status boards: per due member and per item, done / explained / missing, for a half-year."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.branches.models import Branch
from webapp.duties.models import ThreeOnesItem, ThreeOnesKind, ThreeOnesStatus
from webapp.duties.periods import Half, due_condition
from webapp.members.models import Member

MISSING = "missing"
STATES = (ThreeOnesStatus.DONE.value, ThreeOnesStatus.EXPLAINED.value, MISSING)


@dataclass
class BoardRow:
    """One member due in the half-year and their three items (None: missing)."""

    member: Member
    items: dict[ThreeOnesKind, ThreeOnesItem | None]

    def state(self, kind: ThreeOnesKind) -> str:
        """done, explained or missing."""
        item = self.items.get(kind)
        return item.status.value if item is not None else MISSING

    @property
    def complete(self) -> bool:
        """Every item done or explained."""
        return all(self.state(k) != MISSING for k in ThreeOnesKind)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready row."""
        return {
            "member_id": self.member.id,
            "name": self.member.name,
            "branch_id": self.member.branch_id,
            "items": {k.value: self.state(k) for k in ThreeOnesKind},
            "complete": self.complete,
        }


@dataclass
class BoardTally:
    """Counts for one branch or everything shown: members due, each item's states."""

    key: int | None
    name: str
    due: int = 0
    complete: int = 0
    states: dict[ThreeOnesKind, Counter[str]] = field(
        default_factory=lambda: {k: Counter() for k in ThreeOnesKind}
    )

    def add(self, row: BoardRow) -> None:
        """Count one member."""
        self.due += 1
        self.complete += row.complete
        for kind in ThreeOnesKind:
            self.states[kind][row.state(kind)] += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "id": self.key,
            "name": self.name,
            "due": self.due,
            "complete": self.complete,
            "items": {k.value: {s: self.states[k][s] for s in STATES} for k in ThreeOnesKind},
        }


@dataclass
class Board:
    """A half-year's 三个一 for the members in scope."""

    half: Half
    rows: list[BoardRow] = field(default_factory=list)

    @property
    def total(self) -> BoardTally:
        tally = BoardTally(None, "合计")
        for row in self.rows:
            tally.add(row)
        return tally

    def by_branch(self, branches: list[Branch]) -> list[BoardTally]:
        """One tally per branch, in the order given."""
        groups = {b.id: BoardTally(b.id, b.name) for b in branches}
        for row in self.rows:
            if row.member.branch_id in groups:
                groups[row.member.branch_id].add(row)
        return list(groups.values())

    def select(self, state: str = "", q: str = "") -> list[BoardRow]:
        """Rows for a drill-down: "incomplete", "complete", or a member's name."""
        rows = self.rows
        if state == "incomplete":
            rows = [r for r in rows if not r.complete]
        elif state == "complete":
            rows = [r for r in rows if r.complete]
        if q.strip():
            rows = [r for r in rows if q.strip() in r.member.name]
        return rows


def compute_board(session: Session, half: Half, branch_id: int | None = None) -> Board:
    """Members due in half (mobile on some day of it) with their items."""
    due = select(Member.id).where(due_condition(half))
    if branch_id is not None:
        due = due.where(Member.branch_id == branch_id)
    members = session.scalars(
        select(Member).where(Member.id.in_(due)).order_by(Member.name, Member.id)
    ).all()
    items: dict[int, dict[ThreeOnesKind, ThreeOnesItem | None]] = {
        m.id: dict.fromkeys(ThreeOnesKind) for m in members
    }
    for item in session.scalars(
        select(ThreeOnesItem).where(
            ThreeOnesItem.member_id.in_(due), ThreeOnesItem.half == half.key
        )
    ):
        items[item.member_id][item.kind] = item
    return Board(half=half, rows=[BoardRow(m, items[m.id]) for m in members])


def items_of(session: Session, member_id: int, half: Half) -> dict[ThreeOnesKind, Any]:
    """One member's three items for half (None where missing)."""
    found: dict[ThreeOnesKind, Any] = dict.fromkeys(ThreeOnesKind)
    for item in session.scalars(
        select(ThreeOnesItem).where(
            ThreeOnesItem.member_id == member_id, ThreeOnesItem.half == half.key
        )
    ):
        found[item.kind] = item
    return found


def is_due(session: Session, member_id: int, half: Half) -> bool:
    """Was the member mobile on some day of half?"""
    stmt = select(Member.id).where(Member.id == member_id, due_condition(half))
    return session.scalar(stmt) is not None
