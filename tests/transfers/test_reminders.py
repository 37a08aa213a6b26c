"""Transfer reminders through notifications/: the receiver reminded of a letter waiting, the member
told to report in, the county coordinator told of a letter left open and of a refusal; each once
however often beat asks, and nothing once the member is received."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifications.models import RecipientKind
from tenants.context import tenant_context
from tests.reminders.test_rules import messages, run
from tests.transfers.helpers import TODAY, draft, entry_for, incoming_of
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.transfers import crossing
from webapp.transfers.models import IncomingTransfer, Step, Transfer
from webapp.transfers.services import do_decide, do_submit

# noon on TODAY in the townships' zone, so the rules' local today is the helpers' TODAY at any hour
NOW = datetime.combine(TODAY, time(12), tzinfo=ZoneInfo("Asia/Shanghai"))


def _issued_days_ago(home, receiver, days: int) -> int:
    """A letter issued `days` ago (every step decided on that day)."""
    transfer_id = draft(home, entry_for(receiver, receiver.branch.id))
    day = TODAY - timedelta(days=days)
    with tenant_context(home.township.id):
        transfer = db.session.get(Transfer, transfer_id)
        do_submit(db.session, None, home.township, transfer, day)
        for step in (Step.BRANCH, Step.TOWNSHIP):
            do_decide(db.session, None, home.township, transfer, step, {"approve": True}, day)
        db.session.remove()
    return transfer_id


def _to(app, township, rule: str) -> list[tuple[str, int]]:
    return [(m.recipient_kind.value, m.recipient_id) for m in messages(app, township, rule)]


def test_each_side_is_reminded_once_and_the_coordinator_after_the_escalation_days(app, world):
    home, receiver = world.a, world.a2
    with app.app_context():
        transfer_id = _issued_days_ago(home, receiver, 20)
    for _ in range(3):
        run(app, receiver.township, NOW)
        run(app, home.township, NOW)
    officer = receiver.users[Role.TOWNSHIP_ADMIN]
    waiting = _to(app, receiver.township, "transfer.letter_waiting")
    assert set(waiting) == {(RecipientKind.USER.value, officer.id)}
    assert len(waiting) == 1  # the officer has no e-mail address: in-app, once
    reported = _to(app, home.township, "transfer.member_not_reported")
    assert {r for r in reported} == {(RecipientKind.MEMBER.value, home.member.id)}
    escalated = _to(app, home.township, "transfer.escalated")
    assert {r for r in escalated} == {(RecipientKind.USER.value, world.coordinator_a.id)}
    body = messages(app, home.township, "transfer.escalated")[0].body
    assert "20天" in body and home.member.name in body
    # received: nothing new is due for it
    with app.app_context(), tenant_context(receiver.township.id):
        row = db.session.get(IncomingTransfer, incoming_of(receiver, transfer_id).id)
        crossing.receive(db.session, None, receiver.township, row, TODAY)
        db.session.remove()
    before = len(messages(app, home.township))
    run(app, home.township, NOW)
    assert len(messages(app, home.township)) == before


def test_a_fresh_letter_is_not_escalated_and_a_refusal_is_told_once(app, world):
    home, receiver = world.a, world.a2
    with app.app_context():
        transfer_id = _issued_days_ago(home, receiver, 2)
    run(app, home.township, NOW)
    assert _to(app, home.township, "transfer.escalated") == []
    assert _to(app, home.township, "transfer.member_not_reported") == []
    with app.app_context(), tenant_context(receiver.township.id):
        row = db.session.get(IncomingTransfer, incoming_of(receiver, transfer_id).id)
        crossing.refuse(db.session, None, receiver.township, row, "单位已注销", TODAY)
        db.session.remove()
    run(app, home.township, NOW)
    run(app, home.township, NOW)
    told = {r for r in _to(app, home.township, "transfer.refused")}
    assert told == {
        (RecipientKind.USER.value, home.users[Role.TOWNSHIP_ADMIN].id),
        (RecipientKind.USER.value, world.coordinator_a.id),
    }
    assert "单位已注销" in messages(app, home.township, "transfer.refused")[0].body
