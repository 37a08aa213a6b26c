"""The bulk dues form's 全选本页 box in a real browser: it ticks and unticks every member of the
page, shows a partial choice, and the rate then goes to exactly the members ticked; without
JavaScript it is hidden and the boxes are ticked one by one."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tenants.context import tenant_context
from tests.e2e.conftest import LiveServer
from tests.e2e.test_flows import log_in
from tests.factories import make_member
from webapp.auth.models import Role
from webapp.dues.models import DuesRate
from webapp.extensions import db

pytestmark = pytest.mark.e2e


def _ticked(page: Page) -> list[bool]:
    return page.locator('input[name="member_ids"]').evaluate_all(
        "(boxes) => boxes.map((box) => box.checked)"
    )


def _rates(live_server: LiveServer, township_id: int) -> dict[int, Decimal]:
    with live_server.app.app_context(), tenant_context(township_id):
        rates = {r.member_id: r.monthly_amount for r in db.session.scalars(select(DuesRate))}
        db.session.remove()
        return rates


def test_check_all_ticks_every_member_of_the_page(
    page: Page, world, live_server: LiveServer, artifacts: Path
) -> None:
    tw = world.a
    with live_server.app.app_context():
        extra = [make_member(tw.township, tw.branch, name=f"全选{i}") for i in range(3)]
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{tw.township.slug}/dues/")
    master = page.get_by_label("全选本页")
    boxes = page.locator('input[name="member_ids"]')
    assert boxes.count() == 2 + len(extra)
    assert not any(_ticked(page))

    master.check()
    assert all(_ticked(page))
    boxes.first.uncheck()
    expect(master).not_to_be_checked()
    assert master.evaluate("(box) => box.indeterminate")
    boxes.first.check()
    expect(master).to_be_checked()
    assert not master.evaluate("(box) => box.indeterminate")
    master.uncheck()
    assert not any(_ticked(page))

    master.check()
    page.get_by_label(f"选择 {tw.member.name}", exact=True).uncheck()
    page.locator('input[name="monthly_amount"]').fill("12.50")
    page.locator('input[name="start_month"]').fill("2026-07")
    page.screenshot(path=artifacts / "check-all-dues.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="为所选党员设定").click()
    expect(page.locator(".flash").first).to_be_visible()
    wanted = {m.id for m in extra} | {tw.other_member.id}
    assert _rates(live_server, tw.township.id) == dict.fromkeys(wanted, Decimal("12.50"))


def test_without_javascript_the_check_all_box_is_hidden(
    browser: Browser, world, live_server: LiveServer
) -> None:
    tw = world.a
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
        page.goto(f"/t/{tw.township.slug}/dues/")
        expect(page.locator('input[name="member_ids"]').first).to_be_visible()
        expect(page.locator("[data-check-all]")).to_be_hidden()
    finally:
        context.close()
