"""In the browser: register a departure, see the member's history, read the census and its charts."""

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_flows import log_in, nav
from tests.factories import build_article_township
from webapp.auth.models import Role

pytestmark = pytest.mark.e2e


def test_register_departure_then_move_and_see_census(page: Page, world, artifacts: Path) -> None:
    township, member = world.a.township, world.a.member
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{township.slug}/members/{member.id}")
    page.get_by_role("link", name="外出登记").click()
    page.get_by_label("外出日期", exact=True).fill((date.today() - timedelta(days=90)).isoformat())
    page.get_by_label("去向地址", exact=True).fill("朝阳区")
    page.get_by_label("从事职业", exact=True).fill("厨师")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error[data-field=address]")).to_contain_text("对应多个地区")
    page.screenshot(path=artifacts / "departure-ambiguous.png", full_page=True)
    page.get_by_label("去向地址", exact=True).fill("上海市闵行区莘庄镇")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_have_text("外出登记已保存")
    expect(page.locator("#departures")).to_contain_text("跨省流动")
    page.get_by_role("link", name="去向变更").click()
    page.get_by_label("变更日期", exact=True).fill((date.today() - timedelta(days=10)).isoformat())
    page.get_by_label("去向地址", exact=True).fill("浙江省杭州市萧山区")
    page.get_by_role("button", name="保存").click()
    history = page.locator("#departures")
    expect(history).to_contain_text("省内市外")
    expect(history).to_contain_text("上海市闵行区莘庄镇")
    page.screenshot(path=artifacts / "member-departures.png", full_page=True)
    nav(page, "统计")
    expect(page.locator("#mobile")).to_have_text("1")
    expect(page.locator("#categories")).to_contain_text("省内市外")
    nav(page, "流动党员")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("浙江省杭州市萧山区")


def test_article_census_page(
    page: Page, live_server, artifacts: Path, docs_screenshots: Path
) -> None:
    with live_server.app.app_context():
        township, admin = build_article_township(name="示范镇", seed=3)
    log_in(page, admin)
    page.goto(f"/t/{township.slug}/census/")
    expect(page.locator("#mobile-share")).to_have_text("20.38%")
    table = page.locator("#categories")
    for share in ("20.51%", "4.62%", "7.18%", "65.64%"):
        expect(table).to_contain_text(share)
    expect(table).to_contain_text(re.compile(r"去向不明\s*4"))
    expect(page.locator("svg.chart")).to_have_count(2)
    page.screenshot(path=artifacts / "census-full.png", full_page=True)
    shot = artifacts / "census.png"
    page.screenshot(path=shot)
    shutil.copyfile(shot, docs_screenshots / "census.png")
