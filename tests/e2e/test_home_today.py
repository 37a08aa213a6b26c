"""In the browser: each role's home shows today's work; one click on an item lands on the page
where it is done. Screenshots at 1366 and 390 wide."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.duties.helpers import officer
from tests.e2e.test_flows import log_in
from tests.home.helpers import assigned, away, overdue_certificate, pending_contribution
from tests.reminders.helpers import failed_message
from webapp.auth.models import Role

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


def _shots(page: Page, artifacts: Path, name: str) -> None:
    for label, size in (("1366", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"home-today-{name}-{label}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name} at {label}: the page scrolls sideways ({width})"
    page.set_viewport_size(LAPTOP)


def test_committee_member_goes_from_home_to_the_contact_form(
    page: Page, world, live_server, artifacts: Path
):
    tw = world.a
    me = tw.users[Role.COMMITTEE_MEMBER]
    with live_server.app.app_context():
        waiting = away(tw, "赵待访")
        assigned(waiting, me)
        assigned(away(tw, "钱已访"), me, visited=True)
        assigned(away(tw, "孙别人"), officer(tw))
    page.set_viewport_size(LAPTOP)
    log_in(page, me)
    card = page.locator("#today [data-item=visits]")
    expect(card.locator("[data-count]")).to_have_text("1")
    expect(card).to_contain_text("应走访2人，已走访1人")
    expect(card).not_to_contain_text("孙别人")
    _shots(page, artifacts, "committee")
    card.get_by_role("link", name="赵待访").click()
    expect(page).to_have_url(
        f"{live_server.url}/t/{tw.township.slug}/duties/members/{waiting.id}/contacts/new"
    )
    expect(page.locator("h1")).to_contain_text("赵待访")


def test_secretary_goes_from_home_to_the_verification(
    page: Page, world, live_server, artifacts: Path
):
    tw = world.a
    with live_server.app.app_context():
        carded = away(tw, "周持证")
        cert = overdue_certificate(live_server.app, tw, carded)
        pending_contribution(away(tw, "吴带头"))
    page.set_viewport_size(LAPTOP)
    log_in(page, tw.users[Role.BRANCH_SECRETARY])
    expect(page.locator("#today-heading")).to_have_text("今日待办：本支部")
    expect(page.locator("#today [data-item=contributions]")).to_contain_text("吴带头")
    expect(page.locator("#today [data-item=three_ones] [data-count]")).to_have_text("2")
    expect(page.locator("#today-done")).to_contain_text("没有等待审批的组织关系转接")
    _shots(page, artifacts, "secretary")
    page.locator("#today [data-item=certificates_due]").get_by_role("link", name="周持证").click()
    expect(page).to_have_url(
        f"{live_server.url}/t/{tw.township.slug}/certificates/{cert.id}/verify"
    )


def test_township_officer_goes_from_home_to_the_risk_board(
    page: Page, world, live_server, artifacts: Path
):
    tw = world.a
    with live_server.app.app_context():
        lost = away(tw, "郑去向")
        failed_message(tw.township.id, lost)
    page.set_viewport_size(LAPTOP)
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    expect(page.locator("#risk-counts [data-rule=unknown][data-level=red] td.num")).to_have_text(
        "1"
    )
    expect(page.locator("#today [data-item=reminders_failed]")).to_contain_text("郑去向")
    _shots(page, artifacts, "township")
    page.locator("#risk-counts [data-rule=unknown] a").click()
    expect(page.locator("#risk-rows tbody tr")).to_have_count(1)
    expect(page.locator("#risk-rows")).to_contain_text("郑去向")


def test_coordinator_sees_the_county_and_enters_a_township(
    page: Page, world, live_server, artifacts: Path
):
    with live_server.app.app_context():
        overdue_certificate(live_server.app, world.a, away(world.a, "冯县看"))
    page.set_viewport_size(LAPTOP)
    log_in(page, world.coordinator_a)
    row = page.locator(f"#county-today [data-township={world.a.township.slug}]")
    expect(row).to_contain_text("流动党员证逾期未验证1张")
    expect(page.locator(f"#county-today [data-township={world.b.township.slug}]")).to_have_count(0)
    _shots(page, artifacts, "county")
    row.get_by_role("link", name="流动党员证逾期未验证1张").click()
    expect(page).to_have_url(
        f"{live_server.url}/t/{world.a.township.slug}/certificates/due?state=overdue"
    )
    expect(page.get_by_text("冯县看")).to_be_visible()
