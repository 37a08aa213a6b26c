"""Two clerks at once: an automatic number taken meanwhile is retried; a status changes once."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.context import tenant_context
from tenants.scoping import TenantSession
from tests.certificates.helpers import TODAY, issue, load
from tests.conftest import BACKEND
from tests.factories import make_member
from webapp.auth.models import Role
from webapp.certificates.models import Certificate, CertificateStatus
from webapp.certificates.services import (
    CertificateInvalid,
    do_report_loss,
    do_return,
    next_number,
)
from webapp.extensions import db

postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="needs row locks that wait")


@postgres_only
def test_number_taken_by_an_uncommitted_issue_is_retried(app, world) -> None:
    tw = world.a
    holding, go = threading.Event(), threading.Event()

    def other_clerk() -> None:
        """Insert the next number and hold the transaction open until told to commit."""
        with app.app_context(), tenant_context(tw.township.id):
            number = next_number(db.session, tw.township, TODAY.year)
            db.session.add(
                Certificate(
                    tenant_id=tw.township.id,
                    number=number,
                    member_id=tw.other_member.id,
                    branch_id=tw.other_branch.id,
                    issued_on=TODAY,
                    expires_on=TODAY + timedelta(days=300),
                    reason="外出务工",
                )
            )
            db.session.flush()
            holding.set()
            go.wait(10)
            time.sleep(0.3)  # the main clerk's INSERT is now waiting on this row's unique key
            db.session.commit()
            db.session.remove()

    thread = threading.Thread(target=other_clerk)
    thread.start()
    assert holding.wait(10)
    go.set()
    cert = issue(app, tw, issued_on=TODAY)  # computes the same number, waits, collides, retries
    thread.join(10)
    assert cert.number == f"330624-{TODAY.year}-0002"
    with app.app_context(), tenant_context(tw.township.id):
        numbers = sorted(db.session.scalars(select(Certificate.number)))
        db.session.remove()
    assert numbers == [f"330624-{TODAY.year}-0001", f"330624-{TODAY.year}-0002"]


def test_a_status_changed_meanwhile_is_not_changed_again(app, world) -> None:
    tw = world.a
    cert = issue(app, tw)
    admin = tw.users[Role.TOWNSHIP_ADMIN]
    with app.app_context(), tenant_context(tw.township.id):
        stale = db.session.get(Certificate, cert.id)  # loaded while still valid
        db.session.commit()
        # another clerk reports it lost first, in their own session
        other = TenantSession(bind=db.engine, expire_on_commit=False)
        fresh = other.get(Certificate, cert.id)
        do_report_loss(other, admin, fresh, {"lost_on": TODAY, "notes": "先挂失"})
        other.close()
        with pytest.raises(CertificateInvalid) as refused:
            do_report_loss(db.session, admin, stale, {"lost_on": TODAY, "notes": "再挂失"})
        assert "刚被他人修改" in refused.value.errors["status"]
        db.session.remove()
    after = load(app, tw.township.id, cert.id)
    assert after.status == CertificateStatus.LOST and after.status_notes == "先挂失"


def test_member_may_hold_a_new_card_after_returning_the_old(app, world) -> None:
    tw = world.a
    member = make_member(tw.township, tw.branch)
    first = issue(app, tw, member)
    with app.app_context(), tenant_context(tw.township.id):
        do_return(
            db.session,
            tw.users[Role.TOWNSHIP_ADMIN],
            db.session.get(Certificate, first.id),
            {"returned_on": TODAY},
        )
        db.session.remove()
    second = issue(app, tw, member, issued_on=TODAY)
    assert second.status == CertificateStatus.VALID and second.replaces_id is None
