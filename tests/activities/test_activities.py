"""Branch life: scheduling, attendance (home, inflow, online, absent), rates, cancel, API."""

from datetime import date, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.activities.helpers import activity, auth, count
from tests.factories import login, make_branch, make_member
from webapp.activities.models import Activity, Attendance, AttendanceMode
from webapp.activities.queries import attended_activity, branch_rates, member_rates
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.branches.models import BranchKind
from webapp.extensions import db

TODAY = date.today()
PAST = TODAY - timedelta(days=3)


def _form(branch: int, **extra: str) -> dict[str, str]:
    data = {
        "branch_id": str(branch),
        "kind": "homecoming_training",
        "title": "春节返乡党员培训",
        "held_on": TODAY.isoformat(),
        "start_time": "09:30",
        "place": "镇党校",
    }
    data.update(extra)
    return data


def test_schedule_activity_and_bad_input_writes_nothing(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.BRANCH_SECRETARY])
    base = f"/t/{tw.township.slug}/activities"
    for bad, field, message in (
        ({"title": ""}, "title", "请填写活动主题"),
        ({"held_on": "2026-13-40"}, "held_on", ""),
        ({"place": "", "online_link": ""}, "place", "请填写活动地点，或填写线上链接"),
        ({"online_link": "ftp://x"}, "online_link", "线上链接应以"),
        ({"branch_id": str(tw.other_branch.id)}, "branch_id", "只能为本支部安排活动"),
    ):
        response = client.post(f"{base}/new", data=_form(tw.branch.id, **bad))
        body = response.get_data(as_text=True)
        assert response.status_code == 422, bad
        assert f'data-field="{field}"' in body and message in body
    assert count(app, tw.township.id, Activity) == 0
    response = client.post(f"{base}/new", data=_form(tw.branch.id))
    assert response.status_code == 302
    listing = client.get(f"{base}/?q=返乡").get_data(as_text=True)
    assert "春节返乡党员培训" in listing and "返乡培训" in listing
    with app.app_context(), tenant_context(tw.township.id):
        audit = db.session.scalars(
            select(AuditLog.action).where(AuditLog.tenant_id == tw.township.id)
        ).all()
        assert "activity.scheduled" in audit


def test_empty_list_says_what_to_do(app, client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    body = client.get(f"/t/{world.a.township.slug}/activities/").get_data(as_text=True)
    assert "还没有安排组织生活" in body and "安排活动" in body


def test_attendance_modes_and_rates(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        mobile = make_branch(tw.township, "上海临时流动党支部", kind=BranchKind.MOBILE)
        second = make_member(tw.township, tw.branch, name="李在外")
        third = make_member(tw.township, tw.branch, name="王线上")
        first_id = activity(tw.branch, PAST)
        activity(tw.branch, PAST - timedelta(days=30))
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    url = f"/t/{tw.township.slug}/activities/{first_id}/attendance"
    # absent without an explanation: refused, nothing written
    bad = client.post(url, data={f"mode_{tw.member.id}": "home", f"mode_{second.id}": "absent"})
    assert bad.status_code == 422 and "缺席的，请填写党员说明的原因" in bad.get_data(as_text=True)
    # inflow without a branch: refused
    bad = client.post(url, data={f"mode_{second.id}": "inflow"})
    assert bad.status_code == 422 and "流入地支部" in bad.get_data(as_text=True)
    assert count(app, tw.township.id, Attendance) == 0
    good = client.post(
        url,
        data={
            f"mode_{tw.member.id}": "home",
            f"mode_{second.id}": "inflow",
            f"branch_{second.id}": str(mobile.id),
            f"mode_{third.id}": "absent",
            f"explanation_{third.id}": "在外地加班，已向支部书面说明",
        },
    )
    assert good.status_code == 302
    page = client.get(f"/t/{tw.township.slug}/activities/{first_id}").get_data(as_text=True)
    assert "上海临时流动党支部" in page and "已向支部书面说明" in page
    with app.app_context(), tenant_context(tw.township.id):
        modes = {a.member_id: a for a in db.session.scalars(select(Attendance))}
        assert modes[second.id].mode == AttendanceMode.INFLOW
        assert modes[second.id].at_branch_id == mobile.id
        start, end = date(PAST.year - 1, 1, 1), TODAY
        rows = {r[0].id: r[2:] for r in db.session.execute(member_rates(db.session, start, end))}
        assert rows[tw.member.id] == (2, 1, 0)  # two held activities, attended one
        assert rows[third.id] == (2, 0, 1)
        rate = dict((b.id, r) for b, r in branch_rates(db.session, start, end))[tw.branch.id]
        assert (rate.expected, rate.attended, rate.absent) == (6, 2, 1)
        assert rate.percent == 33.3
        assert attended_activity(db.session, second.id, PAST, PAST)
        assert not attended_activity(db.session, third.id, start, end)
        assert not attended_activity(db.session, tw.member.id, TODAY, TODAY)
    rates = client.get(f"/t/{tw.township.slug}/activities/rates?start=2020-01-01")
    assert rates.status_code == 200 and "李在外" in rates.get_data(as_text=True)
    assert client.get(f"/t/{tw.township.slug}/activities/rates?start=2020-02-30").status_code == 400


def test_cancel_needs_reason_and_leaves_rates(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        activity_id = activity(tw.branch, PAST)
    login(client, tw.users[Role.BRANCH_SECRETARY])
    page = client.get(f"/t/{tw.township.slug}/activities/{activity_id}").get_data(as_text=True)
    assert "确认取消" in page  # the confirmation step
    url = f"/t/{tw.township.slug}/activities/{activity_id}/cancel"
    assert client.post(url, data={"reason": ""}).status_code == 422
    assert client.post(url, data={"reason": "暴雨，改期"}).status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        rows = {r[0].id: r[2] for r in db.session.execute(member_rates(db.session, PAST, TODAY))}
        assert rows[tw.member.id] == 0
    again = client.post(
        f"/t/{tw.township.slug}/activities/{activity_id}/attendance",
        data={f"mode_{tw.member.id}": "home"},
    )
    assert again.status_code == 422 and "活动已取消" in again.get_data(as_text=True)


def test_foreign_activity_and_member_are_404(app, client, world) -> None:
    with app.app_context():
        victim = activity(world.a.branch, PAST)
    login(client, world.b.users[Role.TOWNSHIP_ADMIN])
    slug = world.b.township.slug
    assert client.get(f"/t/{slug}/activities/{victim}").status_code == 404
    with app.app_context():
        own = activity(world.b.branch, PAST)
    foreign = client.post(
        f"/t/{slug}/activities/{own}/attendance", data={f"mode_{world.a.member.id}": "home"}
    )
    assert foreign.status_code == 422 and "不在本支部名册中" in foreign.get_data(as_text=True)
    assert count(app, world.a.township.id, Attendance) == 0


def test_api_schedule_attend_and_rates(app, client, world) -> None:
    tw = world.a
    headers = auth(app, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/api/v1/t/{tw.township.slug}"
    bad = client.post(f"{base}/activities", json={"branch_id": tw.branch.id}, headers=headers)
    assert bad.status_code == 422
    body = {
        "branch_id": tw.branch.id,
        "kind": "study",
        "title": "学习党章",
        "held_on": TODAY.isoformat(),
        "online_link": "https://meeting.example.cn/123",
    }
    made = client.post(f"{base}/activities", json=body, headers=headers)
    assert made.status_code == 201 and made.get_json()["kind_label"] == "学习"
    activity_id = made.get_json()["id"]
    entries = [{"member_id": tw.member.id, "mode": "online"}]
    recorded = client.post(
        f"{base}/activities/{activity_id}/attendance", json={"entries": entries}, headers=headers
    )
    assert recorded.status_code == 200 and recorded.get_json()[0]["mode"] == "online"
    missing = client.post(
        f"{base}/activities/{activity_id}/attendance",
        json={"entries": [{"member_id": tw.member.id, "mode": "absent"}]},
        headers=headers,
    )
    assert missing.status_code == 422
    assert "缺席" in str(missing.get_json())
    rates = client.get(f"{base}/attendance-rates?branch_id={tw.branch.id}", headers=headers)
    row = next(r for r in rates.get_json()["items"] if r["member_id"] == tw.member.id)
    assert (row["expected"], row["attended"], row["rate"]) == (1, 1, 100.0)
    listed = client.get(f"{base}/activities?q=党章", headers=headers).get_json()
    assert listed["meta"]["total"] == 1
    cancelled = client.post(
        f"{base}/activities/{activity_id}/cancel", json={"reason": "改期"}, headers=headers
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["cancelled"] is True
