"""In the browser: issue a certificate from the member page, verify it, read the due list."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_flows import log_in, nav
from tests.factories import make_member, make_user
from webapp.auth.models import Role
from webapp.certificates.public import public_token

pytestmark = pytest.mark.e2e


def test_issue_and_verify_a_certificate(page: Page, world, live_server, artifacts: Path) -> None:
    tw = world.a
    with live_server.app.app_context():
        member = make_member(tw.township, tw.branch, name="陈晓东")
        committee = make_user(Role.COMMITTEE_MEMBER, tw.township, branch=tw.branch)
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{tw.township.slug}/members/{member.id}")
    page.get_by_role("link", name="外出登记").click()
    page.get_by_label("外出日期", exact=True).fill((date.today() - timedelta(days=20)).isoformat())
    page.get_by_label("预计返回日期", exact=True).fill(
        (date.today() + timedelta(days=300)).isoformat()
    )
    page.get_by_label("去向地址", exact=True).fill("江苏省苏州市昆山市")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_have_text("外出登记已保存")

    section = page.locator("#certificates")
    expect(section).to_contain_text("没有有效的流动党员证")
    section.get_by_role("link", name="发证").click()
    expect(page.get_by_label("外出去向", exact=True)).to_have_value("江苏省苏州市昆山市")
    page.get_by_label("流入地支部", exact=True).select_option(label=tw.empty_branch.name)
    page.get_by_label("外出事由", exact=True).fill("")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error[data-field=reason]")).to_have_text("请填写外出事由，如：外出务工")
    page.get_by_label("外出事由", exact=True).fill("外出务工（电子厂）")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已发证：330624-")
    expect(page.locator("#cert-status")).to_have_text("有效")
    number = page.locator("h1 .mono").inner_text()
    page.screenshot(path=artifacts / "certificate-issued.png", full_page=True)

    # a committee member of the outflow branch verifies it from the due list
    page.context.clear_cookies()
    log_in(page, committee)
    nav(page, "流动党员证")
    expect(page.locator("tbody")).to_contain_text(number)
    page.get_by_role("link", name="待验证").click()
    page.locator("select[name=state]").select_option("upcoming")
    page.locator("input[name=window]").fill("200")
    page.get_by_role("button", name="筛选").click()
    row = page.locator("tbody tr", has_text=number)
    expect(row).to_have_count(1)
    page.screenshot(path=artifacts / "certificates-due.png", full_page=True)
    row.get_by_role("link", name="验证").click()
    page.get_by_label("验证日期", exact=True).fill((date.today() + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error[data-field=verified_on]")).to_have_text("验证日期不能晚于今天")
    page.get_by_label("验证日期", exact=True).fill(date.today().isoformat())
    page.get_by_label("验证情况", exact=True).fill("电话联系，按时参加流入地组织生活")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已验证")
    expect(page.locator("#verifications")).to_contain_text("按时参加流入地组织生活")
    expect(page.locator("#verifications")).to_contain_text("流出地支部")
    expect(page.locator("#due-on")).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2}"))
    page.screenshot(path=artifacts / "certificate-verified.png", full_page=True)

    # what the card's QR code opens, for anyone: valid or not, the validity, the township
    cert_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    with live_server.app.test_request_context():
        token = public_token(cert_id)
    page.context.clear_cookies()
    page.goto(f"/v/{token}")
    expect(page.locator("#verdict")).to_have_text("✓ 有效")
    expect(page.locator("main")).not_to_contain_text("陈晓东")
    expect(page.locator("main")).not_to_contain_text(number)
    page.screenshot(path=artifacts / "certificate-public-check.png", full_page=True)


def test_member_page_certificate_section_on_a_phone(
    phone_page: Page, world, live_server, artifacts: Path
) -> None:
    from tests.certificates.helpers import issue

    tw = world.a
    cert = issue(live_server.app, tw, destination="上海市浦东新区")
    log_in(phone_page, tw.users[Role.BRANCH_SECRETARY])
    phone_page.goto(f"/t/{tw.township.slug}/members/{tw.member.id}")
    section = phone_page.locator("#certificates")
    expect(section).to_contain_text(cert.number)
    section.scroll_into_view_if_needed()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    phone_page.screenshot(path=artifacts / "certificate-member-phone.png", full_page=True)
