"""Demo placements: as in the article, members working away are placed in two temporary mobile
branches of the township (76 of them in the reference township), most already reported in."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.branches.models import Branch, BranchKind
from webapp.departures.models import Departure
from webapp.directory.models import Organisation, OrganisationKind
from webapp.members.models import Member
from webapp.placements.models import Placement, PlacementStatus

# where the demo's temporary branches are: the city in their name -> a county-level code there
PLACES = {"上海": "310112", "杭州": "330102", "义乌": "330782", "广州": "440106"}


def load_demo_placements(
    session: Session, township: Township, branches: list[Branch], count: int, today: date
) -> list[int]:
    """List the township's temporary branches in the directory and place count members away;
    the ids of the members placed and reported in."""
    mobile = [b for b in branches if b.kind == BranchKind.MOBILE][:2]
    if not mobile:
        return []
    entries = []
    for branch in mobile:
        city = next((c for c in PLACES if c in branch.name), "上海")
        entry = Organisation(
            owner_township_id=township.id,
            branch_id=branch.id,
            kind=OrganisationKind.MOBILE_BRANCH,
            name=branch.name,
            division_code=PLACES[city],
            address=f"{city}市（{township.name}在外务工党员集中地）",
            contact_name=branch.secretary_name or f"{township.name} 临时党支部书记",
            phone="",
            national_ref="",
            accepting=True,
        )
        session.add(entry)
        entries.append(entry)
    session.flush()
    away = session.execute(
        select(Departure.member_id, Departure.departed_on)
        .join(Member, Member.id == Departure.member_id)
        .where(
            Departure.tenant_id == township.id,
            Departure.returned_on.is_(None),
            Member.branch_id.not_in([b.id for b in mobile]),  # not at their own branch
        )
        .order_by(Departure.departed_on, Departure.member_id)
        .limit(count)
    ).all()
    reported_in = []
    for i, (member_id, departed_on) in enumerate(away):
        placed_on = min(departed_on + timedelta(days=14), today)
        reported = i % 10 != 9  # one in ten still to report in
        if reported:
            reported_in.append(member_id)
        session.add(
            Placement(
                tenant_id=township.id,
                member_id=member_id,
                organisation_id=entries[i % len(entries)].id,
                status=PlacementStatus.ACTIVE if reported else PlacementStatus.PENDING,
                placed_on=placed_on,
                reported_on=min(placed_on + timedelta(days=7), today) if reported else None,
                note="",
            )
        )
    session.flush()
    return reported_in
