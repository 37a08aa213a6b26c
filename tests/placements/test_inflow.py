"""Issue 10: the crossing. Township A places a member at township A2's branch; A2 sees only what
it needs (name, home township and branch, dates), confirms the report-in, and A sees it; a third
township and another county's coordinator see nothing of it."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.certificates.helpers import issue
from tests.factories import login
from tests.placements.helpers import place_across, publish
from tests.reminders.test_rules import messages, run
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.placements.models import InflowMember, Placement, PlacementStatus
from webapp.placements.services import do_end

TODAY = date.today()


def _placement(app, tw, placement_id) -> Placement:
    with app.app_context(), tenant_context(tw.township.id):
        row = db.session.get(Placement, placement_id)
        db.session.expunge(row)
        db.session.remove()
    return row


def _inflow_rows(app, tw) -> list[InflowMember]:
    with app.app_context(), tenant_context(tw.township.id):
        rows = db.session.scalars(select(InflowMember).order_by(InflowMember.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def test_a_member_placed_in_another_township_is_confirmed_there(app, client, world):
    home, inflow = world.a, world.a2
    with app.app_context():
        org_id = publish(inflow, inflow.branch.id)
        placement_id = place_across(home, home.member.id, org_id)
    (row,) = _inflow_rows(app, inflow)
    assert row.member_name == home.member.name and row.home_township_name == home.township.name
    assert row.status == PlacementStatus.PENDING

    login(client, home.users[Role.TOWNSHIP_ADMIN])  # the home side waits for the inflow branch
    page = client.get(f"/t/{home.township.slug}/members/{home.member.id}").get_data(as_text=True)
    assert "等待流入地支部在平台上确认报到" in page and "登记报到" not in page

    secretary = app.test_client()
    login(secretary, inflow.users[Role.BRANCH_SECRETARY])  # the secretary of that branch
    listing = secretary.get(f"/t/{inflow.township.slug}/inflow/").get_data(as_text=True)
    assert home.member.name in listing and home.township.name in listing
    assert home.member.phone not in listing
    url = f"/t/{inflow.township.slug}/inflow/{row.id}/confirm"
    early = secretary.post(url, data={"reported_on": "2000-01-01"})
    assert early.status_code == 422 and "报到日期不能早于安排日期" in early.get_data(as_text=True)
    assert secretary.post(url, data={"reported_on": str(TODAY)}).status_code == 302
    again = secretary.post(url, data={"reported_on": str(TODAY)})
    assert again.status_code == 422

    placement = _placement(app, home, placement_id)
    assert placement.status == PlacementStatus.ACTIVE and placement.reported_on == TODAY
    assert inflow.township.name in placement.reported_by
    with app.app_context():
        for tw, action in ((inflow, "inflow.confirmed"), (home, "placement.reported")):
            with tenant_context(tw.township.id):
                assert db.session.scalar(
                    select(func.count(AuditLog.id)).where(
                        AuditLog.action == action, AuditLog.tenant_id == tw.township.id
                    )
                )
        with tenant_context(home.township.id):
            do_end(
                db.session,
                None,
                db.session.get(Placement, placement_id),
                {"closed_on": TODAY, "end_reason": "moved_on"},
            )
            db.session.remove()
    (row,) = _inflow_rows(app, inflow)
    assert row.status == PlacementStatus.ENDED and row.closed_on == TODAY


def test_only_the_inflow_branch_and_its_township_see_the_member(app, client, world):
    home, inflow = world.a, world.a2
    with app.app_context():
        place_across(home, home.member.id, publish(inflow, inflow.branch.id))
    (row,) = _inflow_rows(app, inflow)
    other_branch = app.test_client()
    login(other_branch, inflow.users[Role.COMMITTEE_MEMBER])  # no inflow.manage
    assert other_branch.get(f"/t/{inflow.township.slug}/inflow/").status_code == 403
    third = app.test_client()
    login(third, world.b.users[Role.TOWNSHIP_ADMIN])
    listing = third.get(f"/t/{world.b.township.slug}/inflow/").get_data(as_text=True)
    assert home.member.name not in listing
    confirm = f"/t/{world.b.township.slug}/inflow/{row.id}/confirm"
    assert third.post(confirm, data={"reported_on": str(TODAY)}).status_code == 404
    assert third.get(f"/t/{inflow.township.slug}/inflow/").status_code == 404
    coordinator = app.test_client()
    login(coordinator, world.coordinator_b)
    assert coordinator.get(f"/t/{inflow.township.slug}/inflow/").status_code == 404
    assert _inflow_rows(app, world.b) == []
    # the home township reads nothing of the inflow township's rows
    assert _inflow_rows(app, home) == []


def test_the_inflow_branch_refuses_only_when_the_certificate_fails(app, client, world):
    home, inflow = world.a, world.a2
    with app.app_context():
        org_id = publish(inflow, inflow.branch.id)
        placement_id = place_across(home, home.member.id, org_id)
    issue(app, home)  # issued ten days ago: valid and not yet due for verification
    (row,) = _inflow_rows(app, inflow)
    login(client, inflow.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{inflow.township.slug}/inflow/{row.id}/refuse"
    page = client.get(url).get_data(as_text=True)
    assert "有效且按期验证，不能拒收" in page
    held = client.post(url, data={"reason": "不想接收"})
    assert held.status_code == 422 and "不能拒收，请确认报到" in held.get_data(as_text=True)
    assert _placement(app, home, placement_id).status == PlacementStatus.PENDING

    with app.app_context():
        other_id = place_across(home, home.other_member.id, org_id)  # no certificate at all
    row = next(r for r in _inflow_rows(app, inflow) if r.placement_id == other_id)
    url = f"/t/{inflow.township.slug}/inflow/{row.id}/refuse"
    assert "没有流动党员证" in client.get(url).get_data(as_text=True)
    empty = client.post(url, data={"reason": ""})
    assert empty.status_code == 422 and "请写明拒收原因" in empty.get_data(as_text=True)
    assert client.post(url, data={"reason": "到支部报到时未能出示流动党员证"}).status_code == 302
    refused = _placement(app, home, other_id)
    assert refused.status == PlacementStatus.ENDED and refused.end_reason.value == "refused"
    assert "没有流动党员证" in refused.note and inflow.township.name in refused.note
    with app.app_context(), tenant_context(home.township.id):
        assert db.session.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.action == "placement.refused")
        )
    home_page = app.test_client()
    login(home_page, home.users[Role.TOWNSHIP_ADMIN])
    member_page = home_page.get(f"/t/{home.township.slug}/members/{home.other_member.id}")
    assert "流入地拒收" in member_page.get_data(as_text=True)
    # the home township's officer and its county coordinator are told, once, with the reason
    for _ in range(2):
        run(app, home.township, datetime.now(UTC))
    told = messages(app, home.township, "placement.refused")
    assert {(m.recipient_kind.value, m.recipient_id) for m in told} == {
        ("user", home.users[Role.TOWNSHIP_ADMIN].id),
        ("user", world.coordinator_a.id),
    }
    assert len(told) == 2 and "未能出示流动党员证" in told[0].body
