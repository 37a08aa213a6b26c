"""Issue 10: while placed, the inflow branch records attendance, 三个一 it witnessed, the
certificate checked, dues paid there and its assessment, for that member only; the home
township sees every record; an off-platform organisation's report is entered at home with a
scan. Bad records change nothing."""

import io
from datetime import date

from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.certificates.helpers import issue
from tests.factories import login
from tests.placements.helpers import place_across, publish
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.certificates.models import Certificate
from webapp.extensions import db
from webapp.placements import crossing
from webapp.placements.models import InflowMember, InflowRecord, Placement

TODAY = date.today()


def _reported(app, home, inflow) -> tuple[int, int]:
    """home's member placed at inflow's branch and reported in: (placement id, inflow row id)."""
    with app.app_context():
        placement_id = place_across(home, home.member.id, publish(inflow, inflow.branch.id))
        with tenant_context(inflow.township.id):
            row = db.session.scalar(
                select(InflowMember).where(InflowMember.placement_id == placement_id)
            )
            crossing.confirm_report_in(db.session, None, inflow.township, row, TODAY)
            row_id = row.id
            db.session.remove()
    return placement_id, row_id


def _count(app, tw) -> int:
    with app.app_context(), tenant_context(tw.township.id):
        n = db.session.scalar(select(func.count(InflowRecord.id)))
        db.session.remove()
    return n


def test_the_inflow_branch_records_and_the_home_township_sees_it(app, world):
    home, inflow = world.a, world.a2
    issue(app, home)
    placement_id, row_id = _reported(app, home, inflow)
    host, sender = app.test_client(), app.test_client()
    login(host, inflow.users[Role.BRANCH_SECRETARY])
    login(sender, home.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{inflow.township.slug}/inflow/{row_id}/records"
    before = _count(app, home)
    bad = host.post(url, data={"kind": "activity", "happened_on": str(TODAY), "outcome": "来了"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "请填写活动名称" in body and "请选择：参加" in body
    assert _count(app, home) == before
    for data in (
        {"kind": "activity", "title": "十二月主题党日", "outcome": "参加"},
        {"kind": "three_ones", "title": "一次思想汇报"},
        {"kind": "verification"},
        {"kind": "dues", "amount": "36.50", "title": "2026年10月至12月"},
        {"kind": "assessment", "outcome": "优秀", "note": "积极参加园区党建活动"},
    ):
        done = host.post(url, data={**data, "happened_on": str(TODAY)})
        assert done.status_code == 302, done.get_data(as_text=True)[-2000:]
    assert _count(app, home) == before + 5
    page = host.get(url).get_data(as_text=True)
    assert home.member.phone in page and "有效" in page  # phone and certificate state, read at home
    with app.app_context(), tenant_context(home.township.id):
        viewed = db.session.scalar(
            select(func.count(AuditLog.id)).where(
                AuditLog.action == "member.viewed_by_inflow",
                AuditLog.entity_id == home.member.id,
            )
        )
        db.session.remove()
    assert viewed >= 2
    assert _count(app, inflow) == 0  # the records are the home township's rows
    page = sender.get(f"/t/{home.township.slug}/placements/{placement_id}/records")
    text = page.get_data(as_text=True)
    assert "十二月主题党日" in text and "36.50元" in text and "优秀" in text
    assert inflow.township.name in text
    # the inflow branch may not add records itself at home; the home page has no form for it
    assert 'name="kind"' not in text
    with app.app_context(), tenant_context(home.township.id):
        cert = db.session.scalar(select(Certificate).where(Certificate.member_id == home.member.id))
        assert cert.last_verified_on == TODAY
        db.session.remove()


def test_off_platform_reports_are_entered_at_home_with_a_scan(app, world):
    from tests.directory.helpers import add_organisation
    from tests.placements.helpers import send_away
    from webapp.members.models import Member
    from webapp.placements.services import do_place, do_report_in

    home = world.a
    with app.app_context():
        send_away(home, home.member.id)
        organisation = add_organisation(home)
        with tenant_context(home.township.id):
            member = db.session.get(Member, home.member.id)
            placement = do_place(
                db.session, None, member, {"organisation_id": organisation.id, "placed_on": TODAY}
            )
            do_report_in(db.session, None, placement, {"reported_on": TODAY, "reported_by": "李"})
            placement_id = placement.id
            db.session.remove()
    sender = app.test_client()
    login(sender, home.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{home.township.slug}/placements/{placement_id}/records"
    data = {"kind": "activity", "title": "支部学习", "outcome": "参加", "happened_on": str(TODAY)}
    before = _count(app, home)
    missing = sender.post(url, data=data)
    assert missing.status_code == 422 and "扫描件" in missing.get_data(as_text=True)
    done = sender.post(
        url,
        data={**data, "scan": (io.BytesIO(b"%PDF-1.4 report"), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    assert _count(app, home) == before + 1
    with app.app_context(), tenant_context(home.township.id):
        row = db.session.scalar(
            select(InflowRecord).where(InflowRecord.placement_id == placement_id)
        )
        assert row.scan == b"%PDF-1.4 report" and "代录" in row.recorded_by
        assert db.session.get(Placement, placement_id).status.value == "active"
        db.session.remove()


def test_a_third_township_cannot_reach_the_records(app, world):
    home, inflow = world.a, world.a2
    placement_id, row_id = _reported(app, home, inflow)
    outsider = app.test_client()
    login(outsider, world.b.users[Role.TOWNSHIP_ADMIN])
    assert outsider.get(f"/t/{inflow.township.slug}/inflow/{row_id}/records").status_code == 404
    assert outsider.get(f"/t/{world.b.township.slug}/inflow/{row_id}/records").status_code == 404
    assert (
        outsider.get(f"/t/{world.b.township.slug}/placements/{placement_id}/records").status_code
        == 404
    )
