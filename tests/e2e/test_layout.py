"""The top bar and page layout in a real browser: the grouped navigation fits one row on a laptop
and folds behind ☰ 菜单 on a phone, officer pages never scroll sideways at 390px, long pick-lists
get a filter box, and a member's menu has no API令牌 entry."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from tenants.context import tenant_context
from tests.e2e.conftest import LiveServer
from tests.e2e.test_flows import log_in
from tests.factories import make_member, uid
from webapp.auth.models import Role
from webapp.departures.models import Departure
from webapp.extensions import db

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 800}
# one page from each group, and the heading it shows
GROUP_PAGES = [
    ("登记", "流动党员证", "流动党员证"),
    ("日常管理", "组织生活", "组织生活"),
    ("教育", "三个一四带头", "三个一、四带头"),
    ("统计报表", "支部目标考核", "支部目标考核"),
    ("设置", "操作日志", "操作日志"),
]
# the first day's links (issue 11): label, endpoint, group, heading, roles that see it
READERS = (
    Role.TOWNSHIP_ADMIN,
    Role.BRANCH_SECRETARY,
    Role.COMMITTEE_MEMBER,
    Role.COUNTY_COORDINATOR,
)
MANAGERS = (Role.TOWNSHIP_ADMIN, Role.BRANCH_SECRETARY)
FIRST_DAY_LINKS = [
    ("组织目录", "directory.index", "登记", "组织目录", READERS),
    ("流入地管理", "placements.index", "日常管理", "流入地管理", READERS),
    ("流入党员", "inflow.index", "日常管理", "流入党员", MANAGERS),
    ("转接", "transfers.index", "日常管理", "组织关系转接", (*MANAGERS, Role.COUNTY_COORDINATOR)),
    ("转入本镇", "incoming.index", "日常管理", "转入本镇", MANAGERS),
    ("家庭帮扶", "support.index_support", "教育", "家庭帮扶", READERS),
]
PHONE_PAGES = [
    "members.index",
    "departures.index",
    "certificates.index",
    "duties.index",
    "activities.index",
    "dues.index",
    "departures.census",
    "risk.board",
    "audit.index",
    "reminders.index",
    "reminders.settings",
    "township.settings",
]


def _top_level_offsets(page: Page) -> list[int]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('.mainnav > a, .mainnav > details'))"
        ".map((el) => el.offsetTop)"
    )


def _away_from_home(live_server: LiveServer, tw, count: int) -> None:
    """count more members of tw's branch, away since 100 days with a long, wide destination."""
    with live_server.app.app_context():
        members = [make_member(tw.township, tw.branch) for _ in range(count)]
        with tenant_context(tw.township.id):
            for member in members:
                db.session.add(
                    Departure(
                        tenant_id=tw.township.id,
                        member_id=member.id,
                        departed_on=date.today() - timedelta(days=100),
                        expected_return=date.today() + timedelta(days=60),
                    )
                )
            db.session.commit()
            db.session.remove()


def _paths(live_server: LiveServer, slug: str, endpoints: list[str]) -> list[str]:
    with live_server.app.test_request_context():
        return [url_for(endpoint, slug=slug) for endpoint in endpoints]


def test_laptop_nav_is_one_row_of_groups(page: Page, world, artifacts: Path) -> None:
    page.set_viewport_size(LAPTOP)
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])
    nav = page.locator(".mainnav")
    expect(page.locator(".navtoggle")).to_be_hidden()
    expect(nav.locator("> details > summary")).to_have_text([g for g, _, _ in GROUP_PAGES])
    offsets = _top_level_offsets(page)
    assert len(offsets) == 1 + len(GROUP_PAGES) and len(set(offsets)) == 1, offsets
    topbar_height = page.locator(".topbar").bounding_box()["height"]
    assert topbar_height < 70, topbar_height

    for group, link, heading in GROUP_PAGES:
        nav.locator("summary", has_text=group).click()
        menu = nav.locator("details[open] .navmenu")
        expect(menu).to_have_count(1)
        expect(menu).to_be_visible()
        if group == "日常管理":
            page.screenshot(path=artifacts / "layout-nav-laptop-open.png")
        menu.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(nav.locator("details.on > summary")).to_have_text(group)
        expect(nav.locator(".navmenu a.on")).to_have_text(link)
        assert len(set(_top_level_offsets(page))) == 1

    # one group open at a time; a click elsewhere and Escape close it
    nav.locator("summary", has_text="登记").click()
    nav.locator("summary", has_text="设置").click()
    expect(nav.locator("details[open] > summary")).to_have_text(["设置"])
    page.locator("main h1").click()
    expect(nav.locator("details[open]")).to_have_count(0)
    summary = nav.locator("summary", has_text="统计报表")
    summary.focus()
    page.keyboard.press("Enter")
    expect(nav.locator("details[open] > summary")).to_have_text(["统计报表"])
    page.keyboard.press("Escape")
    expect(nav.locator("details[open]")).to_have_count(0)
    expect(summary).to_be_focused()

    page.set_viewport_size({"width": 1024, "height": 768})
    assert len(set(_top_level_offsets(page))) == 1
    page.screenshot(path=artifacts / "layout-nav-1024.png")

    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert len(set(_top_level_offsets(page))) == 1
    page.screenshot(path=artifacts / "layout-nav-1024-en.png")


def test_officer_pages_fit_a_phone(
    phone_page: Page, world, live_server: LiveServer, artifacts: Path
) -> None:
    tw = world.a
    _away_from_home(live_server, tw, 4)
    log_in(phone_page, tw.users[Role.TOWNSHIP_ADMIN])
    for endpoint, path in zip(
        PHONE_PAGES, _paths(live_server, tw.township.slug, PHONE_PAGES), strict=True
    ):
        response = phone_page.goto(path)
        assert response is not None and response.status == 200, endpoint
        expect(phone_page.locator(".mainnav")).to_be_hidden()
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        phone_page.screenshot(
            path=artifacts / f"layout-phone-{endpoint.replace('.', '-')}.png", full_page=True
        )
        assert width <= 390, f"{endpoint} is {width}px wide"

    toggle = phone_page.get_by_role("button", name="☰ 菜单")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    nav = phone_page.locator(".mainnav")
    expect(nav).to_be_visible()
    nav.locator("summary", has_text="日常管理").click()
    phone_page.screenshot(path=artifacts / "layout-phone-menu-open.png", full_page=True)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    nav.get_by_role("link", name="党费", exact=True).click()
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("党费")
    expect(nav).to_be_hidden()


def test_long_pick_list_filters_as_you_type(
    page: Page, world, live_server: LiveServer, artifacts: Path
) -> None:
    tw = world.a
    tag = uid()[-4:]
    with live_server.app.app_context():
        for i in range(22):
            make_member(tw.township, tw.branch, name=f"筛选{tag}{i:02d}号")
        wanted = make_member(tw.township, tw.other_branch, name=f"独{tag}特")
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    page.goto(_paths(live_server, tw.township.slug, ["contributions.create"])[0])
    select = page.get_by_label("党员", exact=True)
    assert select.evaluate("(s) => s.options.length") > 20
    box = page.get_by_placeholder("输入以筛选")
    expect(box).to_have_count(1)

    box.fill(f"{tag}0")
    visible = select.evaluate(
        "(s) => Array.from(s.options).filter((o) => !o.hidden && o.value).map((o) => o.text)"
    )
    assert visible and all(f"{tag}0" in text for text in visible), visible
    assert len(visible) == 10  # 筛选…00号 to 筛选…09号
    hidden = select.evaluate("(s) => Array.from(s.options).filter((o) => o.hidden).length")
    assert hidden >= 13

    box.fill(f"独{tag}")
    visible = select.evaluate(
        "(s) => Array.from(s.options).filter((o) => !o.hidden && o.value).map((o) => o.value)"
    )
    assert visible == [str(wanted.id)]
    expect(select).to_have_value(str(wanted.id))  # the native select is what the form submits
    page.screenshot(path=artifacts / "layout-searchable-select.png", full_page=True)

    box.fill("")
    assert select.evaluate("(s) => Array.from(s.options).every((o) => !o.hidden)")


def test_member_menu_has_no_api_tokens(page: Page, world, artifacts: Path) -> None:
    log_in(page, world.a.users[Role.MEMBER])
    nav = page.locator(".mainnav")
    expect(nav.locator("details")).to_have_count(0)
    expect(nav.get_by_role("link")).to_have_text(["首页", "我的三个一"])
    page.locator(".usermenu summary").click()
    menu = page.locator(".usermenu .menu")
    expect(menu.get_by_role("link", name="修改密码")).to_be_visible()
    expect(menu.get_by_role("link", name="API令牌")).to_have_count(0)
    page.screenshot(path=artifacts / "layout-member-menu.png")


def test_officer_menu_keeps_api_tokens(page: Page, world) -> None:
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])
    page.locator(".usermenu summary").click()
    expect(page.locator(".usermenu .menu").get_by_role("link", name="API令牌")).to_be_visible()


def _nav_hrefs(page: Page) -> set[str]:
    return set(page.eval_on_selector_all(".mainnav a", "(links) => links.map((a) => a.pathname)"))


def test_first_day_links_follow_the_permissions(
    page: Page, world, live_server: LiveServer, artifacts: Path
) -> None:
    tw = world.a
    paths = _paths(live_server, tw.township.slug, [e for _, e, _, _, _ in FIRST_DAY_LINKS])
    home = _paths(live_server, tw.township.slug, ["township.home"])[0]
    users = {**tw.users, Role.COUNTY_COORDINATOR: world.coordinator_a}
    seen: dict[Role, set[str]] = {}
    for role, user in users.items():
        page.context.clear_cookies()
        log_in(page, user)
        page.goto(home)
        hrefs = seen[role] = _nav_hrefs(page)
        for (label, _, _, _, roles), path in zip(FIRST_DAY_LINKS, paths, strict=True):
            assert (path in hrefs) == (role in roles), f"{label} for {role.value}: {hrefs}"
    assert home in seen[Role.MEMBER] and not seen[Role.MEMBER] & set(paths)

    page.set_viewport_size(LAPTOP)
    page.context.clear_cookies()
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    nav = page.locator(".mainnav")
    for label, _, group, heading, _ in FIRST_DAY_LINKS:
        nav.locator("summary", has_text=group).click()
        menu = nav.locator("details[open] .navmenu")
        box = menu.bounding_box()
        assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], (group, box)
        menu.get_by_role("link", name=label, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(nav.locator("details.on > summary")).to_have_text(group)
        expect(nav.locator(".navmenu a.on")).to_have_text(label)
        assert len(set(_top_level_offsets(page))) == 1
    nav.locator("summary", has_text="日常管理").click()
    page.screenshot(path=artifacts / "layout-nav-first-day.png")
