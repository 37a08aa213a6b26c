"""显示号码 from the duty list: the assigned committee member sees the full number (audited)."""

from datetime import date, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.duties.helpers import assignment, trip
from tests.factories import login, make_member
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.extensions import db

TODAY = date.today()
PHONE = "13800138123"
MASKED = "138****8123"


def _reveals(app, tenant_id: int, member_id: int) -> list[dict]:
    with app.app_context(), tenant_context(tenant_id):
        return [
            row.after
            for row in db.session.scalars(
                select(AuditLog).where(
                    AuditLog.action == "member.revealed", AuditLog.entity_id == member_id
                )
            )
        ]


def _setup(app, world):
    tw = world.a
    with app.app_context():
        mine = make_member(tw.township, tw.branch, phone=PHONE)
        theirs = make_member(tw.township, tw.branch, phone=PHONE)
        for member in (mine, theirs):
            trip(member, TODAY - timedelta(days=20))
        assignment(mine, tw.users[Role.COMMITTEE_MEMBER], TODAY - timedelta(days=10))
        assignment(theirs, tw.users[Role.BRANCH_SECRETARY], TODAY - timedelta(days=10))
    return tw, mine, theirs


def test_assigned_committee_member_reveals_the_number_from_the_duty_list(
    app, client, world
) -> None:
    tw, mine, theirs = _setup(app, world)
    slug = tw.township.slug
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    duty_list = client.get(f"/t/{slug}/duties/branches/{tw.branch.id}").get_data(True)
    row = duty_list.split(f'data-member="{mine.id}"')[1].split("</tr>")[0]
    assert f"/duties/members/{mine.id}/phone" in row and "显示号码" in row
    other_row = duty_list.split(f'data-member="{theirs.id}"')[1].split("</tr>")[0]
    assert "显示号码" not in other_row
    assert PHONE not in duty_list
    page = client.get(f"/t/{slug}/duties/members/{mine.id}").get_data(True)
    assert MASKED in page and PHONE not in page
    response = client.post(f"/t/{slug}/duties/members/{mine.id}/phone")
    assert response.status_code == 200
    body = response.get_data(True)
    assert f'href="tel:{PHONE}"' in body
    assert _reveals(app, tw.township.id, mine.id) == [{"shown": ["phone"]}]


def test_a_member_not_assigned_to_the_committee_member_stays_masked(app, client, world) -> None:
    tw, mine, theirs = _setup(app, world)
    slug = tw.township.slug
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    assert client.post(f"/t/{slug}/duties/members/{theirs.id}/phone").status_code == 403
    page = client.get(f"/t/{slug}/duties/members/{theirs.id}").get_data(True)
    assert MASKED in page and PHONE not in page and "显示号码" not in page
    # another branch's member is not even visible
    other = world.a.other_member
    assert client.post(f"/t/{slug}/duties/members/{other.id}/phone").status_code == 404
    assert _reveals(app, tw.township.id, theirs.id) == []
    # the secretary calls anyone of the branch
    login(client, tw.users[Role.BRANCH_SECRETARY])
    response = client.post(f"/t/{slug}/duties/members/{theirs.id}/phone")
    assert response.status_code == 200 and f"tel:{PHONE}" in response.get_data(True)
    # a role without member.call is refused
    login(client, world.platform_admin)
    assert client.post(f"/t/{slug}/duties/members/{mine.id}/phone").status_code == 403
    assert len(_reveals(app, tw.township.id, mine.id)) == 0


def test_another_township_cannot_reveal(app, client, world) -> None:
    tw, mine, _theirs = _setup(app, world)
    login(client, world.b.users[Role.TOWNSHIP_ADMIN])
    own = world.b.township.slug
    assert client.post(f"/t/{own}/duties/members/{mine.id}/phone").status_code == 404
    assert client.post(f"/t/{tw.township.slug}/duties/members/{mine.id}/phone").status_code == 404
    assert _reveals(app, tw.township.id, mine.id) == []
