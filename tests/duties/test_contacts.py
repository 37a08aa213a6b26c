"""Contact log: good input is saved and audited; bad input says what to fix and writes nothing."""

from datetime import date, timedelta

from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.duties.helpers import contact, mobile_member, officer
from tests.factories import login
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.duties.models import Contact
from webapp.duties.periods import quarter_of
from webapp.extensions import db

TODAY = date.today()
GOOD = "电话了解在杭州务工情况，传达了村里修路的消息，提醒按时交纳党费。"


def _form(**extra: str) -> dict[str, str]:
    data = {"contacted_on": TODAY.isoformat(), "channel": "phone", "substance": GOOD}
    data.update(extra)
    return data


def _counts(app, tw) -> tuple[int, int]:
    with app.app_context(), tenant_context(tw.township.id):
        return (
            db.session.scalar(select(func.count(Contact.id))),
            db.session.scalar(
                select(func.count(AuditLog.id)).where(AuditLog.tenant_id == tw.township.id)
            ),
        )


def test_log_contact_through_the_form_is_saved_and_audited(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=60))
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    url = f"/t/{tw.township.slug}/duties/members/{member.id}/contacts/new"
    form = client.get(url).get_data(as_text=True)
    assert "至少10个字" in form and "上门走访" in form
    follow = {"follow_up": "帮他联系流入地党组织", "follow_up_due": TODAY.isoformat()}
    response = client.post(url, data=_form(channel="visit", **follow))
    assert response.status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        saved = db.session.scalar(select(Contact).where(Contact.member_id == member.id))
        entry = db.session.scalar(
            select(AuditLog).where(
                AuditLog.entity_id == member.id, AuditLog.action == "contact.logged"
            )
        )
    assert saved.channel.value == "visit" and saved.substance == GOOD
    assert saved.logged_by_id == tw.users[Role.COMMITTEE_MEMBER].id
    assert entry.after["contact_id"] == saved.id and "上门走访" in entry.after["notes"]
    page = client.get(f"/t/{tw.township.slug}/duties/members/{member.id}").get_data(as_text=True)
    assert GOOD in page and "帮他联系流入地党组织" in page


def test_bad_contacts_say_what_to_fix_and_write_nothing(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=60))
    login(client, tw.users[Role.BRANCH_SECRETARY])
    url = f"/t/{tw.township.slug}/duties/members/{member.id}/contacts/new"
    settled = quarter_of(TODAY).previous().start - timedelta(days=1)
    cases = {
        "future": (_form(contacted_on=(TODAY + timedelta(days=1)).isoformat()), "不能晚于今天"),
        "before joining": (_form(contacted_on="2004-01-01"), "入党日期"),
        "settled quarter": (_form(contacted_on=settled.isoformat()), "已结算"),
        "small talk": (_form(substance="问候一下"), "至少10个字"),
        "empty": (_form(substance="   "), "请填写联系内容"),
        "channel": (_form(channel="pigeon"), "请选择联系方式"),
        "bad date": (_form(contacted_on="2026-02-30"), "日期格式不正确"),
        "due without text": (_form(follow_up_due=TODAY.isoformat()), "请同时写明跟进事项"),
        "due before": (
            _form(follow_up="再联系", follow_up_due=(TODAY - timedelta(days=1)).isoformat()),
            "不能早于联系日期",
        ),
    }
    before = _counts(app, tw)
    for label, (data, message) in cases.items():
        response = client.post(url, data=data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, label
        assert message in body and "未保存任何内容" in body, label
    assert _counts(app, tw) == before


def test_contact_for_another_townships_member_is_404_and_writes_nothing(app, client, world) -> None:
    with app.app_context():
        victim = mobile_member(world.b, TODAY - timedelta(days=10))
    before = _counts(app, world.b)
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    own = f"/t/{world.a.township.slug}/duties/members/{victim.id}/contacts/new"
    theirs = f"/t/{world.b.township.slug}/duties/members/{victim.id}/contacts/new"
    assert client.post(own, data=_form()).status_code == 404
    assert client.post(theirs, data=_form()).status_code == 404
    # and a committee member cannot log for another branch of their own township
    login(client, world.a.users[Role.COMMITTEE_MEMBER])
    other = world.a.other_member.id
    url = f"/t/{world.a.township.slug}/duties/members/{other}/contacts/new"
    assert client.post(url, data=_form()).status_code == 404
    assert _counts(app, world.b) == before


def test_delete_needs_the_logger_or_a_secretary(app, client, world) -> None:
    tw = world.a
    slug = tw.township.slug
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=60))
        colleague = officer(tw)
        theirs = contact(member, TODAY, colleague)
        old = contact(member, quarter_of(TODAY).previous().start - timedelta(days=1), colleague)
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    response = client.post(f"/t/{slug}/duties/contacts/{theirs.id}/delete", follow_redirects=True)
    assert "只能删除本人登记" in response.get_data(as_text=True)
    login(client, tw.users[Role.BRANCH_SECRETARY])
    response = client.post(f"/t/{slug}/duties/contacts/{old.id}/delete", follow_redirects=True)
    assert "已结算" in response.get_data(as_text=True)
    assert client.post(f"/t/{slug}/duties/contacts/{theirs.id}/delete").status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        left = set(db.session.scalars(select(Contact.id).where(Contact.member_id == member.id)))
        deleted = db.session.scalar(
            select(AuditLog).where(
                AuditLog.entity_id == member.id, AuditLog.action == "contact.deleted"
            )
        )
    assert left == {old.id} and deleted.before["contact_id"] == theirs.id


def test_contact_list_searches_and_pages(app, client, world) -> None:
    tw = world.a
    with app.app_context():
        member = mobile_member(tw, TODAY - timedelta(days=60))
        contact(member, TODAY)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    base = f"/t/{tw.township.slug}/duties/contacts/"
    body = client.get(f"{base}?q={member.name}").get_data(as_text=True)
    assert member.name in body and "传达村里的新消息" in body
    empty = client.get(f"{base}?q=不存在的名字xyz").get_data(as_text=True)
    assert "没有符合条件的联系记录" in empty
    assert client.get(f"{base}?quarter=all&page=2").status_code == 200
