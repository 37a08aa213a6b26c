"""The rules on real departures: due now -> one reminder; ten runs -> still one; a changed
reference date -> a new reminder only when the new date is due; settings switch rules off."""

from datetime import date, timedelta

from sqlalchemy import func, select

from notifications.models import Channel, Message, RecipientKind, State
from tenants.context import system_context_unsafe, tenant_context
from tenants.models import Township
from tests.factories import make_branch, make_county, make_member, make_township, make_user
from tests.reminders.helpers import NOW
from webapp.auth.models import Role
from webapp.departures.models import Departure, FlowCategory, Whereabouts
from webapp.extensions import db
from webapp.reminders.engine import run_township

TODAY = date(2026, 3, 10)


def phone(n: int) -> str:
    return f"1380000{n:04d}"


def away(township, branch, n: int, expected: date | None, known: bool = True, **member_kw):
    """A member who left 100 days ago and is still away."""
    member = make_member(township, branch, phone=member_kw.pop("phone", phone(n)))
    with tenant_context(township.id):
        trip = Departure(
            tenant_id=township.id,
            member_id=member.id,
            departed_on=TODAY - timedelta(days=100),
            expected_return=expected,
        )
        db.session.add(trip)
        db.session.flush()
        db.session.add(
            Whereabouts(
                tenant_id=township.id,
                departure_id=trip.id,
                member_id=member.id,
                valid_from=trip.departed_on,
                address="上海市闵行区" if known else "",
                flow_category=FlowCategory.CROSS_PROVINCE if known else None,
            )
        )
        if member_kw.get("email"):
            member.email = member_kw["email"]
        db.session.commit()
        db.session.remove()
    return member, trip.id


def run(app, township, now=NOW) -> dict[str, int]:
    with app.app_context(), tenant_context(township.id):
        try:
            return run_township(db.session, db.session.get(Township, township.id), now)
        finally:
            db.session.remove()


def messages(app, township, rule: str | None = None) -> list[Message]:
    with app.app_context(), tenant_context(township.id):
        try:
            stmt = select(Message).order_by(Message.id)
            if rule:
                stmt = stmt.where(Message.rule == rule)
            return list(db.session.scalars(stmt))
        finally:
            db.session.remove()


def set_rules(app, township, **rules) -> None:
    with app.app_context(), system_context_unsafe():
        row = db.session.get(Township, township.id)
        row.settings = {**(row.settings or {}), "reminders": {"rules": rules}}
        db.session.commit()
        db.session.remove()


def test_overdue_members_get_one_reminder_however_often_beat_asks(app, town) -> None:
    township, branch, _ = town
    with app.app_context():
        late, _ = away(township, branch, 1, TODAY - timedelta(days=5))
        also_late, _ = away(township, branch, 2, TODAY - timedelta(days=1))
        away(township, branch, 3, TODAY)  # due back today: not overdue yet
        away(township, branch, 4, TODAY + timedelta(days=30))
        away(township, branch, 5, None)  # no expected return given
    counts = [run(app, township)["departure.overdue"] for _ in range(10)]
    assert counts == [2] + [0] * 9
    sent = messages(app, township, "departure.overdue")
    assert {(m.recipient_id, m.period) for m in sent} == {
        (late.id, (TODAY - timedelta(days=5)).isoformat()),
        (also_late.id, (TODAY - timedelta(days=1)).isoformat()),
    }
    first = next(m for m in sent if m.recipient_id == late.id)
    assert first.channel == Channel.SMS and first.state == State.QUEUED
    assert first.address == phone(1)
    assert "预计返回日期（2026-03-05）已过5天" in first.body and township.name in first.body


def test_a_changed_expected_return_reminds_again_only_when_the_new_date_is_due(app, town) -> None:
    township, branch, _ = town
    with app.app_context():
        _member, trip_id = away(township, branch, 6, TODAY - timedelta(days=2))
    assert run(app, township)["departure.overdue"] == 1
    with app.app_context(), tenant_context(township.id):
        db.session.get(Departure, trip_id).expected_return = TODAY + timedelta(days=7)
        db.session.commit()
        db.session.remove()
    for day in range(0, 8):  # until the new date has come, nothing new
        assert run(app, township, NOW + timedelta(days=day))["departure.overdue"] == 0
    assert run(app, township, NOW + timedelta(days=8))["departure.overdue"] == 1
    assert run(app, township, NOW + timedelta(days=9))["departure.overdue"] == 0
    periods = [m.period for m in messages(app, township, "departure.overdue")]
    assert periods == [
        (TODAY - timedelta(days=2)).isoformat(),
        (TODAY + timedelta(days=7)).isoformat(),
    ]


def test_returned_members_are_not_reminded(app, town) -> None:
    township, branch, _ = town
    with app.app_context():
        _, trip_id = away(township, branch, 7, TODAY - timedelta(days=3))
        with tenant_context(township.id):
            db.session.get(Departure, trip_id).returned_on = TODAY - timedelta(days=1)
            db.session.commit()
            db.session.remove()
    assert run(app, township)["departure.overdue"] == 0


def test_lead_time_and_switching_a_rule_off(app, town) -> None:
    township, branch, _ = town
    with app.app_context():
        away(township, branch, 8, TODAY - timedelta(days=2))
    set_rules(app, township, **{"departure.overdue": {"enabled": True, "lead_days": 3}})
    assert run(app, township)["departure.overdue"] == 0  # 2 days late, grace 3
    assert run(app, township, NOW + timedelta(days=2))["departure.overdue"] == 1
    set_rules(app, township, **{"departure.overdue": {"enabled": False, "lead_days": 0}})
    with app.app_context():
        away(township, branch, 9, TODAY - timedelta(days=20))
    assert "departure.overdue" not in run(app, township, NOW + timedelta(days=3))


def test_members_without_a_phone_get_email_or_in_app(app, town) -> None:
    township, branch, _ = town
    with app.app_context():
        by_mail, _ = away(
            township, branch, 10, TODAY - timedelta(days=1), phone="", email="m@example.org"
        )
        has_account, _ = away(township, branch, 11, TODAY - timedelta(days=1), phone="")
        make_user(Role.MEMBER, township, branch=branch, member=has_account)
        unreachable, _ = away(township, branch, 12, TODAY - timedelta(days=1), phone="")
    run(app, township)
    by_member = {m.recipient_id: m for m in messages(app, township, "departure.overdue")}
    assert by_member[by_mail.id].channel == Channel.EMAIL
    assert by_member[by_mail.id].fallback is None
    assert by_member[has_account.id].channel == Channel.INAPP
    assert by_member[unreachable.id].state == State.SUPPRESSED
    assert "未登记手机号" in by_member[unreachable.id].reason


def test_weekly_digest_of_unknown_whereabouts_to_township_admins(app, town) -> None:
    township, branch, admin = town
    with app.app_context():
        second_admin = make_user(Role.TOWNSHIP_ADMIN, township)
        unknown, _ = away(township, branch, 13, None, known=False)
        away(township, branch, 14, None, known=True)
        make_user(Role.BRANCH_SECRETARY, township, branch=branch)  # not an addressee
    set_rules(app, township, **{"whereabouts.unknown_digest": {"enabled": True, "lead_days": 3}})
    assert run(app, township)["whereabouts.unknown_digest"] == 0  # Tuesday: before Wednesday
    wednesday = NOW + timedelta(days=1)
    assert run(app, township, wednesday)["whereabouts.unknown_digest"] == 2
    for day in (1, 2, 3, 4):  # the rest of the week: nothing new
        assert (
            run(app, township, wednesday + timedelta(days=day))["whereabouts.unknown_digest"] == 0
        )
    digests = messages(app, township, "whereabouts.unknown_digest")
    assert {m.recipient_id for m in digests} == {admin.id, second_admin.id}
    assert all(
        m.recipient_kind == RecipientKind.USER and m.channel == Channel.INAPP for m in digests
    )
    assert all(
        m.period == "2026-W11" and unknown.name in m.body and "1名" in m.subject for m in digests
    )
    next_week = wednesday + timedelta(days=7)
    assert run(app, township, next_week)["whereabouts.unknown_digest"] == 2


def test_no_digest_when_every_whereabouts_is_known(app, town) -> None:
    township, branch, _ = town
    with app.app_context():
        away(township, branch, 15, None, known=True)
    assert run(app, township)["whereabouts.unknown_digest"] == 0


def test_a_townships_wording_is_used(app, town) -> None:
    township, branch, _admin = town
    with app.app_context():
        away(township, branch, 16, TODAY - timedelta(days=1))
        with system_context_unsafe():
            row = db.session.get(Township, township.id)
            row.settings = {
                "reminders": {
                    **row.settings["reminders"],
                    "templates": {
                        "departure.overdue": {
                            "sms": {"subject": "", "body": "${name}，请回电支部。"}
                        }
                    },
                }
            }
            db.session.commit()
            db.session.remove()
    run(app, township)
    (message,) = messages(app, township, "departure.overdue")
    assert message.body.endswith("，请回电支部。")


def test_rule_runs_do_not_touch_other_townships(app, town) -> None:
    township, _branch, _ = town
    with app.app_context():
        other = make_township(make_county())
        away(other, make_branch(other), 17, TODAY - timedelta(days=4))
    run(app, township)
    with app.app_context(), system_context_unsafe():
        count = db.session.scalar(
            select(func.count(Message.id)).where(Message.tenant_id == other.id)
        )
        db.session.remove()
    assert count == 0


def test_concurrent_rule_runs_queue_each_reminder_once(app, town) -> None:
    """Two beats overlapping (or two workers): the unique key, not luck, keeps it to one."""
    import threading

    township, branch, _ = town
    with app.app_context():
        members = [away(township, branch, 20 + i, TODAY - timedelta(days=2))[0] for i in range(8)]
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            run(app, township)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=beat) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    sent = messages(app, township, "departure.overdue")
    assert sorted(m.recipient_id for m in sent) == sorted(m.id for m in members)
