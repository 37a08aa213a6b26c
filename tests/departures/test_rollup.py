"""The county roll-up's per-township cache: reused while nothing changed, never stale after a change,
whichever way the change was written (ORM, Core, a rolled-back transaction, a racing writer)."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select, update

from tenants.context import reading_context, system_context_unsafe, tenant_context
from tenants.models import County, Township
from tests.factories import make_branch, make_county, make_member, make_township
from webapp.departures import rollup
from webapp.departures.models import DataVersion, Departure, FlowCategory, Whereabouts
from webapp.extensions import db
from webapp.members.models import Member, MemberStatus

TODAY = date.today()


@pytest.fixture()
def county(app):
    """Two townships of one county, each with a branch and three members, one of them away."""
    with app.app_context():
        home = make_county()
        towns = []
        for _ in range(2):
            town = make_township(home)
            branch = make_branch(town)
            members = [make_member(town, branch) for _ in range(3)]
            _away(town, members[0], days=30)
            towns.append((town.id, branch.id, [m.id for m in members]))
        rollup.CACHE.clear()
        yield home.id, towns


def _away(town: Township, member: Member, days: int) -> None:
    with tenant_context(town.id):
        trip = Departure(
            tenant_id=town.id,
            member_id=member.id,
            departed_on=TODAY - timedelta(days=days),
        )
        trip.stints.append(
            Whereabouts(
                tenant_id=town.id,
                member_id=member.id,
                valid_from=trip.departed_on,
                address="上海市闵行区",
                destination_prefecture="310100",
                flow_category=FlowCategory.CROSS_PROVINCE,
            )
        )
        db.session.add(trip)
        db.session.commit()


def rolled_up(county_id: int) -> dict:
    """The roll-up as the coordinator's page computes it."""
    try:
        with system_context_unsafe():
            towns = list(
                db.session.scalars(
                    select(Township).where(Township.county_id == county_id).order_by(Township.id)
                )
            )
        with reading_context([t.id for t in towns]):
            return rollup.county_census(db.session, towns, TODAY).as_dict()
    finally:
        db.session.remove()


def counted_afresh(county_id: int) -> dict:
    rollup.CACHE.clear()
    return rolled_up(county_id)


def version(tenant_id: int) -> int | None:
    with tenant_context(tenant_id):
        try:
            return db.session.scalar(select(DataVersion.version))
        finally:
            db.session.remove()


def test_unchanged_townships_come_from_the_cache(app, county) -> None:
    county_id, _ = county
    with app.app_context():
        first = rolled_up(county_id)
        assert (rollup.CACHE.hits, rollup.CACHE.misses) == (0, 2)
        assert rolled_up(county_id) == first
        assert (rollup.CACHE.hits, rollup.CACHE.misses) == (2, 2)
        assert first["members"] == 6 and first["mobile"]["count"] == 2
        assert first["destinations"][0]["count"] == 2


def test_every_kind_of_write_gives_a_new_version_and_a_fresh_count(app, county) -> None:
    county_id, towns = county
    (a, _branch_a, members_a), (b, _branch_b, members_b) = towns
    with app.app_context():
        rolled_up(county_id)
        writes = []

        def orm_departure() -> None:
            with tenant_context(a):
                _away(db.session.get(Township, a), db.session.get(Member, members_a[1]), 400)

        def core_member_insert() -> None:
            with tenant_context(b):
                row = db.session.get(Member, members_b[1])
                values = {
                    c.key: getattr(row, c.key) for c in Member.__table__.columns if c.key != "id"
                }
                values.update(id_number_index=f"x{row.id}", name="新党员")
                db.session.execute(insert(Member).values(values))
                db.session.commit()

        def core_status_update() -> None:
            with tenant_context(a):
                db.session.execute(
                    update(Member)
                    .where(Member.id == members_a[2])
                    .values(status=MemberStatus.DECEASED)
                )
                db.session.commit()

        def orm_return() -> None:
            with tenant_context(b):
                trip = db.session.scalar(select(Departure).where(Departure.returned_on.is_(None)))
                trip.returned_on = TODAY
                db.session.commit()

        def orm_delete_stint() -> None:
            with tenant_context(a):
                stint = db.session.scalar(select(Whereabouts).order_by(Whereabouts.id.desc()))
                db.session.delete(stint)
                db.session.commit()

        for write in (
            orm_departure,
            core_member_insert,
            core_status_update,
            orm_return,
            orm_delete_stint,
        ):
            before = {a: version(a), b: version(b)}
            write()
            db.session.remove()
            after = {a: version(a), b: version(b)}
            assert before != after, write.__name__
            cached = rolled_up(county_id)
            assert cached == counted_afresh(county_id), write.__name__
            writes.append(cached)
        assert [w["members"] for w in writes] == [6, 7, 6, 6, 6]
        assert [w["mobile"]["count"] for w in writes] == [3, 3, 3, 2, 2]
        assert writes[-1]["unclassified"]["count"] == 1  # its only stint was deleted


def test_a_rolled_back_write_keeps_the_version(app, county) -> None:
    county_id, towns = county
    a, _branch, members = towns[0]
    with app.app_context():
        rolled_up(county_id)
        kept = version(a)
        with tenant_context(a):
            db.session.get(Member, members[1]).status = MemberStatus.DECEASED
            db.session.flush()
            assert db.session.scalar(select(DataVersion.version)) != kept  # inside the transaction
            db.session.rollback()
            db.session.remove()
        assert version(a) == kept
        hits = rollup.CACHE.hits
        rolled_up(county_id)
        assert rollup.CACHE.hits == hits + 2


def test_a_changed_long_term_threshold_is_a_different_entry(app, county) -> None:
    county_id, towns = county
    a = towns[0][0]
    with app.app_context():
        assert rolled_up(county_id)["long_term"]["count"] == 0
        with system_context_unsafe():
            town = db.session.get(Township, a)
            town.settings = {**(town.settings or {}), "long_term_days": 20}
            db.session.commit()
            db.session.remove()
        assert rolled_up(county_id)["long_term"]["count"] == 1


def test_a_write_racing_the_count_is_never_cached_as_current(app, county, monkeypatch) -> None:
    """A writer commits after the versions were read and before the count: the next roll-up
    sees a new version and counts again, so the change shows at once."""
    county_id, towns = county
    a, _branch, members = towns[0]
    real = rollup.count_parts
    raced = threading.Event()

    def writer() -> None:
        with app.app_context(), tenant_context(a):
            _away(db.session.get(Township, a), db.session.get(Member, members[2]), 10)
            db.session.remove()
        raced.set()

    def count_after_a_commit(session, townships, as_of):
        if not raced.is_set():
            thread = threading.Thread(target=writer)
            thread.start()
            thread.join()
        return real(session, townships, as_of)

    monkeypatch.setattr(rollup, "count_parts", count_after_a_commit)
    with app.app_context():
        during = rolled_up(county_id)
        assert raced.is_set() and during["mobile"]["count"] == 3  # the count saw the commit
        after = rolled_up(county_id)
        assert after["mobile"]["count"] == 3
        assert after == counted_afresh(county_id)


def test_township_without_a_version_is_counted_every_time(app) -> None:
    with app.app_context():
        home = make_county()
        town = make_township(home)
        rollup.CACHE.clear()
        county_id = db.session.get(County, home.id).id
        db.session.remove()
        assert version(town.id) is None
        assert rolled_up(county_id)["members"] == 0
        assert rolled_up(county_id)["members"] == 0
        assert rollup.CACHE.hits == 0 and len(rollup.CACHE) == 0


def test_the_township_census_counts_only_the_township_in_scope(app, county) -> None:
    """compute_census's one statement (CTEs and a UNION) is scoped by the session guard alone
    on SQLite and by row-level security as well on PostgreSQL."""
    from webapp.departures.census import compute_census

    _county_id, towns = county
    (a, branch_a, _members_a), (b, _branch_b, members_b) = towns
    with app.app_context():
        with tenant_context(b):
            for member_id in members_b[1:]:
                _away(db.session.get(Township, b), db.session.get(Member, member_id), 500)
        db.session.remove()
        with tenant_context(a):
            census = compute_census(db.session, TODAY).as_dict()
            db.session.remove()
        assert census["members"] == 3 and census["mobile"]["count"] == 1
        assert census["long_term"]["count"] == 0
        assert [(t["id"], t["members"], t["mobile"]) for t in census["branches"]] == [
            (branch_a, 3, 1)
        ]
        assert census["destinations"] == [{"name": "上海市", "count": 1}]


def test_without_redis_the_roll_up_still_counts(database_url, county) -> None:
    from tests.conftest import make_app

    county_id, _ = county
    db.session.remove()
    offline = make_app(database_url, REDIS_URL="redis://127.0.0.1:1/0")
    with offline.app_context():
        rollup.CACHE.hits = rollup.CACHE.misses = 0
        assert rolled_up(county_id) == rolled_up(county_id)
        assert rolled_up(county_id)["members"] == 6
        assert (rollup.CACHE.hits, rollup.CACHE.misses) == (0, 0)  # never reached


def test_the_beat_task_warms_every_township(app, county) -> None:
    from workers.tasks.census import warm

    county_id, _ = county
    with app.app_context():
        assert warm() >= 4  # today and tomorrow of every township with data, not yet cached
        assert warm() == 0  # nothing changed since
        rollup.CACHE.hits = rollup.CACHE.misses = 0
        rolled_up(county_id)
        assert (rollup.CACHE.hits, rollup.CACHE.misses) == (2, 0)
        tomorrow = (TODAY + timedelta(days=1)).isoformat()
        assert warm(tomorrow) >= 2  # the day after tomorrow; tomorrow itself was counted


def test_the_township_census_is_cached_until_the_township_changes(app, county) -> None:
    from webapp.departures.census import ROWS, compute_census

    _county_id, towns = county
    a, _branch, members = towns[0]

    def census() -> dict:
        with tenant_context(a):
            try:
                return compute_census(db.session, TODAY).as_dict()
            finally:
                db.session.remove()

    with app.app_context():
        ROWS.clear()
        first = census()
        assert census() == first and (ROWS.hits, ROWS.misses) == (1, 1)
        with tenant_context(a):
            _away(db.session.get(Township, a), db.session.get(Member, members[1]), 10)
            db.session.remove()
        second = census()
        assert (ROWS.hits, ROWS.misses) == (1, 2)
        assert (first["mobile"]["count"], second["mobile"]["count"]) == (1, 2)
        with reading_context([a, towns[1][0]]):  # a scope of two townships is never cached
            compute_census(db.session, TODAY)
            db.session.remove()
        assert (ROWS.hits, ROWS.misses) == (1, 2)
