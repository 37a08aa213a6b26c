"""Dues arrears on rates and payments recorded through the services: at the threshold -> one
reminder a month; ten runs -> still one; paying up stops them; settings change the threshold."""

from datetime import UTC, date, datetime, time

from sqlalchemy import update

from notifications.models import Channel, State
from tenants.context import tenant_context
from tests.factories import login, make_member
from tests.reminders.helpers import NOW, at
from tests.reminders.test_rules import messages, run, set_rules
from webapp.dues.models import DuesRate
from webapp.dues.services import add_months, do_record_payment, do_set_rate, month_start
from webapp.extensions import db
from webapp.members.models import Member, MemberStatus

RULE = "dues.arrears"


def payer(
    app, town, n: int, paid: int, start: date | None = date(2025, 10, 1), entered: bool = True
) -> Member:
    """A member paying 12.00 a month from start (Oct 2025: six months due by March 2026) who
    paid the first `paid` months in January; the rate was entered in its start month unless
    `entered` is False (then it is entered today, at the test's real date)."""
    township, branch, admin = town
    with app.app_context():
        member = make_member(township, branch, phone=f"1360000{n:04d}")
        if start is not None:
            with tenant_context(township.id):
                row = db.session.get(Member, member.id)
                rate = do_set_rate(
                    db.session, admin, row, {"monthly_amount": "12.00", "start_month": start}
                )
                if entered:
                    when = datetime.combine(start, time(9), tzinfo=UTC)
                    db.session.execute(
                        update(DuesRate)
                        .where(DuesRate.id == rate.id)
                        .values(created_at=when, updated_at=when)
                    )
                    db.session.commit()
                db.session.remove()
        if paid:
            pay(app, town, member, start, paid, date(2026, 1, 5))
    return member


def pay(app, town, member: Member, first: date, months: int, on: date) -> None:
    township, branch, admin = town
    with app.app_context(), tenant_context(township.id):
        do_record_payment(
            db.session,
            admin,
            db.session.get(Member, member.id),
            {
                "first_month": first,
                "months": months,
                "amount": f"{12 * months}.00",
                "paid_on": on,
                "branch_id": branch.id,
            },
        )
        db.session.remove()


def test_members_in_arrears_get_one_reminder_a_month(app, town) -> None:
    township = town[0]
    three = payer(app, town, 1, paid=3)  # Oct-Dec paid: Jan, Feb, Mar unpaid
    two = payer(app, town, 2, paid=4)  # two months behind: not yet
    six = payer(app, town, 3, paid=0)
    payer(app, town, 4, paid=0, start=None)  # no dues rate set
    gone = payer(app, town, 5, paid=0)
    with app.app_context(), tenant_context(township.id):
        db.session.get(Member, gone.id).status = MemberStatus.TRANSFERRED_OUT
        db.session.commit()
        db.session.remove()
    counts = [run(app, township, NOW)[RULE] for _ in range(10)]
    assert counts == [2] + [0] * 9
    sent = {m.recipient_id: m for m in messages(app, township, RULE)}
    assert set(sent) == {three.id, six.id}
    assert all(m.period == "2026-03" for m in sent.values())
    first = sent[three.id]
    assert first.channel == Channel.SMS and first.state == State.QUEUED
    assert first.address == "13600000001"
    assert "截至2026年3月，您已有3个月的党费未缴纳（共36.00元）" in first.body
    assert "6个月的党费未缴纳（共72.00元）" in sent[six.id].body
    assert run(app, township, at(date(2026, 3, 31)))[RULE] == 0  # same month: nothing new
    assert run(app, township, at(date(2026, 4, 1)))[RULE] == 3  # April: two reaches three
    april = [m for m in messages(app, township, RULE) if m.period == "2026-04"]
    assert {m.recipient_id for m in april} == {three.id, two.id, six.id}


def test_paying_up_stops_the_reminders(app, town) -> None:
    township = town[0]
    member = payer(app, town, 6, paid=3)
    assert run(app, township, NOW)[RULE] == 1
    pay(app, town, member, date(2026, 1, 1), 4, date(2026, 3, 20))  # Jan-Apr
    for day in (date(2026, 3, 21), date(2026, 4, 2), date(2026, 6, 1)):
        assert run(app, township, at(day))[RULE] == 0
    assert run(app, township, at(date(2026, 7, 1)))[RULE] == 1  # May, Jun, Jul unpaid again
    assert [m.period for m in messages(app, township, RULE)] == ["2026-03", "2026-07"]


def test_threshold_and_switching_the_dues_rule_off(app, town) -> None:
    township = town[0]
    payer(app, town, 7, paid=3)  # three months behind
    six = payer(app, town, 8, paid=0)
    set_rules(app, township, **{RULE: {"enabled": True, "lead_days": 6}})
    assert run(app, township, NOW)[RULE] == 1
    assert [m.recipient_id for m in messages(app, township, RULE)] == [six.id]
    set_rules(app, township, **{RULE: {"enabled": False, "lead_days": 1}})
    assert RULE not in run(app, township, at(date(2026, 4, 1)))
    assert len(messages(app, township, RULE)) == 1


def test_a_rate_entered_for_the_past_does_not_text_the_member(app, town) -> None:
    """A change to the past never notifies by itself: a rate entered today from October 2025
    counts only the months from today; the member hears once they then fall behind."""
    township = town[0]
    member = payer(app, town, 9, paid=0, start=date(2025, 10, 1), entered=False)
    today = date.today()
    assert run(app, township, at(today)).get(RULE, 0) == 0
    assert member.id not in {m.recipient_id for m in messages(app, township, RULE)}
    later = add_months(month_start(today), 3)
    assert run(app, township, at(later))[RULE] >= 1  # three months unpaid since it was entered
    assert member.id in {m.recipient_id for m in messages(app, township, RULE)}


def test_settings_page_lists_the_dues_rule(app, client, town) -> None:
    township, _branch, admin = town
    login(client, admin)
    page = client.get(f"/t/{township.slug}/reminders/settings").get_data(as_text=True)
    assert "党费欠缴提醒" in page and "必要提醒" in page
    assert "欠缴满几个月时提醒（含当月）" in page
    assert f'name="lead_{RULE}" id="lead_{RULE}" value="3" min="1" max="6"' in page
