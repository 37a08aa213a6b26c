"""The member page shows where the member is now and how to reach them, masked until revealed."""

from datetime import date, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.duties.helpers import assignment
from tests.factories import login, make_member
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.departures.models import Departure, Whereabouts
from webapp.extensions import db
from webapp.members.models import Member

TODAY = date.today()
AWAY_PHONE = "13711112222"
WECHAT = "wx_zhang_sz88"


def _away(member: Member, returned: date | None = None) -> None:
    with tenant_context(member.tenant_id):
        trip = Departure(
            tenant_id=member.tenant_id,
            member_id=member.id,
            departed_on=TODAY - timedelta(days=60),
            returned_on=returned,
        )
        db.session.add(trip)
        db.session.flush()
        db.session.add(
            Whereabouts(
                tenant_id=member.tenant_id,
                departure_id=trip.id,
                member_id=member.id,
                valid_from=trip.departed_on,
                valid_to=returned,
                address="广东省深圳市宝安区福永街道",
                occupation="电工",
                employer="深圳某电子厂",
                phone=AWAY_PHONE,
                wechat=WECHAT,
                email="zhang@example.com",
                living="与同乡合租厂区宿舍",
                notes="紧急联系人：同乡李师傅",
            )
        )
        db.session.commit()


def _reveals(app, tenant_id: int, member_id: int) -> list[list[str]]:
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.scalars(
            select(AuditLog).where(
                AuditLog.action == "member.revealed", AuditLog.entity_id == member_id
            )
        )
        return [row.after["shown"] for row in rows]


def test_away_details_are_shown_and_contacts_masked_until_revealed(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = make_member(tw.township, tw.branch)
        _away(member)
    url = f"/t/{tw.township.slug}/members/{member.id}"
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = client.get(url).get_data(True)
    assert 'id="away-contact"' in page and "与同乡合租厂区宿舍" in page and "深圳某电子厂" in page
    assert "137****2222" in page and AWAY_PHONE not in page
    assert WECHAT not in page and "zhang@example.com" not in page and "李师傅" not in page
    assert _reveals(app, tw.township.id, member.id) == []
    revealed = client.post(url + "/reveal")
    assert revealed.status_code == 200
    body = revealed.get_data(True)
    assert f'href="tel:{AWAY_PHONE}"' in body and WECHAT in body and "李师傅" in body
    assert _reveals(app, tw.township.id, member.id) == [["id_number", "phone", "away_contact"]]


def test_a_committee_member_sees_contacts_only_for_their_own_members(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = make_member(tw.township, tw.branch)
        _away(member)
    url = f"/t/{tw.township.slug}/members/{member.id}"
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    page = client.get(url).get_data(True)
    assert "与同乡合租厂区宿舍" in page and "已登记（仅联系人可见）" in page
    assert WECHAT not in page and AWAY_PHONE not in page
    assert client.post(url + "/reveal").status_code == 403
    assert _reveals(app, tw.township.id, member.id) == []
    with app.app_context():
        assignment(member, tw.users[Role.COMMITTEE_MEMBER], TODAY - timedelta(days=5))
    body = client.post(url + "/reveal").get_data(True)
    assert WECHAT in body and f"tel:{AWAY_PHONE}" in body
    assert _reveals(app, tw.township.id, member.id) == [["phone", "away_contact"]]


def test_no_away_block_once_back_and_none_across_townships(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = make_member(tw.township, tw.branch)
        _away(member, returned=TODAY - timedelta(days=3))
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = client.get(f"/t/{tw.township.slug}/members/{member.id}").get_data(True)
    assert 'id="away-contact"' not in page
    login(client, world.b.users[Role.TOWNSHIP_ADMIN])
    own = world.b.township.slug
    assert client.get(f"/t/{own}/members/{member.id}").status_code == 404
    assert client.post(f"/t/{own}/members/{member.id}/reveal").status_code == 404
