"""Placement writes: place, record the report-in, end. Each checks everything first, changes
nothing when a check fails, writes an audit entry and owns its transaction."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.audit.services import record
from webapp.departures.models import Departure
from webapp.directory.models import Organisation, OrganisationKind
from webapp.members.models import Member
from webapp.placements import crossing
from webapp.placements.models import EndReason, Placement, PlacementStatus
from webapp.transfers.models import OPEN, Transfer

BUSY = lazy_gettext("该党员已有未结束的流入地安排，请先结束原安排")


class PlacementInvalid(ValueError):
    """A placement change that cannot be made: every problem, by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def open_placement(session: Session, member_id: int) -> Placement | None:
    """The member's placement that has not ended, if any."""
    return session.scalar(
        select(Placement).where(Placement.member_id == member_id, Placement.closed_on.is_(None))
    )


def open_member_ids(session: Session, member_ids: list[int]) -> set[int]:
    """Which of these members have a placement that has not ended."""
    if not member_ids:
        return set()
    return set(
        session.scalars(
            select(Placement.member_id).where(
                Placement.member_id.in_(member_ids), Placement.closed_on.is_(None)
            )
        )
    )


def history(session: Session, member_id: int) -> list[Placement]:
    """Every placement of the member, newest first."""
    return list(
        session.scalars(
            select(Placement)
            .where(Placement.member_id == member_id)
            .order_by(Placement.placed_on.desc(), Placement.id.desc())
        )
    )


def list_placements(status: str = "", q: str = "", branch_id: int | None = None) -> Select[Any]:
    """The township's placements with their members, newest first, by status and member name."""
    stmt = select(Placement, Member).join(Member, Member.id == Placement.member_id)
    if status in {s.value for s in PlacementStatus}:
        stmt = stmt.where(Placement.status == PlacementStatus(status))
    if q := q.strip():
        stmt = stmt.where(Member.name.contains(q))
    if branch_id is not None:
        stmt = stmt.where(Member.branch_id == branch_id)
    return stmt.order_by(Placement.placed_on.desc(), Placement.id.desc())


def accepting_organisations(session: Session, q: str = "") -> list[Organisation]:
    """Directory entries accepting now, for the placement form (by name or address)."""
    stmt = select(Organisation).where(Organisation.accepting.is_(True))
    if q := q.strip():
        stmt = stmt.where(Organisation.name.contains(q) | Organisation.address.contains(q))
    return list(session.scalars(stmt.order_by(Organisation.name).limit(200)))


def _day(errors: dict[str, str], field: str, value: Any, label: str, today: date) -> None:
    if not isinstance(value, date):
        errors[field] = _("请填写%(label)s", label=label)
    elif value > today:
        errors[field] = _("%(label)s不能晚于今天", label=label)


@dataclass
class Busy:
    """What the placement checks read of the members, fetched once for one member or a batch."""

    trips: dict[int, date]  # member id -> the day their open trip began
    placed: set[int]  # members with a placement that has not ended
    transferring: set[int]  # members in an open transfer


def _busy(session: Session, member_ids: list[int]) -> Busy:
    busy = Busy({}, set(), set())
    for start in range(0, len(member_ids), 500):
        chunk = member_ids[start : start + 500]
        busy.trips.update(
            session.execute(
                select(Departure.member_id, Departure.departed_on).where(
                    Departure.member_id.in_(chunk), Departure.returned_on.is_(None)
                )
            ).all()
        )
        busy.placed |= open_member_ids(session, chunk)
        busy.transferring |= set(
            session.scalars(
                select(Transfer.member_id).where(
                    Transfer.member_id.in_(chunk), Transfer.status.in_(OPEN)
                )
            )
        )
    return busy


def _problems(
    member: Member, organisation: Organisation | None, data: dict[str, Any], busy: Busy, today: date
) -> dict[str, str]:
    """Everything that keeps member from being placed at organisation (empty: place them)."""
    errors: dict[str, str] = {}
    placed_on = data.get("placed_on")
    _day(errors, "placed_on", placed_on, _("安排日期"), today)
    departed_on = busy.trips.get(member.id)
    if departed_on is None:
        errors["member"] = _("该党员没有外出登记，请先登记外出再安排流入地组织")
    elif isinstance(placed_on, date) and placed_on < departed_on:
        errors["placed_on"] = _("安排日期不能早于外出日期")
    if organisation is None:
        errors["organisation_id"] = _("请从组织目录中选择流入地组织")
    elif not organisation.accepting:
        errors["organisation_id"] = _("该组织目前不接收流动党员")
    elif organisation.branch_id is not None and organisation.branch_id == member.branch_id:
        errors["organisation_id"] = _("不能安排到党员本人所在的支部")
    if member.id in busy.placed:
        errors["member"] = BUSY
    elif member.id in busy.transferring:
        errors["member"] = _("该党员有未办结的组织关系转接，不能再安排流入地组织")
    return errors


def _new(
    session: Session, member: Member, organisation: Organisation, data: dict[str, Any]
) -> Placement:
    placement = Placement(
        tenant_id=member.tenant_id,
        member_id=member.id,
        organisation=organisation,
        placed_on=data["placed_on"],
        note=(data.get("note") or "").strip(),
    )
    session.add(placement)
    return placement


def _announce(
    session: Session, actor: Any, members: list[Member], placements: list[Placement]
) -> None:
    """After the flush: the audit entries, and the inflow township told of each crossing."""
    for member, placement in zip(members, placements, strict=True):
        _audit(session, actor, member, "placement.created", placement)
    crossing.share(session, list(zip(placements, members, strict=True)))


def do_place(
    session: Session, actor: Any, member: Member, data: dict[str, Any], today: date | None = None
) -> Placement:
    """安排到流入地组织: the member must be away and free; the organisation must accept."""
    organisation = session.get(Organisation, data.get("organisation_id") or 0)
    errors = _problems(
        member, organisation, data, _busy(session, [member.id]), today or date.today()
    )
    if errors:
        raise PlacementInvalid(errors)
    placement = _new(session, member, organisation, data)
    try:
        session.flush()
    except IntegrityError:  # placed by someone else at the same moment (uq_placements_open)
        session.rollback()
        raise PlacementInvalid({"member": BUSY}) from None
    _announce(session, actor, [member], [placement])
    session.commit()
    return placement


def do_report_in(
    session: Session,
    actor: Any,
    placement: Placement,
    data: dict[str, Any],
    today: date | None = None,
) -> Placement:
    """已流入: the member reported in, as an off-platform organisation told the branch, or at one
    of the township's own branches (a temporary mobile branch, say).

    A branch of another township on the platform confirms the report-in itself, not this page.
    """
    today = today or date.today()
    errors: dict[str, str] = {}
    reported_on = data.get("reported_on")
    _day(errors, "reported_on", reported_on, _("报到日期"), today)
    if placement.status != PlacementStatus.PENDING:
        errors["reported_on"] = _("只有待报到的安排可以登记报到")
    elif (
        placement.organisation.kind != OrganisationKind.OFF_PLATFORM
        and placement.organisation.owner_township_id != placement.tenant_id
    ):
        errors["reported_on"] = _("其他乡镇的流入地支部在本平台确认报到，无需由流出地登记")
    elif isinstance(reported_on, date) and reported_on < placement.placed_on:
        errors["reported_on"] = _("报到日期不能早于安排日期")
    if errors:
        raise PlacementInvalid(errors)
    placement.status = PlacementStatus.ACTIVE
    placement.reported_on = reported_on
    placement.reported_by = (data.get("reported_by") or "").strip()[:64]
    member = session.get(Member, placement.member_id)
    _audit(session, actor, member, "placement.reported", placement)
    session.commit()
    return placement


def do_end(
    session: Session,
    actor: Any,
    placement: Placement,
    data: dict[str, Any],
    today: date | None = None,
    commit: bool = True,
) -> Placement:
    """已结束: with the date and the reason; nothing stays open for ever."""
    today = today or date.today()
    errors: dict[str, str] = {}
    closed_on = data.get("closed_on")
    _day(errors, "closed_on", closed_on, _("结束日期"), today)
    reason = data.get("end_reason")
    if reason not in {r.value for r in EndReason} - {EndReason.REFUSED.value}:  # inflow side only
        errors["end_reason"] = _("请选择结束原因")
    if placement.closed_on is not None:
        errors["closed_on"] = _("该安排已经结束")
    elif isinstance(closed_on, date) and closed_on < placement.placed_on:
        errors["closed_on"] = _("结束日期不能早于安排日期")
    if errors:
        raise PlacementInvalid(errors)
    placement.status = PlacementStatus.ENDED
    placement.closed_on = closed_on
    placement.end_reason = EndReason(reason)
    if note := (data.get("note") or "").strip():
        placement.note = f"{placement.note}\n{note}".strip()
    member = session.get(Member, placement.member_id)
    _audit(session, actor, member, "placement.ended", placement)
    crossing.mirror(session, placement)
    if commit:
        session.commit()
    return placement


def _audit(session: Session, actor: Any, member: Member, action: str, p: Placement) -> None:
    record(
        session,
        actor,
        action,
        "member",
        member.id,
        tenant_id=member.tenant_id,
        after={
            "placement_id": p.id,
            "organisation": p.organisation.name if p.organisation else p.organisation_id,
            "status": p.status.value,
            "placed_on": p.placed_on.isoformat(),
            "reported_on": p.reported_on.isoformat() if p.reported_on else None,
            "closed_on": p.closed_on.isoformat() if p.closed_on else None,
            "end_reason": p.end_reason.value if p.end_reason else None,
        },
    )


def end_on_return(session: Session, actor: Any, member: Member, returned_on: date) -> None:
    """The member came home: their open placement ends that day (in the caller's transaction)."""
    placement = open_placement(session, member.id)
    if placement is None:
        return
    day = max(returned_on, placement.placed_on)
    data = {
        "closed_on": day,
        "end_reason": EndReason.RETURNED.value,
        "note": _("返回登记时自动结束"),
    }
    do_end(session, actor, placement, data, today=max(day, date.today()), commit=False)


def do_bulk_place(
    session: Session,
    actor: Any,
    members: list[Member],
    data: dict[str, Any],
    today: date | None = None,
) -> list[tuple[Member, str]]:
    """批量安排: each member placed or skipped with the reason ("" means placed), checked and
    written in one transaction. When someone placed one of them meanwhile, the database's key
    refuses the batch and it is done again member by member, each on its own."""
    today = today or date.today()
    organisation = session.get(Organisation, data.get("organisation_id") or 0)
    busy = _busy(session, [m.id for m in members])
    results, placed, placements = [], [], []
    for member in members:
        errors = _problems(member, organisation, data, busy, today)
        results.append((member, "；".join(map(str, errors.values()))))
        if not errors:
            placed.append(member)
            placements.append(_new(session, member, organisation, data))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return _one_by_one(session, actor, members, data, today)
    _announce(session, actor, placed, placements)
    session.commit()
    return results


def _one_by_one(
    session: Session, actor: Any, members: list[Member], data: dict[str, Any], today: date
) -> list[tuple[Member, str]]:
    results: list[tuple[Member, str]] = []
    for member in members:
        try:
            do_place(session, actor, member, data, today)
        except PlacementInvalid as exc:
            session.rollback()
            results.append((member, "；".join(map(str, exc.errors.values()))))
        else:
            results.append((member, ""))
    return results


OVERDUE_DAYS = 30  # a placement waiting longer than this for the report-in is chased


def county_flows(session: Session, township_ids: list[int], today: date) -> dict[str, Any]:
    """The coordinator's view of placements over their townships (read in a reading scope):
    per township the open and ended placements, and per inflow organisation its members.
    Two grouped queries; no placement row leaves the database."""

    late = case(
        (
            (Placement.status == PlacementStatus.PENDING)
            & (Placement.placed_on < today - timedelta(days=OVERDUE_DAYS)),
            1,
        ),
        else_=0,
    )
    towns: dict[int, dict[str, int]] = {
        t: {"pending": 0, "overdue": 0, "active": 0, "ended": 0, "refused": 0} for t in township_ids
    }
    by_town = (
        select(Placement.tenant_id, Placement.status, Placement.end_reason, late, func.count())
        .where(Placement.tenant_id.in_(township_ids))
        .group_by(Placement.tenant_id, Placement.status, Placement.end_reason, late)
    )
    for tenant_id, status, reason, overdue, count in session.execute(by_town):
        row = towns[tenant_id]
        if status == PlacementStatus.ENDED:
            row["refused" if reason == EndReason.REFUSED else "ended"] += count
            continue
        row[status.value] += count
        row["overdue"] += count if overdue else 0
    by_org = (
        select(
            Organisation.id,
            Organisation.name,
            Organisation.owner_township_id,
            Placement.status,
            func.count(),
        )
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .where(Placement.tenant_id.in_(township_ids), Placement.closed_on.is_(None))
        .group_by(
            Organisation.id, Organisation.name, Organisation.owner_township_id, Placement.status
        )
    )
    organisations: dict[int, dict[str, Any]] = {}
    for org_id, org_name, owner, status, count in session.execute(by_org):
        org = organisations.setdefault(
            org_id, {"name": org_name, "owner": owner, "pending": 0, "active": 0}
        )
        org[status.value] += count
    ranked = sorted(organisations.values(), key=lambda o: -(o["pending"] + o["active"]))
    return {"townships": towns, "organisations": ranked}
