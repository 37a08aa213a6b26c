"""三个一: officers record, members submit their own (only their own), boards show each state."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.duties.helpers import mobile_member, trip
from tests.factories import login, make_member, make_user
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.duties.board import compute_board
from webapp.duties.models import ThreeOnesItem, ThreeOnesKind
from webapp.duties.periods import Half, half_of
from webapp.duties.services import DutyInvalid
from webapp.duties.three_ones import do_record_item, do_submit_own
from webapp.extensions import db

TODAY = date.today()
HALF = half_of(TODAY)


def _done(kind: str = "activity", **extra: str) -> dict[str, str]:
    data = {
        "half": HALF.key,
        "kind": kind,
        "status": "done",
        "happened_on": TODAY.isoformat(),
        "note": "七一主题党日（视频参加）",
    }
    data.update(extra)
    return data


def _items(app, tw) -> int:
    with app.app_context(), tenant_context(tw.township.id):
        return db.session.scalar(select(func.count(ThreeOnesItem.id))) or 0


def test_officer_records_and_member_submits_their_own(app, client, world) -> None:
    tw = world.a
    member = tw.member
    with app.app_context():
        trip(member, TODAY - timedelta(days=30))
    slug = tw.township.slug
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    assert client.post(f"/t/{slug}/three-ones/members/{member.id}", data=_done()).status_code == 302
    login(client, tw.users[Role.MEMBER])
    mine = client.get(f"/t/{slug}/three-ones/mine").get_data(as_text=True)
    assert "我的三个一" in mine and "七一主题党日" in mine
    letter = _done("letter", note="思想汇报：在外务工的学习体会")
    assert client.post(f"/t/{slug}/three-ones/mine", data=letter).status_code == 302
    call = {
        "half": HALF.key,
        "kind": "call",
        "status": "explained",
        "explanation": "工地在山区信号不好，已托同乡转告支部近况",
    }
    assert client.post(f"/t/{slug}/three-ones/mine", data=call).status_code == 302
    # a member cannot overwrite what the branch recorded
    response = client.post(f"/t/{slug}/three-ones/mine", data=_done(note="改成别的"))
    assert response.status_code == 422 and "支部已登记此项" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tw.township.id):
        board = compute_board(db.session, HALF, tw.branch.id)
        row = next(r for r in board.rows if r.member.id == member.id)
        actions = set(
            db.session.scalars(select(AuditLog.action).where(AuditLog.entity_id == member.id))
        )
    assert [row.state(k) for k in ThreeOnesKind] == ["done", "done", "explained"]
    assert row.complete and row.items[ThreeOnesKind.LETTER].by_member
    assert {"three_ones.recorded", "three_ones.submitted"} <= actions


def test_member_cannot_touch_another_members_record(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    login(client, tw.users[Role.MEMBER])
    before = _items(app, tw)
    # the officers' URL is refused outright, for any member, own or not
    for target in (tw.member.id, tw.other_member.id):
        assert (
            client.post(f"/t/{slug}/three-ones/members/{target}", data=_done()).status_code == 403
        )
    # "mine" ignores any member id smuggled into the form
    response = client.post(
        f"/t/{slug}/three-ones/mine", data=_done(member_id=str(tw.other_member.id))
    )
    assert response.status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        owners = set(db.session.scalars(select(ThreeOnesItem.member_id)))
        assert owners == {tw.member.id}
        with pytest.raises(DutyInvalid):  # the service checks the owner too
            do_submit_own(db.session, tw.users[Role.MEMBER], tw.other_member, _done_typed())
    assert _items(app, tw) == before + 1
    # a member account not linked to a member record has no page
    with app.app_context():
        loose = make_user(Role.MEMBER, tw.township)
    login(client, loose)
    assert client.get(f"/t/{slug}/three-ones/mine").status_code == 404


def _done_typed() -> dict[str, object]:
    return {**_done(), "happened_on": TODAY}


def test_bad_items_say_what_to_fix_and_write_nothing(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    url = f"/t/{slug}/three-ones/members/{tw.member.id}"
    outside = HALF.start - timedelta(days=1)
    settled = HALF.previous().previous()
    cases = {
        "no status": (_done(status=""), "请选择"),
        "date outside the half": (_done(happened_on=outside.isoformat()), "应在"),
        "future date": (_done(happened_on=(TODAY + timedelta(days=1)).isoformat()), "不能晚于今天"),
        "no evidence": (_done(note=""), "参加的活动"),
        "short explanation": (
            {"half": HALF.key, "kind": "call", "status": "explained", "explanation": "忙"},
            "至少10个字",
        ),
        "settled half": (_done(half=settled.key), "已结算"),
        "future half": (_done(half=HALF.next().key), "尚未开始"),
        "bad half": (_done(half="2026H3"), "半年度格式"),
        "bad kind": (_done(kind="dance"), "哪一项"),
    }
    login(client, tw.users[Role.BRANCH_SECRETARY])
    before = _items(app, tw)
    for label, (data, message) in cases.items():
        response = client.post(url, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, label
        assert message in body and "未保存任何内容" in body, label
    assert _items(app, tw) == before


def test_previous_half_accepted_and_boards_count_each_state(app, client, world) -> None:
    tw = world.a
    secretary = tw.users[Role.BRANCH_SECRETARY]
    previous = HALF.previous()
    with app.app_context():
        done = mobile_member(tw, previous.start)
        explained = mobile_member(tw, previous.start + timedelta(days=3))
        missing = mobile_member(tw, previous.end)  # left on the last day: due
        came_home = mobile_member(tw, previous.start - timedelta(days=90), previous.start)
        make_member(tw.township, tw.branch)
        with tenant_context(tw.township.id):
            for kind in ThreeOnesKind:
                do_record_item(
                    db.session,
                    secretary,
                    done,
                    {**_done(kind.value, half=previous.key), "happened_on": previous.end},
                )
            do_record_item(
                db.session,
                secretary,
                explained,
                {
                    "half": previous.key,
                    "kind": "activity",
                    "status": "explained",
                    "explanation": "春节后在外地上夜班，无法请假参加",
                },
            )
            board = compute_board(db.session, previous, tw.branch.id)
    rows = {r.member.id: r for r in board.rows}
    assert set(rows) == {done.id, explained.id, missing.id} and came_home.id not in rows
    total = board.total
    assert (total.due, total.complete) == (3, 1)
    assert total.states[ThreeOnesKind.ACTIVITY] == {"done": 1, "explained": 1, "missing": 1}
    assert rows[explained.id].state(ThreeOnesKind.LETTER) == "missing"
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = client.get(f"/t/{tw.township.slug}/three-ones/?half={previous.key}")
    assert page.status_code == 200 and tw.branch.name in page.get_data(as_text=True)
    url = f"/t/{tw.township.slug}/three-ones/branches/{tw.branch.id}?half={previous.key}"
    body = client.get(f"{url}&state=incomplete").get_data(as_text=True)
    assert missing.name in body and f'data-member="{done.id}"' not in body
    assert "未完成" in body and "已说明" in body
    assert client.get(f"/t/{tw.township.slug}/three-ones/?half=2999H1").status_code == 400


def test_half_key_round_trip() -> None:
    assert Half.parse(HALF.key) == HALF
