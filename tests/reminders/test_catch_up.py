"""A new township starts with every rule off; switching one on shows who would get what first,
and the backlog is held back or paced out as the officer chooses; the week's calendar."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from notifications.models import Message, State
from tenants.context import tenant_context
from tenants.models import Township
from tests.factories import login, make_branch, make_county, make_township, make_user
from tests.reminders.test_rules import away, run
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.reminders.catch_up import HELD_REASON
from webapp.reminders.rules import load_rules
from webapp.reminders.settings import rule_setting

RULE = "departure.overdue"
PAST = date.today() - timedelta(days=5)


@pytest.fixture()
def fresh(app):
    """A township as it starts: no rule switched on; three members overdue back."""
    with app.app_context():
        township = make_township(make_county(), reminders_on=False)
        branch = make_branch(township)
        admin = make_user(Role.TOWNSHIP_ADMIN, township)
        members = [away(township, branch, 100 + n, PAST)[0] for n in range(3)]
    return township, branch, admin, members


def _rows(app, township) -> list[Message]:
    with app.app_context(), tenant_context(township.id):
        rows = db.session.scalars(
            select(Message).where(Message.rule == RULE).order_by(Message.next_attempt_at)
        ).all()
        db.session.expunge_all()
        db.session.remove()
        return list(rows)


def _switch_on(client, township, **extra: str):
    form = {
        "quiet_hours": "21:00-08:00",
        "sms_per_number_daily": "5",
        "sms_per_township_daily": "500",
        "sign_name": "",
        **{f"lead_{key}": str(rule.lead_days) for key, rule in load_rules().items()},
        f"enabled_{RULE}": "y",
        f"lead_{RULE}": "0",
        **extra,
    }
    return client.post(f"/t/{township.slug}/reminders/settings", data=form)


def _is_on(app, township) -> bool:
    with app.app_context(), tenant_context(township.id):
        return rule_setting(db.session.get(Township, township.id), load_rules()[RULE]).enabled


def test_a_new_township_has_every_rule_off_and_sends_nothing(app, fresh) -> None:
    township = fresh[0]
    with app.app_context(), tenant_context(township.id):
        town = db.session.get(Township, township.id)
        assert not any(rule_setting(town, r).enabled for r in load_rules().values())
    assert run(app, township, datetime.now(UTC)) == {}
    assert _rows(app, township) == []


def test_switching_a_rule_on_previews_first_and_changes_nothing(app, client, fresh) -> None:
    township, _, admin, members = fresh
    login(client, admin)
    page = _switch_on(client, township)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "确认开启提醒" in body
    assert "现在已到期：3条" in body
    assert all(m.name in body for m in members)  # who would get it, with the text
    assert "今后7天预计新增" in body
    assert not _is_on(app, township) and _rows(app, township) == []


def test_from_now_holds_the_backlog_and_sends_what_falls_due_later(app, client, fresh) -> None:
    township, branch, admin, members = fresh
    login(client, admin)
    res = _switch_on(client, township, confirmed="1", **{f"catch_up_{RULE}": "from_now"})
    assert res.status_code == 302 and _is_on(app, township)
    rows = _rows(app, township)
    assert {r.recipient_id for r in rows} == {m.id for m in members}
    assert all(r.state == State.SUPPRESSED and r.reason == HELD_REASON for r in rows)
    assert run(app, township, datetime.now(UTC))[RULE] == 0  # the backlog never goes out
    with app.app_context():
        late, _ = away(township, branch, 110, date.today() - timedelta(days=1))
    assert run(app, township, datetime.now(UTC))[RULE] == 1  # due after the switch: sent
    queued = [r for r in _rows(app, township) if r.state == State.QUEUED]
    assert [r.recipient_id for r in queued] == [late.id]
    with app.app_context(), tenant_context(township.id):
        entry = db.session.scalar(
            select(AuditLog).where(AuditLog.action == "reminders.rule_enabled")
        )
        assert entry.after["backlog"] == 3 and entry.after["catch_up"] == "from_now"


def test_paced_catch_up_spreads_the_backlog_over_days(app, client, fresh) -> None:
    township, _, admin, _ = fresh
    login(client, admin)
    res = _switch_on(
        client,
        township,
        confirmed="1",
        **{f"catch_up_{RULE}": "paced", f"per_day_{RULE}": "1"},
    )
    assert res.status_code == 302
    rows = _rows(app, township)
    assert [r.state for r in rows] == [State.QUEUED] * 3
    days = [r.next_attempt_at.date() for r in rows]
    assert days[1] - days[0] == timedelta(days=1) and days[2] - days[1] == timedelta(days=1)
    body = client.get(f"/t/{township.slug}/reminders/calendar").get_data(as_text=True)
    assert body.count('data-total="1"') >= 2  # tomorrow's and the next day's paced messages


def test_a_bad_catch_up_choice_changes_nothing(app, client, fresh) -> None:
    township, _, admin, _ = fresh
    login(client, admin)
    res = _switch_on(
        client,
        township,
        confirmed="1",
        **{f"catch_up_{RULE}": "paced", f"per_day_{RULE}": "0"},
    )
    assert res.status_code == 422
    assert "每天补发条数应为1至500之间的整数" in res.get_data(as_text=True)
    assert not _is_on(app, township) and _rows(app, township) == []


def test_the_calendar_says_what_to_do_when_nothing_is_switched_on(app, client, fresh) -> None:
    township, _, admin, _ = fresh
    login(client, admin)
    body = client.get(f"/t/{township.slug}/reminders/calendar").get_data(as_text=True)
    assert "未来7天没有要发出的提醒" in body and "提醒设置" in body
