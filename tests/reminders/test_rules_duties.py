"""Duty rules on real data: 三个一 still missing near the half-year's end (to the member) and the
quarter's visits not yet made (one digest per responsible committee member)."""

from datetime import date

import pytest

from notifications.models import Channel, RecipientKind
from notifications.templates import text_problem
from tenants.context import tenant_context
from tests.duties.helpers import trip
from tests.factories import (
    login,
    make_branch,
    make_county,
    make_member,
    make_township,
    make_user,
)
from tests.reminders.helpers import at
from tests.reminders.test_rules import messages, phone, run, set_rules
from webapp.auth.models import Role, User
from webapp.duties.assignments import do_assign
from webapp.duties.services import do_log_contact
from webapp.duties.three_ones import do_record_item
from webapp.extensions import db
from webapp.members.models import Member
from webapp.reminders.rules import load_rules

THREE = "three_ones.missing"
VISITS = "visits.quarter_due"

ALL_THREE = "参加一次支部活动、写一封信（思想汇报亦可）、给支部打一次电话"


@pytest.fixture()
def town(app):
    """A township with two branches, its admin and a committee member of each branch."""
    with app.app_context():
        township = make_township(make_county())
        branch, other = make_branch(township), make_branch(township)
        admin = make_user(Role.TOWNSHIP_ADMIN, township)
        return township, branch, other, admin


def away_member(township, branch, name: str, n: int, departed: date = date(2025, 12, 1)):
    member = make_member(township, branch, name=name, phone=phone(n))
    trip(member, departed)
    return member


def record(app, township, admin, member, today: date, kind: str, **data) -> None:
    """An officer records one 三个一 item through the service."""
    values = {"half": "2026H1", "kind": kind, "status": "done", **data}
    if values["status"] == "done":
        values.setdefault("happened_on", date(2026, 4, 18))
        values.setdefault("note", "参加支部主题党日（视频）")
    with app.app_context(), tenant_context(township.id):
        actor = db.session.get(User, admin.id)
        do_record_item(db.session, actor, db.session.get(Member, member.id), values, today)
        db.session.remove()


def test_missing_three_ones_near_the_half_years_end(app, town) -> None:
    township, branch, other, admin = town
    june = date(2026, 6, 10)
    with app.app_context():
        slacker = away_member(township, branch, "甲一", 1)
        partial = away_member(township, other, "乙二", 2)
        done = away_member(township, branch, "丙三", 3)
        make_member(township, branch, name="丁四", phone=phone(4))  # never away: not due
    record(app, township, admin, partial, june, "activity")
    record(
        app,
        township,
        admin,
        partial,
        june,
        "letter",
        status="explained",
        explanation="在外打工期间不会写字，已托同乡口头转达近况",
    )
    for kind in ("activity", "letter", "call"):
        record(app, township, admin, done, june, kind)
    assert run(app, township, at(date(2026, 5, 30)))[THREE] == 0  # 31 days before the end
    counts = [run(app, township, at(june))[THREE] for _ in range(10)]
    assert counts == [2] + [0] * 9
    sent = {m.recipient_id: m for m in messages(app, township, THREE)}
    assert set(sent) == {slacker.id, partial.id}
    assert all(
        m.recipient_kind == RecipientKind.MEMBER
        and m.channel == Channel.SMS
        and m.period == "2026-H1"
        for m in sent.values()
    )
    assert ALL_THREE in sent[slacker.id].body and "2026年上半年" in sent[slacker.id].body
    assert sent[slacker.id].address == phone(1)
    body = sent[partial.id].body
    assert "给支部打一次电话未完成" in body and "参加一次支部活动" not in body
    assert "2026-06-30前" in body and township.name in body
    # the next half-year: everyone still away owes all three again
    assert run(app, township, at(date(2026, 12, 10)))[THREE] == 3
    later = [m for m in messages(app, township, THREE) if m.period == "2026-H2"]
    assert {m.recipient_id for m in later} == {slacker.id, partial.id, done.id}
    assert all(ALL_THREE in m.body for m in later)


def test_three_ones_lead_time_and_switching_off(app, town) -> None:
    township, branch, _other, _admin = town
    with app.app_context():
        away_member(township, branch, "戊五", 5)
    set_rules(app, township, **{THREE: {"enabled": True, "lead_days": 5}})
    assert run(app, township, at(date(2026, 6, 24)))[THREE] == 0
    assert run(app, township, at(date(2026, 6, 25)))[THREE] == 1
    set_rules(app, township, **{THREE: {"enabled": False, "lead_days": 30}})
    assert THREE not in run(app, township, at(date(2026, 12, 20)))
    assert len(messages(app, township, THREE)) == 1


def test_nobody_missing_anything_gets_no_reminder(app, town) -> None:
    township, branch, _other, admin = town
    with app.app_context():
        member = away_member(township, branch, "己六", 6)
    for kind in ("activity", "letter", "call"):
        record(app, township, admin, member, date(2026, 6, 1), kind)
    assert run(app, township, at(date(2026, 6, 10)))[THREE] == 0


def committee_member(township, branch, name: str) -> User:
    user = make_user(Role.COMMITTEE_MEMBER, township, branch=branch)
    with tenant_context(township.id):
        db.session.get(User, user.id).display_name = name
        db.session.commit()
        db.session.remove()
    return user


def assign(app, township, admin, member, officer) -> None:
    with app.app_context(), tenant_context(township.id):
        do_assign(
            db.session,
            db.session.get(User, admin.id),
            db.session.get(Member, member.id),
            officer.id,
            valid_from=date(2026, 1, 5),
            today=date(2026, 1, 5),
        )
        db.session.remove()


def log_contact(app, township, admin, member, day: date) -> None:
    with app.app_context(), tenant_context(township.id):
        do_log_contact(
            db.session,
            db.session.get(User, admin.id),
            db.session.get(Member, member.id),
            {
                "contacted_on": day,
                "channel": "phone",
                "substance": "电话了解务工和生活情况，传达村里消息",
            },
            day,
        )
        db.session.remove()


@pytest.fixture()
def duty(app, town):
    """Committee members with assigned mobile members; some contacted this quarter."""
    township, branch, other, admin = town
    with app.app_context():
        zhang = committee_member(township, branch, "张委员")
        li = committee_member(township, branch, "李委员")
        wang = committee_member(township, other, "王委员")
        people = [("赵甲", branch), ("钱乙", branch), ("孙丙", branch), ("周丁", branch)]
        people.append(("吴戊", other))
        m = {name: away_member(township, b, name, i) for i, (name, b) in enumerate(people, 20)}
    for name, officer in (("赵甲", zhang), ("钱乙", zhang), ("孙丙", li), ("吴戊", wang)):
        assign(app, township, admin, m[name], officer)  # 周丁: nobody's
    log_contact(app, township, admin, m["钱乙"], date(2026, 2, 15))
    log_contact(app, township, admin, m["孙丙"], date(2026, 3, 2))
    return township, admin, {"zhang": zhang, "li": li, "wang": wang}, m


def test_one_digest_per_committee_member_with_members_not_yet_contacted(app, duty) -> None:
    township, _admin, officers, _m = duty
    assert run(app, township, at(date(2026, 3, 9)))[VISITS] == 0  # 22 days before the end
    counts = [run(app, township, at(date(2026, 3, 20)))[VISITS] for _ in range(10)]
    assert counts == [2] + [0] * 9
    sent = {m.recipient_id: m for m in messages(app, township, VISITS)}
    assert set(sent) == {officers["zhang"].id, officers["wang"].id}  # 李委员 has visited all
    assert all(
        m.recipient_kind == RecipientKind.USER
        and m.channel == Channel.INAPP
        and m.period == "2026-Q1"
        for m in sent.values()
    )
    zhang = sent[officers["zhang"].id]
    assert "2026年第1季度还有1名" in zhang.subject
    assert "还剩12天" in zhang.body and "赵甲" in zhang.body
    assert not any(n in zhang.body for n in ("钱乙", "孙丙", "周丁", "吴戊"))
    wang = sent[officers["wang"].id]
    assert "吴戊" in wang.body and "赵甲" not in wang.body


def test_a_new_quarter_brings_a_new_digest(app, duty) -> None:
    township, admin, officers, m = duty
    assert run(app, township, at(date(2026, 3, 20)))[VISITS] == 2
    log_contact(app, township, admin, m["赵甲"], date(2026, 6, 1))
    assert run(app, township, at(date(2026, 6, 20)))[VISITS] == 3
    assert run(app, township, at(date(2026, 6, 21)))[VISITS] == 0
    q2 = {m.recipient_id: m for m in messages(app, township, VISITS) if m.period == "2026-Q2"}
    assert set(q2) == {officers["zhang"].id, officers["li"].id, officers["wang"].id}
    zhang = q2[officers["zhang"].id].body
    assert "钱乙" in zhang and "赵甲" not in zhang  # visited this quarter: dropped
    assert "孙丙" in q2[officers["li"].id].body


def test_visits_lead_time_and_switching_off(app, duty) -> None:
    township, *_ = duty
    set_rules(app, township, **{VISITS: {"enabled": True, "lead_days": 3}})
    assert run(app, township, at(date(2026, 3, 27)))[VISITS] == 0
    assert run(app, township, at(date(2026, 3, 28)))[VISITS] == 2
    set_rules(app, township, **{VISITS: {"enabled": False, "lead_days": 21}})
    assert VISITS not in run(app, township, at(date(2026, 6, 20)))
    assert len(messages(app, township, VISITS)) == 2


def test_nobody_owed_a_visit_no_digest(app, town) -> None:
    township, branch, _other, admin = town
    with app.app_context():
        zhou = committee_member(township, branch, "周委员")
        member = away_member(township, branch, "郑庚", 40)
    assign(app, township, admin, member, zhou)
    log_contact(app, township, admin, member, date(2026, 1, 20))
    assert run(app, township, at(date(2026, 3, 20)))[VISITS] == 0


def test_duty_rules_on_the_settings_and_wording_pages(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/t/{tw.township.slug}/reminders"
    page = client.get(f"{base}/settings").get_data(as_text=True)
    assert "三个一半年度进度提醒" in page and "季度结束前几天提醒" in page
    rules = load_rules()
    for key, placeholder in ((THREE, "${missing}"), (VISITS, "${days_left}")):
        for template in rules[key].templates.values():
            for text in (template.subject, template.body):
                assert text_problem(text, rules[key].placeholders) is None
        wording = client.get(f"{base}/templates?rule={key}")
        assert wording.status_code == 200
        assert placeholder in wording.get_data(as_text=True)
