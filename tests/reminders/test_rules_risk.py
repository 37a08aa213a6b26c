"""The at-risk digest on real histories: each branch secretary gets their own branch's red flags
once a week, with the number of warnings; no red flag, no message."""

from datetime import date, timedelta

import pytest

from notifications.models import Channel, RecipientKind
from notifications.templates import text_problem
from tenants.context import tenant_context
from tests.activities.helpers import activity
from tests.factories import (
    login,
    make_branch,
    make_county,
    make_member,
    make_township,
    make_user,
)
from tests.reminders.test_rules import NOW, messages, run, set_rules
from webapp.activities.models import Attendance, AttendanceMode
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.extensions import db
from webapp.reminders.rules import load_rules

RISK = "risk.red_digest"


def attend(member, held_on: date) -> None:
    """member took part in a meeting of their branch on held_on."""
    with tenant_context(member.tenant_id):
        branch = db.session.get(Branch, member.branch_id)
        db.session.remove()
    activity_id = activity(branch, held_on)
    with tenant_context(member.tenant_id):
        db.session.add(
            Attendance(
                tenant_id=member.tenant_id,
                activity_id=activity_id,
                member_id=member.id,
                mode=AttendanceMode.HOME,
                at_branch_id=member.branch_id,
            )
        )
        db.session.commit()
        db.session.remove()


def member(township, branch, name: str, attended: date | None = None):
    row = make_member(township, branch, name=name)
    if attended:
        attend(row, attended)
    return row


@pytest.fixture()
def town(app):
    """Branch A: two red, one warning, one fine; B: one red; C: a warning only."""
    with app.app_context():
        township = make_township(make_county())
        a, b, c = (make_branch(township, name=f"第{i}党支部") for i in ("一", "二", "三"))
        secretaries = {
            k: make_user(Role.BRANCH_SECRETARY, township, branch=v)
            for k, v in {"a": a, "b": b, "c": c}.items()
        }
        make_user(Role.COMMITTEE_MEMBER, township, branch=a)  # not an addressee
        make_user(Role.TOWNSHIP_ADMIN, township)  # nor the township's officers
        people = {
            "红一": member(township, a, "红一"),  # never took part: red
            "红二": member(township, a, "红二", date(2025, 9, 1)),  # six months: red
            "黄三": member(township, a, "黄三", date(2025, 11, 20)),  # three months: warning
            "好四": member(township, a, "好四", date(2026, 2, 20)),
            "红五": member(township, b, "红五"),
            "黄六": member(township, c, "黄六", date(2025, 11, 20)),
            "好七": member(township, c, "好七", date(2026, 3, 1)),
        }
        return township, secretaries, people


def test_each_secretary_gets_their_branchs_red_flags_once_a_week(app, town) -> None:
    township, secretaries, _people = town
    counts = [run(app, township)[RISK] for _ in range(10)]  # Tuesday, sent from Monday on
    assert counts == [2] + [0] * 9
    sent = {m.recipient_id: m for m in messages(app, township, RISK)}
    assert set(sent) == {secretaries["a"].id, secretaries["b"].id}  # C has warnings only
    assert all(
        m.recipient_kind == RecipientKind.USER
        and m.channel == Channel.INAPP
        and m.period == "2026-W11"
        for m in sent.values()
    )
    a = sent[secretaries["a"].id]
    assert a.subject == "第一党支部：2名党员红色预警"
    assert "红一（连续未参加组织生活）" in a.body and "红二（连续未参加组织生活）" in a.body
    assert "另有1名党员处于提醒级别" in a.body
    assert not any(n in a.body for n in ("黄三", "好四", "红五", "黄六"))
    b = sent[secretaries["b"].id]
    assert "红五" in b.body and "红一" not in b.body and "另有0名" in b.body


def test_next_week_a_new_digest_without_who_came_back_to_branch_life(app, town) -> None:
    township, secretaries, people = town
    assert run(app, township)[RISK] == 2
    with app.app_context():
        attend(people["红一"], date(2026, 3, 12))
    for day in (1, 2, 3, 4, 5):  # the rest of the week: nothing new
        assert run(app, township, NOW + timedelta(days=day))[RISK] == 0
    assert run(app, township, NOW + timedelta(days=7))[RISK] == 2
    week = {m.recipient_id: m for m in messages(app, township, RISK) if m.period == "2026-W12"}
    a = week[secretaries["a"].id]
    assert "1名党员红色预警" in a.subject and "红二" in a.body and "红一" not in a.body


def test_weekday_and_switching_off(app, town) -> None:
    township, *_ = town
    set_rules(app, township, **{RISK: {"enabled": True, "lead_days": 3}})
    assert run(app, township)[RISK] == 0  # Tuesday: before Wednesday
    assert run(app, township, NOW + timedelta(days=1))[RISK] == 2
    set_rules(app, township, **{RISK: {"enabled": False, "lead_days": 1}})
    assert RISK not in run(app, township, NOW + timedelta(days=7))
    assert len(messages(app, township, RISK)) == 2


def test_no_red_flag_no_message(app) -> None:
    with app.app_context():
        township = make_township(make_county())
        branch = make_branch(township)
        make_user(Role.BRANCH_SECRETARY, township, branch=branch)
        member(township, branch, "黄八", date(2025, 11, 20))
        member(township, branch, "好九", date(2026, 3, 1))
    assert run(app, township)[RISK] == 0
    assert messages(app, township, RISK) == []


def test_an_inactive_secretary_is_not_written_to(app, town) -> None:
    township, secretaries, _people = town
    with app.app_context(), tenant_context(township.id):
        db.session.get(User, secretaries["b"].id).is_active_account = False
        db.session.commit()
        db.session.remove()
    assert run(app, township)[RISK] == 1


def test_risk_digest_on_the_settings_and_wording_pages(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/t/{tw.township.slug}/reminders"
    assert "红色预警党员周报" in client.get(f"{base}/settings").get_data(as_text=True)
    wording = client.get(f"{base}/templates?rule={RISK}").get_data(as_text=True)
    assert "${warnings}" in wording and "提醒级别人数" in wording
    rule = load_rules()[RISK]
    for template in rule.templates.values():
        for text in (template.subject, template.body):
            assert text_problem(text, rule.placeholders) is None
