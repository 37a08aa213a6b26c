"""Smoke test of the scale generator: a small run, its row counts, and plausible census shares."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from tenants.context import system_context_unsafe, tenant_context
from tenants.models import County, Township
from webapp.crypto import keyring
from webapp.departures.census import compute_census
from webapp.departures.models import Departure, Whereabouts
from webapp.departures.services import destination_fields
from webapp.extensions import db
from webapp.idnumber import birth_date_of, id_number_problem
from webapp.members.models import Member
from webapp.scale import apportion, generate, township_sizes


def test_sizes_add_up() -> None:
    import random

    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    sizes = township_sizes(600_000, 5000, random.Random(1))
    assert len(sizes) == 120 and sizes[0] == 5000 and sum(sizes) == 600_000


def test_generate_small_scale(app) -> None:
    lines: list[str] = []
    with app.app_context():
        result = generate(
            db.session,
            2000,
            township_size=500,
            per_county=2,
            prefix=f"smoke{uuid.uuid4().hex[:6]}",
            echo=lines.append,
        )
        assert result.members == 2000 and len(result.county_ids) == 2
        assert [len(ids) for ids in result.township_ids] == [2, 2] and lines
        ids = [t for county in result.township_ids for t in county]
        with system_context_unsafe():
            _check_rows(result.county_ids, ids)
        with tenant_context(result.bench_township_id):
            _check_member_and_stints(result.bench_township_id)
            census = compute_census(db.session, date.today())
    assert census.members == 500 and 95 <= census.mobile <= 110  # the article: 20.38%
    shares = {k: Decimal(census.share(v)) for k, v in census.categories.items()}
    assert 15 <= shares["cross_province"] <= 26 and 58 <= shares["in_county"] <= 72
    assert 2 <= shares["in_province"] <= 8 and 4 <= shares["in_prefecture"] <= 10
    assert 0 < census.unknown <= 5 and 12 <= Decimal(census.share(census.long_term)) <= 27
    assert len(census.breakdown) == 60 and census.destinations


def _check_rows(county_ids: list[int], township_ids: list[int]) -> None:
    towns = db.session.scalars(select(Township).where(Township.id.in_(township_ids))).all()
    codes = {
        c.id: c.code for c in db.session.scalars(select(County).where(County.id.in_(county_ids)))
    }
    assert all(t.division_code == codes[t.county_id] for t in towns)
    per_town = dict(
        db.session.execute(
            select(Member.tenant_id, func.count(Member.id))
            .where(Member.tenant_id.in_(township_ids))
            .group_by(Member.tenant_id)
        ).all()
    )
    assert sum(per_town.values()) == 2000 and per_town[township_ids[0]] == 500
    trips = db.session.scalar(
        select(func.count(Departure.id)).where(Departure.tenant_id.in_(township_ids))
    )
    assert 2000 * 0.2 < trips < 2000 * 0.3
    mismatched = db.session.scalar(
        select(func.count(Whereabouts.id))
        .join(Departure, Departure.id == Whereabouts.departure_id)
        .where(Departure.tenant_id.in_(township_ids), Whereabouts.tenant_id != Departure.tenant_id)
    )
    assert mismatched == 0


def _check_member_and_stints(township_id: int) -> None:
    home = db.session.get(Township, township_id).division_code
    member = db.session.scalars(select(Member).limit(1)).one()
    assert id_number_problem(member.id_number) is None
    assert birth_date_of(member.id_number) == member.birth_date
    assert member.id_number_index == keyring.blind_index(member.id_number)
    for stint in db.session.scalars(select(Whereabouts).limit(50)):
        fields, problem = destination_fields(home, stint.address)
        assert problem is None and fields["flow_category"] == stint.flow_category
        assert fields["destination_prefecture"] == stint.destination_prefecture
