"""The sanctioned crossing between townships for placements.

A member placed at a branch of another township stays on the home register; the inflow township
gets its own row (InflowMember) with what it needs to take the member in, and nothing else. Each
side writes the other's row only here, and only inside a scope of that one township, entered for
the one flush: the session guard and row-level security still refuse anything else.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.context import tenant_context
from tenants.models import Township
from webapp.audit.services import record
from webapp.branches.models import Branch
from webapp.certificates.models import Certificate, verify_months
from webapp.directory.models import Organisation
from webapp.members.models import Member
from webapp.placements.models import EndReason, InflowMember, Placement, PlacementStatus
from webapp.placements.records import add_record, records_of


def crosses(organisation: Organisation, home_township_id: int) -> bool:
    """Whether a placement at organisation is taken in by another township on the platform."""
    return organisation.branch_id is not None and organisation.owner_township_id != home_township_id


def share(session: Session, placed: list[tuple[Placement, Member]]) -> None:
    """Tell the inflow townships of new placements, in the placing transaction: one flush for
    the home township's rows, then one per inflow township, inside that township's scope."""
    crossing = [(p, m) for p, m in placed if crosses(p.organisation, m.tenant_id)]
    if not crossing:
        return
    session.flush()  # the home township's rows first, in its own scope
    home = session.get(Township, crossing[0][1].tenant_id)
    branches = {b.id: b.name for b in session.scalars(select(Branch))}
    by_township: dict[int, list[tuple[Placement, Member]]] = {}
    for placement, member in crossing:
        by_township.setdefault(placement.organisation.owner_township_id, []).append(
            (placement, member)
        )
    for township_id, rows in by_township.items():
        with tenant_context(township_id):
            session.add_all(
                InflowMember(
                    tenant_id=township_id,
                    placement_id=placement.id,
                    organisation_id=placement.organisation_id,
                    branch_id=placement.organisation.branch_id,
                    home_township_id=home.id,
                    home_township_name=home.name,
                    home_branch_name=branches.get(member.branch_id, ""),
                    member_name=member.name,
                    placed_on=placement.placed_on,
                )
                for placement, member in rows
            )
            session.flush()


def mirror(session: Session, placement: Placement) -> None:
    """Keep the inflow township's row in step with the placement (status and dates)."""
    organisation = placement.organisation
    if not crosses(organisation, placement.tenant_id):
        return
    session.flush()
    with tenant_context(organisation.owner_township_id):
        row = session.scalar(select(InflowMember).where(InflowMember.placement_id == placement.id))
        if row is not None:
            row.status = placement.status
            row.reported_on = placement.reported_on
            row.closed_on = placement.closed_on
            session.flush()


def _answer(
    session: Session,
    actor: Any,
    township: Township,
    row: InflowMember,
    actions: tuple[str, str],
    after: dict[str, Any],
    change: Callable[[Placement], dict[str, Any]],
) -> None:
    """The inflow branch's answer, audited on both sides: its own row (already changed) first,
    then, inside the home township's scope, the placement (change returns its audit details)."""
    record(
        session,
        actor,
        actions[0],
        "inflow_member",
        row.id,
        tenant_id=township.id,
        after={**after, "home_township": row.home_township_name},
    )
    session.flush()
    with tenant_context(row.home_township_id):
        placement = session.get(Placement, row.placement_id)
        details = change(placement)
        record(
            session,
            actor,
            actions[1],
            "member",
            placement.member_id,
            tenant_id=row.home_township_id,
            after={**after, "placement_id": placement.id, **details},
        )
        session.flush()
    session.commit()


def confirm_report_in(
    session: Session, actor: Any, township: Township, row: InflowMember, reported_on: date
) -> None:
    """The inflow branch confirms the member reported in: both sides change in one transaction."""
    row.status = PlacementStatus.ACTIVE
    row.reported_on = reported_on

    def change(placement: Placement) -> dict[str, Any]:
        placement.status = PlacementStatus.ACTIVE
        placement.reported_on = reported_on
        placement.reported_by = f"{township.name} {getattr(actor, 'display_name', '')}"[:64]
        return {"confirmed_by": township.name}

    after = {"member": row.member_name, "reported_on": reported_on.isoformat()}
    _answer(
        session, actor, township, row, ("inflow.confirmed", "placement.reported"), after, change
    )


def certificate_problem(session: Session, row: InflowMember, today: date) -> str:
    """Why the member's certificate fails verification ("" when it passes), read at home."""
    with tenant_context(row.home_township_id):
        placement = session.get(Placement, row.placement_id)
        certificate = session.scalar(
            select(Certificate)
            .where(Certificate.member_id == placement.member_id)
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        )
        if certificate is None:
            return _("没有流动党员证")
        if not certificate.is_valid:
            return _("流动党员证%(status_label)s", status_label=certificate.status_label)
        months = verify_months(session.get(Township, row.home_township_id))
        if certificate.due_on(months) < today:
            return _("流动党员证逾期未验证（应于%(value)s验证）", value=certificate.due_on(months))
    return ""


def refuse(
    session: Session, actor: Any, township: Township, row: InflowMember, reason: str, today: date
) -> None:
    """The inflow branch refuses the member (their certificate failed verification): the placement
    ends at home with the reason, which the home township and its coordinator read."""
    row.status = PlacementStatus.ENDED
    row.closed_on = today

    def change(placement: Placement) -> dict[str, Any]:
        placement.status = PlacementStatus.ENDED
        placement.closed_on = max(today, placement.placed_on)
        placement.end_reason = EndReason.REFUSED
        placement.note = f"{placement.note}\n{township.name}拒收：{reason}".strip()
        return {"refused_by": township.name}

    after = {"member": row.member_name, "reason": reason}
    _answer(session, actor, township, row, ("inflow.refused", "placement.refused"), after, change)


def record_at_home(
    session: Session,
    actor: Any,
    township: Township,
    row: InflowMember,
    data: dict[str, Any],
    today: date,
) -> None:
    """The inflow branch records what it saw of the member (attendance, 三个一, verification,
    dues, assessment): the record is the home township's row, written inside its scope only."""
    by = f"{township.name} {getattr(actor, 'display_name', '')}".strip()
    session.flush()
    with tenant_context(row.home_township_id):
        placement = session.get(Placement, row.placement_id)
        entry = add_record(session, actor, placement, data, by, today)
        kind = entry.kind_label
        session.flush()
    record(
        session,
        actor,
        "inflow.recorded",
        "inflow_member",
        row.id,
        tenant_id=township.id,
        after={"member": row.member_name, "kind": kind, "happened_on": str(data["happened_on"])},
    )
    session.commit()


def records_at_home(session: Session, row: InflowMember) -> list[Any]:
    """The records of this one placement, read inside the home township's scope (the inflow
    branch sees what was recorded for the member it manages, and nothing else of them)."""
    with tenant_context(row.home_township_id):
        return list(session.scalars(records_of(row.placement_id)))


def member_card(
    session: Session, actor: Any, township: Township, row: InflowMember
) -> dict[str, str]:
    """What the inflow branch may know of the member besides the placement: phone and the
    certificate's state, read at home. The phone is personal data: each view is audited in the
    home township's log."""
    with tenant_context(row.home_township_id):
        placement = session.get(Placement, row.placement_id)
        member = session.get(Member, placement.member_id)
        certificate = session.scalar(
            select(Certificate)
            .where(Certificate.member_id == member.id)
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        )
        card = {
            "phone": member.phone or "",
            "certificate": f"{certificate.number}（{certificate.status_label}）"
            if certificate
            else _("没有流动党员证"),
        }
        record(
            session,
            actor,
            "member.viewed_by_inflow",
            "member",
            member.id,
            tenant_id=row.home_township_id,
            after={"by": township.name, "shown": ["phone", "certificate"]},
        )
        session.commit()
    return card
