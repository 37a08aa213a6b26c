"""Activity notices on activities scheduled through the service: due -> one notice to each member
expected (the branch's, and inflow card holders); ten runs -> still one; rescheduled -> a new
notice only when the new date is near; cancelled or already begun -> nothing; settings apply."""

from datetime import date, time, timedelta

import pytest

from notifications.models import Channel, State
from tenants.context import tenant_context
from tests.factories import login, make_branch, make_county, make_member, make_township, make_user
from tests.reminders.helpers import NOW, at
from tests.reminders.test_rules import messages, run, set_rules
from webapp.activities.models import Activity, ActivityKind
from webapp.activities.services import do_cancel_activity, do_schedule_activity
from webapp.auth.models import Role
from webapp.certificates.services import do_issue
from webapp.extensions import db
from webapp.members.models import Member, MemberStatus

RULE = "activity.upcoming"


@pytest.fixture()
def town(app):
    """Branch A (a1, a2, a3 transferred out), branch B (b1 holding a card naming A as inflow
    branch, b2)."""
    with app.app_context():
        township = make_township(make_county())
        a, b = make_branch(township, "东村支部"), make_branch(township, "西村支部")
        admin = make_user(Role.TOWNSHIP_ADMIN, township)
        people = {
            key: make_member(township, branch, phone=f"1350000{n:04d}")
            for n, (key, branch) in enumerate(
                [("a1", a), ("a2", a), ("a3", a), ("b1", b), ("b2", b)], start=1
            )
        }
        with tenant_context(township.id):
            db.session.get(Member, people["a3"].id).status = MemberStatus.TRANSFERRED_OUT
            db.session.commit()
            do_issue(
                db.session,
                admin,
                township,
                db.session.get(Member, people["b1"].id),
                {
                    "number": "",
                    "issued_on": date(2026, 1, 10),
                    "expires_on": date(2027, 1, 10),
                    "reason": "外出务工",
                    "destination": "",
                    "inflow_branch_id": a.id,
                },
            )
            db.session.remove()
        return township, {"a": a, "b": b}, admin, people


def schedule(app, town, branch: str, held_on: date, **extra) -> int:
    township, branches, admin, _ = town
    data = {
        "branch_id": branches[branch].id,
        "kind": extra.pop("kind", ActivityKind.LIFE_MEETING.value),
        "title": extra.pop("title", "学习新修订的党章"),
        "held_on": held_on,
        "start_time": extra.pop("start_time", time(14, 30)),
        "place": extra.pop("place", "村部会议室"),
        "online_link": extra.pop("online_link", ""),
    }
    with app.app_context(), tenant_context(township.id):
        try:
            return do_schedule_activity(db.session, admin, township.id, data).id
        finally:
            db.session.remove()


def cancel(app, town, activity_id: int) -> None:
    township, _, admin, _ = town
    with app.app_context(), tenant_context(township.id):
        do_cancel_activity(db.session, admin, db.session.get(Activity, activity_id), "天气原因")
        db.session.remove()


def test_expected_members_get_one_notice_per_activity(app, town) -> None:
    township, _, _, people = town
    meeting = schedule(app, town, "a", date(2026, 3, 12))
    schedule(app, town, "a", date(2026, 3, 13))  # three days ahead: not yet
    cancel(app, town, schedule(app, town, "a", date(2026, 3, 11)))
    training = schedule(
        app,
        town,
        "b",
        date(2026, 3, 11),
        kind=ActivityKind.HOMECOMING_TRAINING.value,
        title="返乡党员春季培训",
        start_time=None,
        place="",
        online_link="https://meeting.example.org/123",
    )
    counts = [run(app, township, NOW)[RULE] for _ in range(10)]
    assert counts == [5] + [0] * 9
    sent = {(m.recipient_id, m.period) for m in messages(app, township, RULE)}
    ids = {key: member.id for key, member in people.items()}
    assert sent == {
        (ids["a1"], f"{meeting}@2026-03-12"),
        (ids["a2"], f"{meeting}@2026-03-12"),
        (ids["b1"], f"{meeting}@2026-03-12"),  # the inflow card holder
        (ids["b1"], f"{training}@2026-03-11"),
        (ids["b2"], f"{training}@2026-03-11"),
    }
    by_key = {(m.recipient_id, m.period.split("@")[0]): m for m in messages(app, township, RULE)}
    notice = by_key[(ids["b1"], str(meeting))]
    assert notice.channel == Channel.SMS and notice.state == State.QUEUED
    assert notice.address == "13500000004"
    assert "东村支部定于2026-03-12 14:30在村部会议室开展组织生活会“学习新修订的党章”" in notice.body
    online = by_key[(ids["b2"], str(training))].body
    assert "西村支部定于2026-03-11在线上（https://meeting.example.org/123）开展返乡培训" in online


def test_a_rescheduled_activity_is_announced_again_only_near_the_new_date(app, town) -> None:
    township, _, _, people = town
    meeting = schedule(app, town, "a", date(2026, 3, 11))
    assert run(app, township, NOW)[RULE] == 3  # a1, a2 and inflow b1
    with app.app_context(), tenant_context(township.id):
        db.session.get(Activity, meeting).held_on = date(2026, 3, 20)
        db.session.commit()
        db.session.remove()
    for day in range(0, 8):  # 03-10 .. 03-17: the new date is more than two days away
        assert run(app, township, NOW + timedelta(days=day))[RULE] == 0
    assert run(app, township, at(date(2026, 3, 18)))[RULE] == 3
    assert run(app, township, at(date(2026, 3, 19)))[RULE] == 0
    a1 = [m.period for m in messages(app, township, RULE) if m.recipient_id == people["a1"].id]
    assert a1 == [f"{meeting}@2026-03-11", f"{meeting}@2026-03-20"]


def test_cancelled_past_and_begun_activities_are_not_announced(app, town) -> None:
    township = town[0]
    cancel(app, town, schedule(app, town, "b", date(2026, 3, 15)))
    schedule(app, town, "b", date(2026, 3, 9))  # yesterday
    schedule(app, town, "b", date(2026, 3, 10), start_time=time(9, 0))  # began an hour ago
    later = schedule(app, town, "b", date(2026, 3, 10), start_time=time(19, 0))
    assert run(app, township, NOW)[RULE] == 2
    assert {m.period for m in messages(app, township, RULE)} == {f"{later}@2026-03-10"}
    assert run(app, township, at(date(2026, 3, 14)))[RULE] == 0


def test_lead_time_and_switching_the_activity_rule_off(app, town) -> None:
    township = town[0]
    schedule(app, town, "b", date(2026, 3, 12))
    set_rules(app, township, **{RULE: {"enabled": True, "lead_days": 0}})
    assert run(app, township, NOW)[RULE] == 0
    assert run(app, township, at(date(2026, 3, 12)))[RULE] == 2
    set_rules(app, township, **{RULE: {"enabled": False, "lead_days": 2}})
    schedule(app, town, "a", date(2026, 3, 13))
    assert RULE not in run(app, township, at(date(2026, 3, 12)))
    assert len(messages(app, township, RULE)) == 2


def test_settings_page_lists_the_activity_rule(app, client, town) -> None:
    township, _, admin, _ = town
    login(client, admin)
    page = client.get(f"/t/{township.slug}/reminders/settings").get_data(as_text=True)
    assert "组织生活和培训活动通知" in page and "活动前几天通知" in page
    assert f'name="lead_{RULE}" id="lead_{RULE}" value="2" min="0" max="30"' in page
