"""The session guard: unscoped queries refused, scoped queries filtered, identity map respected."""

import pytest
from sqlalchemy import func, select, text
from werkzeug.exceptions import NotFound

from tenants.access import get_in_tenant
from tenants.context import TenantScopeMissing, reading_context, tenant_context
from tenants.scoping import CrossTenantWrite
from webapp.branches.models import Branch
from webapp.extensions import db
from webapp.members.models import Member


def test_unscoped_query_is_refused(app, world):
    with app.app_context(), pytest.raises(TenantScopeMissing):
        db.session.scalars(select(Member)).all()


def test_scoped_query_sees_only_its_township(app, world):
    with app.app_context(), tenant_context(world.a.township.id):
        tenants = set(db.session.scalars(select(Member.tenant_id)))
        assert tenants == {world.a.township.id}
        # relationship and join loads are filtered too
        joined = db.session.execute(select(Member.id, Branch.tenant_id).join(Branch)).all()
        assert {t for _, t in joined} == {world.a.township.id}


def test_identity_map_does_not_leak_across_scopes(app, world):
    with app.app_context():
        with tenant_context(world.a.township.id):
            member = db.session.get(Member, world.a.member.id)
            assert member is not None
        with tenant_context(world.b.township.id):
            assert db.session.get(Member, world.a.member.id) is None
            with pytest.raises(NotFound):
                get_in_tenant(db.session, Member, world.a.member.id)
            count = db.session.scalar(
                select(func.count(Member.id)).where(Member.id == world.a.member.id)
            )
            assert count == 0


def test_reading_context_reads_many_writes_none(app, world):
    ids = [world.a.township.id, world.a2.township.id]
    with app.app_context(), reading_context(ids):
        seen = set(db.session.scalars(select(Member.tenant_id)))
        assert seen == set(ids)
        member = db.session.get(Member, world.a.member.id)
        member.name = "改名"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_cross_tenant_write_refused(app, world):
    with app.app_context(), tenant_context(world.b.township.id):
        db.session.add(Branch(tenant_id=world.a.township.id, name="偷渡支部"))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    with app.app_context(), tenant_context(world.a.township.id):
        assert db.session.scalar(select(Branch).where(Branch.name == "偷渡支部")) is None


def test_new_rows_take_the_scope_tenant(app, world):
    with app.app_context(), tenant_context(world.a.township.id):
        branch = Branch(name="自动归属支部")
        db.session.add(branch)
        db.session.commit()
        assert branch.tenant_id == world.a.township.id


def test_bulk_update_is_scoped(app, world):
    from sqlalchemy import update

    with app.app_context(), tenant_context(world.b.township.id):
        db.session.execute(
            update(Member).where(Member.id == world.a.member.id).values(ethnicity="X")
        )
        db.session.commit()
    with app.app_context(), tenant_context(world.a.township.id):
        assert db.session.get(Member, world.a.member.id).ethnicity == "汉族"


def test_raw_sql_is_limited_by_row_level_security_on_postgres(app, world):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row-level security exists on PostgreSQL only")
        with tenant_context(world.a.township.id):
            rows = (
                db.session.execute(text("SELECT DISTINCT tenant_id FROM members")).scalars().all()
            )
            assert rows == [world.a.township.id]
            db.session.commit()
        rows = db.session.execute(text("SELECT count(*) FROM members")).scalar()
        assert rows == 0  # no scope: RLS shows nothing
        db.session.rollback()


def test_counts_over_subqueries_are_scoped_and_refused_unscoped(app, world):
    from webapp.pagination import paginate

    with app.app_context():
        with pytest.raises(TenantScopeMissing):
            db.session.scalar(select(func.count()).select_from(select(Member).subquery()))
        with tenant_context(world.a.township.id):
            page = paginate(db.session, select(Member), page=1)
            assert page.total == len(page.items) == 2
            assert {m.tenant_id for m in page.items} == {world.a.township.id}


def test_column_only_aggregates_are_scoped(app, world):
    """count(...) FILTER (...) with no FROM of its own still names a tenant table."""
    stmt = select(func.count(Member.id).filter(Member.ethnicity == "汉族"))
    with app.app_context():
        with pytest.raises(TenantScopeMissing):
            db.session.scalar(stmt)
        with tenant_context(world.a.township.id):
            assert db.session.scalar(stmt) == 2
