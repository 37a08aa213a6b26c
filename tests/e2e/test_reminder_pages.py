"""The reminder pages in a real browser (CSRF on): the delivery log with its counts, resending a
failed message after confirming, a template refused for an unknown placeholder, the bell."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from notifications.dispatch import dispatch
from notifications.models import Message, State
from tenants.context import tenant_context
from tenants.models import Township
from tests.e2e.test_flows import log_in, nav
from tests.factories import make_member
from tests.reminders.helpers import failed_message
from webapp.auth.models import Role
from webapp.departures.models import Departure
from webapp.extensions import db
from webapp.reminders.engine import run_township

pytestmark = pytest.mark.e2e


def _overdue_reminders(live_server, tw) -> None:
    """Members back late, the rules run and the dev channel 'sends' (as beat and a worker would)."""
    with live_server.app.app_context():
        members = [make_member(tw.township, tw.branch, phone=f"1370000{i:04d}") for i in range(6)]
        members.append(tw.member)
        with tenant_context(tw.township.id):
            for i, member in enumerate(members):
                db.session.add(
                    Departure(
                        tenant_id=tw.township.id,
                        member_id=member.id,
                        departed_on=date.today() - timedelta(days=120),
                        expected_return=date.today() - timedelta(days=3 + i),
                    )
                )
            db.session.commit()
            run_township(db.session, db.session.get(Township, tw.township.id))
            dispatch(
                db.session,
                tw.township.id,
                {"SMS_PROVIDER": "dev", "NOTIFY_QUIET_HOURS": "00:00-00:00"},
            )
            db.session.remove()
        failed_message(tw.township.id, tw.other_member)


def test_delivery_log_and_resend(page: Page, world, live_server, artifacts: Path) -> None:
    tw = world.a
    _overdue_reminders(live_server, tw)
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    nav(page, "提醒")
    expect(page.get_by_role("heading", level=1)).to_have_text("提醒记录")
    expect(page.locator(".stat").nth(1)).to_contain_text("今日失败")
    # seven overdue reminders, the failed one, the digest of the (unknown) whereabouts, and
    # whatever other rule is due on today's date (a 三个一 or at-risk digest, say)
    with live_server.app.app_context(), tenant_context(tw.township.id):
        rules = [m.rule for m in db.session.query(Message)]
        db.session.remove()
    assert rules.count("departure.overdue") == 8 and "whereabouts.unknown_digest" in rules
    expect(page.locator("table.table tbody tr")).to_have_count(len(rules))
    assert tw.member.phone not in page.content()
    page.screenshot(path=artifacts / "reminders-log.png", full_page=True)

    page.get_by_label("状态").select_option("failed")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    page.locator("table.table tbody tr a").first.click()
    expect(page.locator(".tag-failed")).to_have_text("失败")
    page.locator("summary", has_text="重发").click()
    expect(page.get_by_text("确认重新发送这条提醒？")).to_be_visible()
    page.screenshot(path=artifacts / "reminders-resend-confirm.png", full_page=True)
    page.get_by_role("button", name="确认重发").click()
    expect(page.locator(".flash-success")).to_contain_text("已重新排队发送")
    expect(page.locator(".tag-queued")).to_have_text("待发送")


def test_unknown_placeholder_is_named_and_nothing_saved(
    page: Page, world, live_server, artifacts: Path
) -> None:
    tw = world.a
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{tw.township.slug}/reminders/settings")
    page.screenshot(path=artifacts / "reminders-settings.png", full_page=True)
    page.locator("tr", has_text="预计返回日期已过").get_by_role("link", name="消息模板").click()
    sms = page.locator("#tpl-sms")
    sms.get_by_label("正文").fill("${name}同志，您的${return_date}已过，请报告去向。")
    sms.get_by_role("button", name="保存").click()
    expect(page.locator("#tpl-sms p.error")).to_contain_text("未知的占位符 ${return_date}")
    page.locator("#tpl-sms").screenshot(path=artifacts / "reminders-template-error.png")
    with live_server.app.app_context():
        township = db.session.get(Township, tw.township.id)
        assert "templates" not in (township.settings or {}).get("reminders", {})
        db.session.remove()


def test_bell_shows_unread_messages(phone_page: Page, world, live_server, artifacts: Path) -> None:
    tw = world.a
    with live_server.app.app_context(), tenant_context(tw.township.id):
        for i in range(2):
            db.session.add(
                Message(
                    tenant_id=tw.township.id,
                    rule="departure.overdue",
                    recipient_kind="member",
                    recipient_id=tw.member.id,
                    recipient_name=tw.member.name,
                    period=f"bell-{i}",
                    channel="inapp",
                    subject="请报告您的目前去向",
                    body=f"{tw.member.name}同志：您外出登记的预计返回日期已过，请及时向党支部报告目前去向。",
                    state=State.DELIVERED,
                )
            )
        db.session.commit()
        db.session.remove()
    log_in(phone_page, tw.users[Role.MEMBER])
    bell = phone_page.locator("a.bell")
    expect(bell.locator(".badge")).to_have_text("2")
    bell.click()
    expect(phone_page).to_have_url(re.compile(r"/notifications/$"))
    expect(phone_page.locator(".inbox li.unread")).to_have_count(2)
    phone_page.screenshot(path=artifacts / "reminders-inbox-phone.png", full_page=True)
    phone_page.get_by_role("button", name="全部标为已读").click()
    expect(phone_page.locator("a.bell .badge")).to_have_count(0)
