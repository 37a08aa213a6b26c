"""In the browser: open the at-risk board, filter by a rule, drill down to the member."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.duties.helpers import trip
from tests.e2e.test_flows import log_in, nav
from tests.factories import make_member
from webapp.auth.models import Role

pytestmark = pytest.mark.e2e

TODAY = date.today()


def test_open_the_at_risk_board(page: Page, world, live_server, artifacts: Path):
    tw = world.a
    with live_server.app.app_context():
        lost = make_member(tw.township, tw.branch, name="王去向")
        trip(lost, TODAY - timedelta(days=120))
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    nav(page, "预警")
    expect(page.locator("#never-decides")).to_contain_text("不作任何处理决定")
    expect(page.locator("#rule-counts [data-rule=unknown]")).to_have_text("1")
    expect(page.locator("#rules-explained")).to_contain_text("党章规定")
    page.screenshot(path=artifacts / "risk-board.png", full_page=True)
    page.get_by_label("规则").select_option(label="去向不明")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#risk-rows tbody tr")).to_have_count(1)
    page.get_by_role("link", name="王去向").click()
    expect(page.locator("h1")).to_contain_text("王去向")
    nav(page, "预警")
    page.get_by_role("link", name="支部目标考核").click()
    expect(page.locator("#scorecards")).to_be_visible()
    page.screenshot(path=artifacts / "risk-scorecards.png", full_page=True)
