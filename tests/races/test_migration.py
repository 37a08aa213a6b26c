"""Migration 0010 on a database that already holds payments: every month they cover is backfilled,
and a month two old payments both cover stays with the earlier one instead of failing."""

import uuid
from datetime import date
from decimal import Decimal

from alembic import command
from sqlalchemy import select

from migrations import alembic_config
from tenants.context import tenant_context
from tests.conftest import RUN_ID, create_database, drop_database, make_app
from tests.factories import make_branch, make_county, make_member, make_township
from webapp.dues.models import DuesPaidMonth, DuesPayment
from webapp.dues.services import do_record_payment
from webapp.extensions import db


def test_finding_22_migration_backfills_paid_months_and_survives_old_overlaps(tmp_path) -> None:
    url = create_database(tmp_path, f"lianxin_0010_{RUN_ID}_{uuid.uuid4().hex[:8]}")
    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    app = make_app(url)
    try:
        with app.app_context():
            township = make_township(make_county())
            member = make_member(township, make_branch(township))
            paid_on = date(2026, 1, 5)
            data = {
                "first_month": date(2026, 1, 1),
                "months": 3,
                "amount": "30",
                "paid_on": paid_on,
            }
            with tenant_context(township.id):
                do_record_payment(db.session, None, member, data)  # January to March
                first_id = db.session.scalar(select(DuesPayment.id))
            db.session.remove()
            db.engine.dispose()
        command.downgrade(cfg, "0009")
        with app.app_context(), tenant_context(township.id):
            # written before 0010 existed, when only the application's check stood in the way
            db.session.add(
                DuesPayment(
                    tenant_id=township.id,
                    member_id=member.id,
                    first_month=date(2026, 3, 1),
                    months=2,
                    amount=Decimal("20.00"),
                    paid_on=date(2026, 3, 5),
                    branch_id=member.branch_id,
                )
            )
            db.session.commit()
            second_id = db.session.scalar(select(DuesPayment.id).where(DuesPayment.months == 2))
            db.session.remove()
            db.engine.dispose()
        command.upgrade(cfg, "head")
        with app.app_context(), tenant_context(township.id):
            rows = db.session.execute(
                select(DuesPaidMonth.month, DuesPaidMonth.payment_id).order_by(DuesPaidMonth.month)
            ).all()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)
    assert [tuple(r) for r in rows] == [
        (date(2026, 1, 1), first_id),
        (date(2026, 2, 1), first_id),
        (date(2026, 3, 1), first_id),  # both cover March: the earlier payment keeps it
        (date(2026, 4, 1), second_id),
    ]
