"""One fact is entered once: attendance and contacts complete 三个一 items, idempotently.

Also: removing the source (absence, cancellation, deleting the contact) reverts an item nobody
confirmed by hand; an item entered by hand is never overwritten; every change is audited; the
branch confirms a member's own 思想汇报; another township's member cannot be touched.
"""

from datetime import date, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.activities.helpers import activity
from tests.duties.helpers import mobile_member, trip
from tests.factories import TownshipWorld, login, make_branch
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.duties.models import Contact, ThreeOnesItem, ThreeOnesKind, ThreeOnesStatus
from webapp.duties.periods import half_of
from webapp.extensions import db

TODAY = date.today()
HALF = half_of(TODAY)


def _item(app, tw: TownshipWorld, member_id: int, kind: ThreeOnesKind) -> dict | None:
    with app.app_context(), tenant_context(tw.township.id):
        row = db.session.scalar(
            select(ThreeOnesItem).where(
                ThreeOnesItem.member_id == member_id,
                ThreeOnesItem.half == HALF.key,
                ThreeOnesItem.kind == kind,
            )
        )
        if row is None:
            return None
        return {
            "id": row.id,
            "status": row.status,
            "note": row.note,
            "happened_on": row.happened_on,
            "source": (row.source_kind, row.source_id),
            "by_member": row.by_member,
        }


def _actions(app, tw: TownshipWorld, member_id: int) -> list[str]:
    with app.app_context(), tenant_context(tw.township.id):
        return list(
            db.session.scalars(
                select(AuditLog.action)
                .where(
                    AuditLog.entity_type == "member",
                    AuditLog.entity_id == member_id,
                    AuditLog.action.like("three_ones.%"),
                )
                .order_by(AuditLog.id)
            )
        )


def _attend(client, tw: TownshipWorld, activity_id: int, member_id: int, mode: str, **extra):
    data = {f"mode_{member_id}": mode, **extra}
    url = f"/t/{tw.township.slug}/activities/{activity_id}/attendance"
    return client.post(url, data=data)


def test_attendance_completes_the_activity_item_once_and_absence_reverts_it(
    app, client, world
) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=40))
        inflow = make_branch(tw.township, name=f"流入地支部{member.id}")
        meeting = activity(tw.branch, TODAY, title=f"五月主题党日{member.id}")
    login(client, tw.users[Role.BRANCH_SECRETARY])
    at_inflow = {f"branch_{member.id}": str(inflow.id)}
    assert _attend(client, tw, meeting, member.id, "inflow", **at_inflow).status_code == 302
    item = _item(app, tw, member.id, ThreeOnesKind.ACTIVITY)
    assert item is not None and item["status"] == ThreeOnesStatus.DONE
    assert item["happened_on"] == TODAY and f"五月主题党日{member.id}" in item["note"]
    assert item["source"][0] == "attendance" and not item["by_member"]
    # saving the same attendance again changes nothing and writes no second entry
    assert _attend(client, tw, meeting, member.id, "inflow", **at_inflow).status_code == 302
    assert _item(app, tw, member.id, ThreeOnesKind.ACTIVITY) == item
    assert _actions(app, tw, member.id) == ["three_ones.linked"]
    # the 三个一 page says where it came from, with a link to the activity
    page = client.get(f"/t/{tw.township.slug}/three-ones/members/{member.id}").get_data(True)
    assert f"来自：五月主题党日{member.id} {TODAY} 签到" in page
    assert f"/activities/{meeting}" in page
    # online attendance still counts (the note follows); marking absent takes it away
    assert _attend(client, tw, meeting, member.id, "online").status_code == 302
    assert "线上参加" in _item(app, tw, member.id, ThreeOnesKind.ACTIVITY)["note"]
    absent = {f"explanation_{member.id}": "加班无法请假"}
    assert _attend(client, tw, meeting, member.id, "absent", **absent).status_code == 302
    assert _item(app, tw, member.id, ThreeOnesKind.ACTIVITY) is None
    assert _actions(app, tw, member.id) == [
        "three_ones.linked",
        "three_ones.linked",
        "three_ones.unlinked",
    ]


def test_a_second_activity_takes_over_when_the_first_is_cancelled(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=40))
        first = activity(tw.branch, TODAY, title="学习会一")
        second = activity(tw.branch, TODAY, title="学习会二")
    login(client, tw.users[Role.BRANCH_SECRETARY])
    assert _attend(client, tw, first, member.id, "online").status_code == 302
    linked = _item(app, tw, member.id, ThreeOnesKind.ACTIVITY)
    assert _attend(client, tw, second, member.id, "home").status_code == 302
    assert _item(app, tw, member.id, ThreeOnesKind.ACTIVITY) == linked  # the first stays
    url = f"/t/{tw.township.slug}/activities/{first}/cancel"
    assert client.post(url, data={"reason": "暴雨改期"}).status_code == 302
    moved = _item(app, tw, member.id, ThreeOnesKind.ACTIVITY)
    assert moved["id"] == linked["id"] and "学习会二" in moved["note"]
    assert moved["source"] != linked["source"]


def test_an_item_entered_by_hand_is_never_overwritten_or_reverted(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=40))
        meeting = activity(tw.branch, TODAY, title="组织生活会")
    slug = tw.township.slug
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    by_hand = {
        "half": HALF.key,
        "kind": "activity",
        "status": "explained",
        "explanation": "在外地工地上夜班，无法请假参加本次活动",
    }
    assert client.post(f"/t/{slug}/three-ones/members/{member.id}", data=by_hand).status_code == 302
    before = _item(app, tw, member.id, ThreeOnesKind.ACTIVITY)
    login(client, tw.users[Role.BRANCH_SECRETARY])
    assert _attend(client, tw, meeting, member.id, "home").status_code == 302
    assert _item(app, tw, member.id, ThreeOnesKind.ACTIVITY) == before
    assert _actions(app, tw, member.id) == ["three_ones.recorded"]


def test_confirming_an_auto_item_by_hand_keeps_it_after_the_source_goes(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=40))
        meeting = activity(tw.branch, TODAY, title="主题党日")
    slug = tw.township.slug
    login(client, tw.users[Role.BRANCH_SECRETARY])
    assert _attend(client, tw, meeting, member.id, "online").status_code == 302
    item = _item(app, tw, member.id, ThreeOnesKind.ACTIVITY)
    confirm = {
        "activity-half": HALF.key,
        "activity-kind": "activity",
        "activity-status": "done",
        "activity-happened_on": TODAY.isoformat(),
        "activity-note": item["note"],
    }
    url = f"/t/{slug}/three-ones/members/{member.id}"
    assert client.post(url, data=confirm).status_code == 302
    assert _item(app, tw, member.id, ThreeOnesKind.ACTIVITY)["source"] == ("", None)
    absent = {f"explanation_{member.id}": "临时加班"}
    assert _attend(client, tw, meeting, member.id, "absent", **absent).status_code == 302
    kept = _item(app, tw, member.id, ThreeOnesKind.ACTIVITY)
    assert kept is not None and kept["status"] == ThreeOnesStatus.DONE


def _log(client, tw: TownshipWorld, member_id: int, channel: str = "phone"):
    data = {
        "contacted_on": TODAY.isoformat(),
        "channel": channel,
        "substance": "电话了解务工情况，传达支部的学习安排。",
    }
    return client.post(f"/t/{tw.township.slug}/duties/members/{member_id}/contacts/new", data=data)


def test_a_logged_call_completes_the_call_item_and_deleting_it_reverts(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=40))
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    assert _log(client, tw, member.id, "letter").status_code == 302
    assert _item(app, tw, member.id, ThreeOnesKind.CALL) is None  # a letter is not a call
    assert _log(client, tw, member.id, "video").status_code == 302
    item = _item(app, tw, member.id, ThreeOnesKind.CALL)
    assert item is not None and item["source"][0] == "contact" and "视频" in item["note"]
    assert _log(client, tw, member.id, "visit").status_code == 302
    assert _item(app, tw, member.id, ThreeOnesKind.CALL) == item  # no second item, no change
    # the quarter's contact duty is met as well
    quarter = client.get(f"/t/{tw.township.slug}/duties/branches/{tw.branch.id}").get_data(True)
    row = quarter.split(f'data-member="{member.id}"')[1].split("</tr>")[0]
    assert "state-done" in row
    page = client.get(f"/t/{tw.township.slug}/three-ones/members/{member.id}").get_data(True)
    assert f"来自：{TODAY} 视频联系记录" in page
    with app.app_context(), tenant_context(tw.township.id):
        ids = list(db.session.scalars(select(Contact.id).where(Contact.member_id == member.id)))
    slug = tw.township.slug
    assert client.post(f"/t/{slug}/duties/contacts/{item['source'][1]}/delete").status_code == 302
    moved = _item(app, tw, member.id, ThreeOnesKind.CALL)
    assert moved["source"][0] == "contact" and "上门走访" in moved["note"]
    for contact_id in ids:
        client.post(f"/t/{slug}/duties/contacts/{contact_id}/delete")
    assert _item(app, tw, member.id, ThreeOnesKind.CALL) is None
    actions = _actions(app, tw, member.id)
    assert actions[0] == "three_ones.linked" and actions[-1] == "three_ones.unlinked"


def test_the_branch_confirms_a_members_own_thought_report(app, client, world) -> None:
    tw = world.a
    member = tw.member  # the member account's own record
    with app.app_context():
        trip(member, TODAY - timedelta(days=30))
    slug = tw.township.slug
    login(client, tw.users[Role.MEMBER])
    report = {
        "half": HALF.key,
        "kind": "letter",
        "status": "done",
        "happened_on": TODAY.isoformat(),
        "note": "思想汇报：在外务工期间的学习体会",
    }
    assert client.post(f"/t/{slug}/three-ones/mine", data=report).status_code == 302
    assert _item(app, tw, member.id, ThreeOnesKind.LETTER)["by_member"]
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    page = client.get(f"/t/{slug}/three-ones/members/{member.id}").get_data(True)
    assert "确认本人提交" in page
    url = f"/t/{slug}/three-ones/members/{member.id}/confirm"
    assert client.post(url, data={"half": HALF.key, "kind": "letter"}).status_code == 302
    item = _item(app, tw, member.id, ThreeOnesKind.LETTER)
    assert not item["by_member"] and item["source"] == ("member", None)
    assert "思想汇报" in item["note"]
    assert "three_ones.confirmed" in _actions(app, tw, member.id)
    page = client.get(f"/t/{slug}/three-ones/members/{member.id}").get_data(True)
    assert "来自：党员本人提交，支部已确认" in page
    # nothing left to confirm: a clear message, no change
    client.post(url, data={"half": HALF.key, "kind": "letter"})
    assert _actions(app, tw, member.id).count("three_ones.confirmed") == 1
    # the member can no longer change it
    login(client, tw.users[Role.MEMBER])
    again = {**report, "note": "改过的内容"}
    assert client.post(f"/t/{slug}/three-ones/mine", data=again).status_code == 422
    # a bad kind is refused with a message, nothing written
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    response = client.post(url, data={"half": HALF.key, "kind": "nope"}, follow_redirects=True)
    assert "请选择三个一中的哪一项" in response.get_data(True)


def test_another_townships_member_cannot_be_confirmed(app, client, world) -> None:
    login(client, world.b.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{world.b.township.slug}/three-ones/members/{world.a.member.id}/confirm"
    assert client.post(url, data={"half": HALF.key, "kind": "letter"}).status_code == 404
