"""今日待办 on the township home: what the logged-in role has to do today, each item one click
from done (a link to the page or form where it is done, its count and the first few names).

Every builder reads the township in scope (the request's tenant scope) and keeps to the user's
branch where the role is branch-level; only names are shown, never ID or phone numbers.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from webapp.auth.models import User
from webapp.auth.permissions import can
from webapp.branches.models import Branch
from webapp.certificates.queries import DueFilters, due_certificates
from webapp.contributions.models import Contribution, ReviewStatus
from webapp.duties.assignments import unassigned_mobile
from webapp.duties.board import compute_board
from webapp.duties.models import ThreeOnesItem
from webapp.duties.periods import half_of, quarter_of
from webapp.duties.queries import Coverage, compute_coverage
from webapp.members.models import Member
from webapp.placements.models import InflowMember, PlacementStatus
from webapp.transfers.incoming import list_incoming
from webapp.transfers.models import IncomingStatus, Step
from webapp.transfers.queries import queue

NAMES = 5


@dataclass
class Name:
    """One of the first few records of an item, with the page where it is done."""

    label: str
    url: str


@dataclass
class Item:
    """One thing to do: how many, the first few, where to do them, and what to say when none."""

    key: str
    title: str
    count: int
    url: str
    action: str
    empty: str
    names: list[Name] = field(default_factory=list)
    note: str = ""
    urgent: bool = False


@dataclass
class Today:
    """The items of one role's home page, and the risk counts of a township officer."""

    heading: str
    items: list[Item] = field(default_factory=list)
    risk: Any = None


def count_of(session: Session, stmt: Select[Any]) -> int:
    """Rows stmt would return, counted in the database."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def certificates_due(
    session: Session, user: User, today: date, months: int, branch_id: int | None
) -> Item:
    """Valid certificates due for verification (overdue or within 30 days)."""
    f = DueFilters(as_of=today, months=months, state="due", limit_branch=branch_id)
    stmt = due_certificates(f)
    rows = session.execute(stmt.limit(NAMES)).all()
    endpoint = "certificates.verify" if can(user, "certificate.verify") else "certificates.show"
    return Item(
        key="certificates_due",
        title=_("流动党员证待验证"),
        count=count_of(session, stmt),
        url=url_for("certificates.due", state="due"),
        action=_("去验证"),
        empty=_("近30天没有到期需验证的流动党员证"),
        names=[Name(m.name, url_for(endpoint, certificate_id=c.id)) for c, m in rows],
    )


def coverage_item(coverage: Coverage, officer: User | None, branch_id: int | None) -> Item:
    """Due members of the quarter not contacted yet (officer's own, or everyone in scope)."""
    rows = [r for r in coverage.rows if officer is None or r.officer_id == officer.id]
    missing = [r for r in rows if not r.visited]
    args: dict[str, Any] = {"quarter": coverage.quarter.key, "status": "overdue"}
    if officer is not None:
        args["officer"] = officer.id
    url = (
        url_for("duties.branch", branch_id=branch_id, **args)
        if branch_id is not None
        else url_for("duties.index", quarter=coverage.quarter.key)
    )
    visited = len(rows) - len(missing)
    return Item(
        key="visits",
        title=_("本季度还未走访（一季度一访）"),
        count=len(missing),
        url=url,
        action=_("去登记联系"),
        empty=_("本季度走访已全部完成"),
        names=[
            Name(r.member.name, url_for("duties.log_contact", member_id=r.member.id))
            for r in missing[:NAMES]
        ],
        note=_(
            "%(label)s应走访%(due)d人，已走访%(visited)d人，还剩%(days)d天",
            label=coverage.quarter.label,
            due=len(rows),
            visited=visited,
            days=coverage.days_left,
        ),
        urgent=bool(missing) and coverage.days_left <= 15,
    )


def _three_ones_item(session: Session, today: date, branch_id: int) -> Item:
    half = half_of(today)
    incomplete = compute_board(session, half, branch_id).select("incomplete")
    return Item(
        key="three_ones",
        title=_("三个一未完成（%(half)s）", half=half.label),
        count=len(incomplete),
        url=url_for("three_ones.branch", branch_id=branch_id, half=half.key, state="incomplete"),
        action=_("去登记三个一"),
        empty=_("本半年度三个一已全部完成或说明"),
        names=[
            Name(r.member.name, url_for("three_ones.member", member_id=r.member.id, half=half.key))
            for r in incomplete[:NAMES]
        ],
    )


def _submitted_item(session: Session, branch_id: int | None) -> Item:
    """三个一 a member submitted on their own record, waiting for the branch to confirm."""
    stmt = (
        select(ThreeOnesItem, Member)
        .join(Member, Member.id == ThreeOnesItem.member_id)
        .where(ThreeOnesItem.by_member.is_(True))
    )
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    rows = session.execute(stmt.order_by(ThreeOnesItem.id).limit(NAMES)).all()
    return Item(
        key="three_ones_submitted",
        title=_("党员本人提交的三个一待确认"),
        count=count_of(session, stmt),
        url=url_for("three_ones.branch", branch_id=branch_id)
        if branch_id is not None
        else url_for("three_ones.index"),
        action=_("去确认"),
        empty=_("没有待确认的本人提交"),
        names=[
            Name(m.name, url_for("three_ones.member", member_id=m.id, half=i.half)) for i, m in rows
        ],
    )


def _contributions_item(session: Session, branch_id: int | None) -> Item:
    stmt = (
        select(Contribution, Member)
        .join(Member, Member.id == Contribution.member_id)
        .where(Contribution.status == ReviewStatus.PENDING)
    )
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    rows = session.execute(stmt.order_by(Contribution.id).limit(NAMES)).all()
    link = url_for("contributions.index", status=ReviewStatus.PENDING.value)
    return Item(
        key="contributions",
        title=_("三个一、四带头待确认"),
        count=count_of(session, stmt),
        url=link,
        action=_("去确认"),
        empty=_("没有待确认的三个一、四带头记录"),
        names=[Name(m.name, link) for _c, m in rows],
    )


def inflow_item(session: Session, branch_id: int | None) -> Item:
    """Members other townships placed here, waiting for the branch to confirm they reported in."""
    stmt = select(InflowMember).where(InflowMember.status == PlacementStatus.PENDING)
    if branch_id is not None:
        stmt = stmt.where(InflowMember.branch_id == branch_id)
    rows = session.scalars(stmt.order_by(InflowMember.placed_on, InflowMember.id).limit(NAMES))
    return Item(
        key="inflow",
        title=_("流入党员待确认报到"),
        count=count_of(session, stmt),
        url=url_for("inflow.index", status=PlacementStatus.PENDING.value),
        action=_("去确认报到"),
        empty=_("没有待确认报到的流入党员"),
        names=[Name(r.member_name, url_for("inflow.confirm", inflow_id=r.id)) for r in rows],
    )


def transfer_queue_item(session: Session, step: Step, branch_id: int | None) -> Item:
    """Transfers waiting at step for this approver."""
    stmt = queue(step, branch_id)
    rows = session.execute(stmt.limit(NAMES)).all()
    return Item(
        key=f"transfers_{step.value}",
        title=_("组织关系转接待审批"),
        count=count_of(session, stmt),
        url=url_for("transfers.pending", step=step.value),
        action=_("去审批"),
        empty=_("没有等待审批的组织关系转接"),
        names=[Name(m.name, url_for("transfers.show", transfer_id=t.id)) for t, m in rows],
    )


def incoming_item(session: Session, branch_id: int | None) -> Item:
    """Transfers from other townships waiting to be received or refused."""
    stmt = list_incoming(IncomingStatus.WAITING.value, "", branch_id)
    rows = session.scalars(stmt.limit(NAMES))
    return Item(
        key="incoming",
        title=_("转入本镇待接收"),
        count=count_of(session, stmt),
        url=url_for("incoming.index", status=IncomingStatus.WAITING.value),
        action=_("去接收"),
        empty=_("没有等待接收的转入党员"),
        names=[Name(r.member_name, url_for("incoming.receive", incoming_id=r.id)) for r in rows],
    )


def _unassigned_item(session: Session, branch: Branch, today: date) -> Item:
    members = unassigned_mobile(session, branch, today)
    return Item(
        key="unassigned",
        title=_("外出党员还没有联系人"),
        count=len(members),
        url=url_for("duties.assignments", branch_id=branch.id),
        action=_("去分配联系人"),
        empty=_("外出党员都已分配联系人"),
        names=[Name(m.name, url_for("duties.member", member_id=m.id)) for m in members[:NAMES]],
        urgent=bool(members),
    )


def for_committee(session: Session, user: User, today: date, months: int) -> Today:
    """委员: the members they are responsible for, not reached this quarter; cards to verify."""
    branch_id = user.branch_id
    out = Today(heading=_("今日待办：我负责联系的党员"))
    if branch_id is None:
        return out
    coverage = compute_coverage(session, quarter_of(today), today, branch_id)
    out.items.append(coverage_item(coverage, user, branch_id))
    if can(user, "certificate.verify", branch_id):
        out.items.append(certificates_due(session, user, today, months, branch_id))
    return out


def for_secretary(session: Session, user: User, today: date, months: int) -> Today:
    """支部书记: the branch's 三个一, visits, duty gaps, cards to verify, and what awaits review."""
    out = Today(heading=_("今日待办：本支部"))
    branch = session.get(Branch, user.branch_id) if user.branch_id else None
    if branch is None:
        return out
    coverage = compute_coverage(session, quarter_of(today), today, branch.id)
    out.items += [
        _three_ones_item(session, today, branch.id),
        _submitted_item(session, branch.id),
        coverage_item(coverage, None, branch.id),
        _unassigned_item(session, branch, today),
        certificates_due(session, user, today, months, branch.id),
        _contributions_item(session, branch.id),
    ]
    if can(user, "inflow.manage", branch.id):
        out.items.append(inflow_item(session, branch.id))
    if can(user, "transfer.approve_branch", branch.id):
        out.items.append(transfer_queue_item(session, Step.BRANCH, branch.id))
    if can(user, "transfer.receive", branch.id):
        out.items.append(incoming_item(session, branch.id))
    return out
