"""A verification never falls due after the card expires; coming home settles the card."""

from datetime import timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.certificates.helpers import TODAY, actions, issue, load
from tests.factories import login
from webapp.auth.models import Role
from webapp.certificates.models import CertificateStatus
from webapp.certificates.queries import DueFilters, due_certificates
from webapp.departures.models import Departure
from webapp.extensions import db


def _due_ids(app, tw, state: str) -> set[int]:
    with app.app_context(), tenant_context(tw.township.id):
        rows = db.session.execute(due_certificates(DueFilters(TODAY, 6, 30, state))).all()
        return {c.id for c, _m in rows}


def test_next_verification_is_capped_at_the_expiry(app, client, world) -> None:
    tw = world.a
    short = issue(
        app, tw, issued_on=TODAY - timedelta(days=10), expires_on=TODAY + timedelta(days=20)
    )
    cert = load(app, tw.township.id, short.id)
    assert cert.due_on(6) == cert.expires_on == TODAY + timedelta(days=20)
    assert cert.due_is_expiry(6)
    # the list of verifications due finds it in the 30-day window, though the base is 10 days old
    assert short.id in _due_ids(app, tw, "upcoming")
    assert short.id not in _due_ids(app, tw, "overdue")
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = client.get(f"/t/{tw.township.slug}/certificates/{short.id}").get_data(as_text=True)
    assert (TODAY + timedelta(days=20)).isoformat() in page and "届时应办理换证" in page
    due = client.get(f"/t/{tw.township.slug}/certificates/due").get_data(as_text=True)
    assert "有效期届满，需换证" in due and f"/certificates/{short.id}/replace" in due


def test_an_expired_card_is_overdue_from_its_expiry(app, world) -> None:
    tw = world.b
    old = issue(
        app, tw, issued_on=TODAY - timedelta(days=100), expires_on=TODAY - timedelta(days=3)
    )
    assert load(app, tw.township.id, old.id).due_on(6) == TODAY - timedelta(days=3)
    assert old.id in _due_ids(app, tw, "overdue")


def _away(client, tw) -> None:
    response = client.post(
        f"/t/{tw.township.slug}/members/{tw.member.id}/departure/new",
        data={
            "departed_on": (TODAY - timedelta(days=30)).isoformat(),
            "address": "浙江省绍兴市越城区",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]


def _return(client, tw, **extra):
    return client.post(
        f"/t/{tw.township.slug}/members/{tw.member.id}/departure/return",
        data={"returned_on": TODAY.isoformat(), "notes": "返乡创业", **extra},
    )


def _trip_open(app, tw) -> bool:
    with app.app_context(), tenant_context(tw.township.id):
        trips = db.session.scalars(select(Departure).where(Departure.member_id == tw.member.id))
        return any(t.returned_on is None for t in trips)


def test_return_asks_what_to_do_with_a_valid_card_and_hands_it_back(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    _away(client, tw)
    cert = issue(app, tw)
    form = client.get(f"/t/{tw.township.slug}/members/{tw.member.id}/departure/return")
    body = form.get_data(as_text=True)
    assert cert.number in body and "交回流动党员证" in body and "暂不交回" in body

    missing = _return(client, tw)
    assert missing.status_code == 422
    assert "请选择交回或暂不交回" in missing.get_data(as_text=True)
    assert _trip_open(app, tw), "nothing changes when the card question is unanswered"
    assert load(app, tw.township.id, cert.id).status == CertificateStatus.VALID

    assert _return(client, tw, certificate="return").status_code == 302
    handed = load(app, tw.township.id, cert.id)
    assert handed.status == CertificateStatus.RETURNED and handed.status_on == TODAY
    assert handed.status_notes == "返回登记时交回"
    assert not _trip_open(app, tw)
    assert "certificate.returned" in actions(app, tw.township.id, cert.id)


def test_return_can_keep_the_card_valid_and_says_so_in_the_log(app, client, world) -> None:
    tw = world.b
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    _away(client, tw)
    cert = issue(app, tw)
    assert _return(client, tw, certificate="keep").status_code == 302
    kept = load(app, tw.township.id, cert.id)
    assert kept.status == CertificateStatus.VALID
    assert "certificate.kept_on_return" in actions(app, tw.township.id, cert.id)


def test_return_without_a_card_does_not_ask(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    _away(client, tw)
    page = client.get(f"/t/{tw.township.slug}/members/{tw.member.id}/departure/return")
    assert "交回流动党员证" not in page.get_data(as_text=True)
    assert _return(client, tw).status_code == 302
    assert not _trip_open(app, tw)
