"""流入地记录 of branch life complete the member's 三个一 参加一次支部活动, as attendance does:
once (the same facts again change nothing), with the source shown and linked at home; absence
does not count; the item follows the records (an attendance at home takes over, and with no
qualifying record left it is withdrawn); an item entered by hand is never touched."""

import io
from datetime import date, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.activities.helpers import activity
from tests.certificates.helpers import issue
from tests.directory.helpers import add_organisation
from tests.factories import TownshipWorld, login
from tests.placements.helpers import place_across, publish, send_away
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.duties.links import sync_for
from webapp.duties.models import ThreeOnesItem, ThreeOnesKind, ThreeOnesStatus
from webapp.duties.periods import half_of
from webapp.extensions import db
from webapp.members.models import Member
from webapp.placements import crossing
from webapp.placements.models import InflowMember, InflowRecord
from webapp.placements.services import do_place, do_report_in

TODAY = date.today()
HALF = half_of(TODAY)


def _reported(app, home: TownshipWorld, inflow: TownshipWorld) -> tuple[int, str]:
    """home's member placed at inflow's branch and reported in: (placement id, records URL)."""
    with app.app_context():
        issue(app, home)
        placement_id = place_across(home, home.member.id, publish(inflow, inflow.branch.id))
        with tenant_context(inflow.township.id):
            row = db.session.scalar(
                select(InflowMember).where(InflowMember.placement_id == placement_id)
            )
            crossing.confirm_report_in(db.session, None, inflow.township, row, TODAY)
            url = f"/t/{inflow.township.slug}/inflow/{row.id}/records"
            db.session.remove()
    return placement_id, url


def _life(title: str, outcome: str = "参加") -> dict[str, str]:
    return {"kind": "activity", "title": title, "outcome": outcome, "happened_on": str(TODAY)}


def _item(app, tw: TownshipWorld) -> dict | None:
    with app.app_context(), tenant_context(tw.township.id):
        row = db.session.scalar(
            select(ThreeOnesItem).where(
                ThreeOnesItem.member_id == tw.member.id,
                ThreeOnesItem.half == HALF.key,
                ThreeOnesItem.kind == ThreeOnesKind.ACTIVITY,
            )
        )
        found = row and {
            "id": row.id,
            "status": row.status,
            "note": row.note,
            "happened_on": row.happened_on,
            "source": (row.source_kind, row.source_id),
        }
        db.session.remove()
    return found


def _actions(app, tw: TownshipWorld) -> list[str]:
    with app.app_context(), tenant_context(tw.township.id):
        actions = list(
            db.session.scalars(
                select(AuditLog.action)
                .where(
                    AuditLog.entity_type == "member",
                    AuditLog.entity_id == tw.member.id,
                    AuditLog.action.like("three_ones.%"),
                )
                .order_by(AuditLog.id)
            )
        )
        db.session.remove()
    return actions


def _record_ids(app, tw: TownshipWorld) -> list[int]:
    with app.app_context(), tenant_context(tw.township.id):
        ids = list(
            db.session.scalars(
                select(InflowRecord.id)
                .where(InflowRecord.member_id == tw.member.id)
                .order_by(InflowRecord.id)
            )
        )
        db.session.remove()
    return ids


def _resync(app, tw: TownshipWorld, delete: int | None = None) -> None:
    """Bring the item in step with the records, after deleting the inflow record `delete`."""
    with app.app_context(), tenant_context(tw.township.id):
        if delete is not None:
            db.session.delete(db.session.get(InflowRecord, delete))
        member = db.session.get(Member, tw.member.id)
        sync_for(db.session, None, member, ThreeOnesKind.ACTIVITY, TODAY)
        db.session.commit()
        db.session.remove()


def test_branch_life_at_the_inflow_branch_completes_the_item_once(app, world) -> None:
    home, inflow = world.a, world.a2
    placement_id, url = _reported(app, home, inflow)
    host, sender = app.test_client(), app.test_client()
    login(host, inflow.users[Role.BRANCH_SECRETARY])
    login(sender, home.users[Role.TOWNSHIP_ADMIN])

    for outcome in ("缺席（已请假）", "缺席"):
        assert host.post(url, data=_life("园区党课", outcome)).status_code == 302
    assert _item(app, home) is None  # absence is no 参加一次支部活动
    assert host.post(url, data=_life("十二月主题党日")).status_code == 302
    item = _item(app, home)
    assert item is not None and item["status"] == ThreeOnesStatus.DONE
    assert item["happened_on"] == TODAY and item["source"][0] == "inflow_record"
    assert item["source"][1] == _record_ids(app, home)[-1]
    assert "十二月主题党日" in item["note"] and inflow.branch.name in item["note"]
    # another record of the same day, and the same sync again, change nothing
    assert host.post(url, data=_life("十二月学习会")).status_code == 302
    _resync(app, home)
    assert _item(app, home) == item
    assert _actions(app, home) == ["three_ones.linked"]

    page = sender.get(f"/t/{home.township.slug}/three-ones/members/{home.member.id}")
    text = page.get_data(as_text=True)
    assert f"来自：{TODAY} {inflow.branch.name}的流入地记录（十二月主题党日）" in text
    assert f"/placements/{placement_id}/records" in text and 'data-source="inflow_record"' in text
    # the inflow branch manages the member's branch life, not their home 三个一 page
    three_ones = f"/t/{inflow.township.slug}/three-ones/members/{home.member.id}"
    assert host.get(three_ones).status_code == 404


def test_the_item_follows_the_records_and_is_withdrawn_when_none_is_left(app, world) -> None:
    home, inflow = world.a, world.a2
    _, url = _reported(app, home, inflow)
    meeting = activity(home.branch, TODAY, title="线上主题党日")
    host, sender = app.test_client(), app.test_client()
    login(host, inflow.users[Role.BRANCH_SECRETARY])
    login(sender, home.users[Role.BRANCH_SECRETARY])
    attend = f"/t/{home.township.slug}/activities/{meeting}/attendance"
    assert sender.post(attend, data={f"mode_{home.member.id}": "online"}).status_code == 302
    by_attendance = _item(app, home)
    assert by_attendance["source"][0] == "attendance"
    assert host.post(url, data=_life("园区支部学习")).status_code == 302
    assert _item(app, home) == by_attendance  # the attendance of the same day stays the source

    absent = {f"mode_{home.member.id}": "absent", f"explanation_{home.member.id}": "加班"}
    assert sender.post(attend, data=absent).status_code == 302
    moved = _item(app, home)
    assert moved["id"] == by_attendance["id"] and moved["source"][0] == "inflow_record"
    assert "园区支部学习" in moved["note"]

    (record_id,) = _record_ids(app, home)
    _resync(app, home, delete=record_id)
    assert _item(app, home) is None
    assert _actions(app, home) == [
        "three_ones.linked",
        "three_ones.linked",
        "three_ones.unlinked",
    ]


def test_an_item_entered_by_hand_is_never_touched_by_inflow_records(app, world) -> None:
    home, inflow = world.a, world.a2
    _, url = _reported(app, home, inflow)
    officer, host = app.test_client(), app.test_client()
    login(officer, home.users[Role.COMMITTEE_MEMBER])
    login(host, inflow.users[Role.BRANCH_SECRETARY])
    by_hand = {
        "half": HALF.key,
        "kind": "activity",
        "status": "explained",
        "explanation": "在外地工地上夜班，无法请假参加本次活动",
    }
    page = f"/t/{home.township.slug}/three-ones/members/{home.member.id}"
    assert officer.post(page, data=by_hand).status_code == 302
    before = _item(app, home)
    assert host.post(url, data=_life("园区党课")).status_code == 302
    (record_id,) = _record_ids(app, home)
    _resync(app, home, delete=record_id)
    assert _item(app, home) == before and before["status"] == ThreeOnesStatus.EXPLAINED
    assert _actions(app, home) == ["three_ones.recorded"]


def test_an_off_platform_report_entered_at_home_completes_the_item(app, world) -> None:
    home = world.a
    with app.app_context():
        send_away(home, home.member.id)
        organisation = add_organisation(home)
        with tenant_context(home.township.id):
            member = db.session.get(Member, home.member.id)
            placed = {"organisation_id": organisation.id, "placed_on": TODAY - timedelta(days=1)}
            placement = do_place(db.session, None, member, placed)
            do_report_in(db.session, None, placement, {"reported_on": TODAY, "reported_by": "李"})
            placement_id, name = placement.id, organisation.name
            db.session.remove()
    sender = app.test_client()
    login(sender, home.users[Role.TOWNSHIP_ADMIN])
    report = {**_life("企业支部组织生活"), "scan": (io.BytesIO(b"%PDF-1.4 report"), "r.pdf")}
    url = f"/t/{home.township.slug}/placements/{placement_id}/records"
    assert sender.post(url, data=report, content_type="multipart/form-data").status_code == 302
    item = _item(app, home)
    assert item["source"][0] == "inflow_record" and name in item["note"]
    assert _actions(app, home) == ["three_ones.linked"]
