"""Contact duty: balanced auto-assignment, member-by-member changes kept as history."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tenants.context import tenant_context
from tests.duties.helpers import assignment, mobile_member, officer, trip
from tests.factories import login, make_member
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.duties.assignments import do_assign, do_auto_assign, do_end_assignment, loads
from webapp.duties.models import ContactAssignment
from webapp.duties.services import DutyInvalid
from webapp.extensions import db

TODAY = date.today()


def _open(member_id: int) -> list[ContactAssignment]:
    return list(
        db.session.scalars(
            select(ContactAssignment).where(
                ContactAssignment.member_id == member_id, ContactAssignment.valid_to.is_(None)
            )
        )
    )


def test_auto_assignment_balances_keeps_existing_and_is_stable(app, world) -> None:
    tw = world.a
    secretary = tw.users[Role.BRANCH_SECRETARY]
    with app.app_context():
        cm = tw.users[Role.COMMITTEE_MEMBER]
        extra = officer(tw)
        busy = [mobile_member(tw, TODAY - timedelta(days=30)) for _ in range(3)]
        for m in busy:
            assignment(m, cm, TODAY - timedelta(days=20))
        fresh = [mobile_member(tw, TODAY - timedelta(days=10)) for _ in range(6)]
        home = make_member(tw.township, tw.branch)  # not away: not assigned
        with tenant_context(tw.township.id):
            created = do_auto_assign(db.session, secretary, tw.branch)
            load = loads(db.session, [secretary.id, cm.id, extra.id])
            kept = {m.id: _open(m.id)[0].officer_id for m in busy}
            again = do_auto_assign(db.session, secretary, tw.branch)
            assert _open(home.id) == []
    assert len(created) == 6 and again == []
    assert {a.member_id for a in created} == {m.id for m in fresh}
    # the secretary and the extra committee member take the new ones first; 3 each in the end
    assert dict(load) == {secretary.id: 3, cm.id: 3, extra.id: 3}
    assert kept == {m.id: cm.id for m in busy}
    # stable: register order, ties to the oldest account
    assert [a.officer_id for a in created] == [secretary.id, extra.id] * 3


def test_auto_assignment_without_officers_says_what_to_do(app, world) -> None:
    tw = world.a
    with app.app_context():
        member = make_member(tw.township, tw.other_branch)
        trip(member, TODAY - timedelta(days=5))
        with tenant_context(tw.township.id):
            with pytest.raises(DutyInvalid) as exc:
                do_auto_assign(db.session, tw.users[Role.TOWNSHIP_ADMIN], tw.other_branch)
            assert "开设账号" in exc.value.errors["officer_id"]
            assert _open(member.id) == []


def test_reassignment_keeps_history_and_refuses_bad_input(app, world) -> None:
    tw = world.a
    actor = tw.users[Role.BRANCH_SECRETARY]
    with app.app_context():
        first, second = officer(tw), officer(tw)
        outsider = officer(tw, branch=tw.other_branch)
        member = mobile_member(tw, TODAY - timedelta(days=200))
        with tenant_context(tw.township.id):
            start = TODAY - timedelta(days=40)  # always inside this or the previous quarter
            do_assign(db.session, actor, member, first.id, start)
            problems = {
                "outsider": (outsider.id, TODAY),
                "same officer": (first.id, TODAY),
                "future": (second.id, TODAY + timedelta(days=1)),
                "before current": (second.id, start - timedelta(days=1)),
                "settled quarter": (second.id, date(2020, 1, 1)),
            }
            for label, (officer_id, day) in problems.items():
                with pytest.raises(DutyInvalid) as exc:
                    do_assign(db.session, actor, member, officer_id, day)
                db.session.rollback()
                assert exc.value.errors, label
            do_assign(db.session, actor, member, second.id, TODAY)
            rows = list(
                db.session.scalars(
                    select(ContactAssignment)
                    .where(ContactAssignment.member_id == member.id)
                    .order_by(ContactAssignment.valid_from)
                )
            )
            audits = db.session.scalar(
                select(func.count(AuditLog.id)).where(
                    AuditLog.entity_id == member.id, AuditLog.action == "duty.assigned"
                )
            )
    assert [(r.officer_id, r.valid_from, r.valid_to) for r in rows] == [
        (first.id, start, TODAY),
        (second.id, TODAY, None),
    ]
    assert audits == 2


def test_same_day_change_corrects_the_row_in_place(app, world) -> None:
    tw = world.a
    actor = tw.users[Role.BRANCH_SECRETARY]
    with app.app_context():
        first, second = officer(tw), officer(tw)
        member = mobile_member(tw, TODAY - timedelta(days=3))
        with tenant_context(tw.township.id):
            do_assign(db.session, actor, member, first.id)
            do_assign(db.session, actor, member, second.id)
            rows = list(
                db.session.scalars(
                    select(ContactAssignment).where(ContactAssignment.member_id == member.id)
                )
            )
    assert [(r.officer_id, r.valid_from, r.valid_to) for r in rows] == [(second.id, TODAY, None)]


def test_end_assignment_and_one_open_row_per_member(app, world) -> None:
    tw = world.a
    actor = tw.users[Role.TOWNSHIP_ADMIN]
    with app.app_context():
        cm = tw.users[Role.COMMITTEE_MEMBER]
        member = mobile_member(tw, TODAY - timedelta(days=100))
        assignment(member, cm, TODAY - timedelta(days=1))
        with tenant_context(tw.township.id):
            # the database itself refuses a second assignment in force
            db.session.add(
                ContactAssignment(
                    tenant_id=tw.township.id,
                    member_id=member.id,
                    officer_id=cm.id,
                    valid_from=TODAY,
                )
            )
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()
            do_end_assignment(db.session, actor, member)
            assert _open(member.id) == []
            with pytest.raises(DutyInvalid):
                do_end_assignment(db.session, actor, member)


def test_assignment_pages(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=15))
        cm = tw.users[Role.COMMITTEE_MEMBER]
    login(client, tw.users[Role.BRANCH_SECRETARY])
    roster = client.get(f"/t/{slug}/duties/branches/{tw.branch.id}/assignments?unassigned=1")
    assert roster.status_code == 200 and member.name in roster.get_data(as_text=True)
    response = client.post(
        f"/t/{slug}/duties/members/{member.id}/assignment",
        data={"officer_id": str(cm.id), "back": "roster"},
    )
    assert response.status_code == 302 and "/assignments" in response.location
    bad = client.post(
        f"/t/{slug}/duties/members/{member.id}/assignment",
        data={"officer_id": "", "valid_from": "2026-99-01"},
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "日期格式不正确" in body and "未保存任何内容" in body
    page = client.get(f"/t/{slug}/duties/members/{member.id}").get_data(as_text=True)
    assert cm.display_name in page and "确认取消" in page  # the end button asks first
    assert client.post(f"/t/{slug}/duties/members/{member.id}/assignment/end").status_code == 302
    # a committee member may look but not assign
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    url = f"/t/{slug}/duties/branches/{tw.branch.id}/assignments/auto"
    assert client.post(url).status_code == 403
