"""Certificate rules on certificates issued and verified through the services: due soon -> one
reminder to the holder; ten runs -> still one; a new due date (verification, 换证) -> a new
reminder only when it is due; returned or out-of-register -> nothing; settings switch them off."""

from datetime import date, timedelta
from typing import Any

from notifications.models import Channel, State
from tenants.context import tenant_context
from tenants.models import Township
from tests.factories import login, make_member
from tests.reminders.helpers import NOW, at
from tests.reminders.test_rules import messages, run, set_rules
from webapp.certificates.models import Certificate
from webapp.certificates.services import do_issue, do_replace, do_return, do_verify
from webapp.extensions import db
from webapp.members.models import Member, MemberStatus

DUE = "certificate.verification_due"
OVERDUE = "certificate.verification_overdue"
EXPIRING = "certificate.expiring"


def _in_town(app, town, action) -> Any:
    township, _branch, admin = town
    with app.app_context(), tenant_context(township.id):
        try:
            return action(admin, db.session.get(Township, township.id))
        finally:
            db.session.remove()


def holder(app, town, n: int, issued: date, expires: date | None = None) -> tuple[Member, int]:
    """A member with a certificate issued on issued (valid a year unless expires is given)."""
    township, branch, _admin = town
    with app.app_context():
        member = make_member(township, branch, phone=f"1370000{n:04d}")
    data = {
        "number": "",
        "issued_on": issued,
        "expires_on": expires or issued + timedelta(days=365),
        "reason": "外出务工",
        "destination": "浙江省杭州市",
        "inflow_branch_id": None,
    }
    cert = _in_town(
        app,
        town,
        lambda admin, tw: do_issue(db.session, admin, tw, db.session.get(Member, member.id), data),
    )
    return member, cert.id


def verify(app, town, cert_id: int, on: date) -> None:
    data = {"verified_on": on, "branch_id": str(town[1].id), "verifier_name": "王书记"}
    _in_town(
        app,
        town,
        lambda admin, tw: do_verify(
            db.session, admin, tw, db.session.get(Certificate, cert_id), data
        ),
    )


def by_member(app, township, rule: str) -> dict[int, Any]:
    return {m.recipient_id: m for m in messages(app, township, rule)}


def test_holders_due_for_verification_get_one_reminder(app, town) -> None:
    township = town[0]
    soon, soon_cert = holder(app, town, 1, date(2025, 9, 20))  # due 03-20: in 10 days
    edge, _ = holder(app, town, 2, date(2025, 9, 24))  # due 03-24: in 14 days
    holder(app, town, 3, date(2025, 9, 25))  # due 03-25: in 15 days, not yet
    today, today_cert = holder(app, town, 4, date(2025, 6, 1))
    verify(app, town, today_cert, date(2025, 9, 10))  # next due 03-10: today
    _, returned = holder(app, town, 5, date(2025, 9, 15))
    _in_town(
        app,
        town,
        lambda admin, tw: do_return(
            db.session,
            admin,
            db.session.get(Certificate, returned),
            {"returned_on": date(2026, 1, 5)},
        ),
    )
    holder(app, town, 6, date(2025, 9, 20), expires=date(2026, 3, 15))  # expires before due
    gone, _ = holder(app, town, 7, date(2025, 9, 20))
    with app.app_context(), tenant_context(township.id):
        db.session.get(Member, gone.id).status = MemberStatus.TRANSFERRED_OUT
        db.session.commit()
        db.session.remove()
    counts = [run(app, township, NOW)[DUE] for _ in range(10)]
    assert counts == [3] + [0] * 9
    sent = by_member(app, township, DUE)
    assert {k: m.period for k, m in sent.items()} == {
        soon.id: "2026-03-20",
        edge.id: "2026-03-24",
        today.id: "2026-03-10",
    }
    first = sent[soon.id]
    assert first.channel == Channel.SMS and first.state == State.QUEUED
    assert first.address == "13700000001"
    with app.app_context(), tenant_context(township.id):
        number = db.session.get(Certificate, soon_cert).number
        db.session.remove()
    assert f"（证号{number}）下次验证截止日期为2026-03-20" in first.body
    assert first.body.endswith(f"{township.name}党委")


def test_verifying_moves_the_due_date_and_reminds_only_when_the_new_one_is_due(app, town) -> None:
    township = town[0]
    member, cert_id = holder(app, town, 8, date(2025, 9, 20))
    assert run(app, township, NOW)[DUE] == 1
    verify(app, town, cert_id, date(2026, 3, 12))  # next due 2026-09-12
    for day in (date(2026, 3, 12), date(2026, 3, 21), date(2026, 8, 28)):
        assert run(app, township, at(day))[DUE] == 0
    assert run(app, township, at(date(2026, 8, 29)))[DUE] == 1
    assert run(app, township, at(date(2026, 8, 30)))[DUE] == 0
    periods = [(m.recipient_id, m.period) for m in messages(app, township, DUE)]
    assert periods == [(member.id, "2026-03-20"), (member.id, "2026-09-12")]
    assert messages(app, township, OVERDUE) == []


def test_overdue_verification_reminds_once_after_the_grace_days(app, town) -> None:
    township = town[0]
    late, _ = holder(app, town, 9, date(2025, 9, 1))  # due 03-01: 9 days overdue
    holder(app, town, 10, date(2025, 9, 8))  # due 03-08: 2 days, within the 3 days' grace
    holder(app, town, 11, date(2025, 8, 1), expires=date(2026, 3, 5))  # expired: 换证 instead
    _, checked = holder(app, town, 12, date(2025, 9, 1))
    verify(app, town, checked, date(2026, 3, 1))
    counts = [run(app, township, NOW)[OVERDUE] for _ in range(10)]
    assert counts == [1] + [0] * 9
    (message,) = messages(app, township, OVERDUE)
    assert (message.recipient_id, message.period) == (late.id, "2026-03-01")
    assert "应于2026-03-01前验证，至今已逾期9天" in message.body
    assert run(app, township, at(date(2026, 3, 12)))[OVERDUE] == 1  # the 03-08 one, after grace


def test_expiring_cards_remind_once_and_a_replacement_only_near_its_own_expiry(app, town) -> None:
    township = town[0]
    soon, soon_cert = holder(app, town, 13, date(2025, 4, 1), expires=date(2026, 3, 30))
    holder(app, town, 14, date(2025, 5, 1), expires=date(2026, 5, 1))  # 52 days: not yet
    lapsed, _ = holder(app, town, 15, date(2025, 3, 1), expires=date(2026, 3, 1))
    counts = [run(app, township, NOW)[EXPIRING] for _ in range(10)]
    assert counts == [2] + [0] * 9
    sent = by_member(app, township, EXPIRING)
    assert sent[soon.id].period == "2026-03-30" and "还有20天到期" in sent[soon.id].body
    assert sent[lapsed.id].period == "2026-03-01" and "已过期9天" in sent[lapsed.id].body
    _in_town(
        app,
        town,
        lambda admin, tw: do_replace(
            db.session,
            admin,
            tw,
            db.session.get(Certificate, soon_cert),
            {
                "number": "",
                "issued_on": date(2026, 3, 15),
                "expires_on": date(2027, 3, 1),
                "reason": "外出务工",
                "destination": "",
                "inflow_branch_id": None,
                "notes": "到期换证",
            },
        ),
    )
    assert run(app, township, at(date(2026, 3, 20)))[EXPIRING] == 0
    assert run(app, township, at(date(2027, 1, 29)))[EXPIRING] == 1  # the 05-01 card, late
    assert run(app, township, at(date(2027, 1, 30)))[EXPIRING] == 1  # the new card, 30 days
    assert [m.period for m in messages(app, township, EXPIRING) if m.recipient_id == soon.id] == [
        "2026-03-30",
        "2027-03-01",
    ]


def test_lead_time_and_switching_certificate_rules_off(app, town) -> None:
    township = town[0]
    holder(app, town, 16, date(2025, 9, 20))  # due 03-20
    set_rules(app, township, **{DUE: {"enabled": True, "lead_days": 5}})
    assert run(app, township, NOW)[DUE] == 0
    assert run(app, township, at(date(2026, 3, 15)))[DUE] == 1
    set_rules(app, township, **{key: {"enabled": False} for key in (DUE, OVERDUE, EXPIRING)})
    holder(app, town, 17, date(2025, 9, 16), expires=date(2026, 3, 20))
    result = run(app, township, at(date(2026, 3, 16)))
    assert not {DUE, OVERDUE, EXPIRING} & set(result)
    assert [len(messages(app, township, key)) for key in (DUE, OVERDUE, EXPIRING)] == [1, 0, 0]


def test_settings_page_lists_the_certificate_rules(app, client, town) -> None:
    township, _branch, admin = town
    login(client, admin)
    page = client.get(f"/t/{township.slug}/reminders/settings").get_data(as_text=True)
    for text in (
        "流动党员证验证到期提醒",
        "验证截止日期前几天提醒",
        "流动党员证逾期未验证提醒",
        "验证截止日期过后几天提醒",
        "流动党员证有效期届满提醒",
        "有效期届满前几天提醒",
        f'name="lead_{DUE}" id="lead_{DUE}" value="14"',
    ):
        assert text in page
