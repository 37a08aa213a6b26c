"""End-to-end flows in a real browser: log in, branches, members, township switching, phone layout."""

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from tenants.context import system_context_unsafe, tenant_context
from tenants.models import County, Township
from tests.factories import PASSWORD, uid, valid_id_number
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.extensions import db
from webapp.idnumber import mask_id_number
from webapp.members.models import Gender, Member

pytestmark = pytest.mark.e2e


def log_in(page: Page, user, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait until the app has sent us on."""
    page.goto("/login")
    page.get_by_label("用户名", exact=True).fill(user.username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def nav(page: Page, label: str) -> None:
    """Follow a link in the red top bar's main navigation, opening the menu and group it is in."""
    toggle = page.locator(".navtoggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    group = page.locator(".mainnav details:not([open])").filter(
        has=page.locator(f"a:text-is('{label}')")
    )
    if group.count():
        group.locator("summary").click()
    page.locator(".mainnav").get_by_role("link", name=label, exact=True).click()


def flash(page: Page):
    return page.locator(".flash")


def count_in_db(live_server, township_id: int, model, *where) -> int:
    """Rows of model in one township, read straight from the database."""
    with live_server.app.app_context(), tenant_context(township_id):
        return db.session.scalar(select(func.count(model.id)).where(*where))


def dress_for_readme(live_server, world) -> None:
    """Give township a's visible names a real look: these screenshots are committed for the README."""
    renames = [
        (world.county_a, County, "name", "德清县"),
        (world.a.township, Township, "name", "青溪镇"),
        (world.a.branch, Branch, "name", "青溪村党支部"),
        (world.a.users[Role.TOWNSHIP_ADMIN], User, "display_name", "王丽华"),
    ]
    with live_server.app.app_context(), system_context_unsafe():
        for obj, model, attr, value in renames:
            setattr(db.session.get(model, obj.id), attr, value)
            setattr(obj, attr, value)  # keep the test's detached copy in step
        db.session.commit()


def page_widths(page: Page) -> tuple[int, int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def test_township_admin_lands_on_township_home(
    page: Page, world, live_server, artifacts: Path, docs_screenshots: Path
):
    dress_for_readme(live_server, world)
    township = world.a.township
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])

    expect(page).to_have_url(re.compile(rf"/t/{re.escape(township.slug)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(township.name)
    expect(page.locator(".township-name")).to_have_text(township.name)
    expect(page.locator(".mainnav .on")).to_have_text("首页")
    # three branches, no mobile ones, two members: build_world's township
    expect(page.locator(".stat b")).to_have_text(["3", "0", "2"])
    expect(page.get_by_role("link", name="登记党员", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="修改密码", exact=True)).to_be_visible()

    shot = artifacts / "township-home.png"
    page.screenshot(path=shot)
    shutil.copyfile(shot, docs_screenshots / "township-home.png")


def test_create_branch_through_the_form(page: Page, world, live_server, artifacts: Path):
    name = f"城东流动党支部{uid()[:4]}"
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])

    nav(page, "支部")
    page.get_by_role("link", name="新建支部").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建支部")
    page.get_by_label("支部名称", exact=True).fill(name)
    page.get_by_label("类型", exact=True).select_option(label="临时流动党支部")
    page.get_by_label("支部书记", exact=True).fill("陈建国")
    page.get_by_label("联系电话", exact=True).fill("0572-5123456")
    page.get_by_label("所在地", exact=True).fill("杭州市余杭区仓前街道")
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/branches/\d+$"))
    expect(flash(page)).to_have_text(f"已新建支部：{name}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(name)
    expect(heading.locator(".tag")).to_have_text("临时流动党支部")
    expect(page.locator(".facts")).to_contain_text("陈建国")
    expect(page.locator(".facts")).to_contain_text("0572-5123456")
    expect(page.locator(".facts")).to_contain_text("杭州市余杭区仓前街道")
    assert count_in_db(live_server, world.a.township.id, Branch, Branch.name == name) == 1

    nav(page, "支部")
    row = page.locator("tbody tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator(".tag")).to_have_text("临时流动党支部")
    expect(page.locator("tbody tr")).to_have_count(4)
    page.screenshot(path=artifacts / "branch-list.png", full_page=True)


def test_create_member_rejects_bad_id_number_then_accepts_a_valid_one(
    page: Page, world, live_server, artifacts: Path, docs_screenshots: Path
):
    dress_for_readme(live_server, world)
    township = world.a.township
    name = "欧阳晓梅"
    born = date(1988, 9, 20)
    good = valid_id_number(born, Gender.FEMALE)
    bad = good[:17] + next(c for c in "0123456789X" if c != good[17])
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])

    nav(page, "党员")
    page.get_by_role("link", name="登记党员").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记党员")
    page.get_by_label("姓名", exact=True).fill(name)
    page.get_by_label("性别", exact=True).select_option(label="女")
    page.get_by_label("身份证号", exact=True).fill(bad)
    page.get_by_label("出生日期", exact=True).fill(born.isoformat())
    page.get_by_label("入党日期", exact=True).fill("2012-07-01")
    page.get_by_label("手机号", exact=True).fill("13812345678")
    page.get_by_label("所在支部", exact=True).select_option(label=world.a.branch.name)
    page.get_by_role("button", name="保存").click()

    id_field = page.locator(".field", has=page.locator("#id_number"))
    expect(id_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(id_field.locator(".error")).to_have_text("身份证号校验位不正确，请核对")
    expect(page.locator("#id_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error")).to_have_count(1)  # only the ID number is wrong
    expect(flash(page)).to_have_text("请按提示修改标红的项目，未保存任何内容。")
    expect(page.get_by_label("姓名", exact=True)).to_have_value(name)  # nothing typed is lost
    assert count_in_db(live_server, township.id, Member, Member.name == name) == 0
    shot = artifacts / "member-form-error.png"
    page.screenshot(path=shot, full_page=True)
    shutil.copyfile(shot, docs_screenshots / "member-form-error.png")

    page.get_by_label("身份证号", exact=True).fill(good)
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(r"/members/\d+$"))
    expect(flash(page)).to_have_text(f"已登记党员：{name}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("#id-number")).to_have_text(mask_id_number(good))
    expect(page.locator("#phone")).to_have_text("138****5678")
    assert good not in page.content()
    assert count_in_db(live_server, township.id, Member, Member.name == name) == 1
    page.screenshot(path=artifacts / "member-detail.png", full_page=True)


def test_coordinator_switches_between_assigned_townships_only(page: Page, world, artifacts: Path):
    a, a2, b = world.a.township, world.a2.township, world.b.township
    log_in(page, world.coordinator_a)

    expect(page).to_have_url(re.compile(r"/county/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("选择乡镇")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=a.name)).to_have_count(1)
    expect(rows.filter(has_text=a2.name)).to_have_count(1)
    figures = rows.filter(has_text=a.name).locator(".num")
    expect(figures.last).to_have_text("3")  # branches
    expect(figures.nth(-2)).to_have_text("2")  # members
    expect(page.get_by_text(b.name)).to_have_count(0)
    page.screenshot(path=artifacts / "county-picker.png", full_page=True)

    rows.filter(has_text=a.name).get_by_role("link", name="进入").click()
    expect(page).to_have_url(re.compile(rf"/t/{re.escape(a.slug)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(a.name)
    switch = page.locator("header .township-switch")
    expect(switch).to_contain_text(a.name)

    switch.click()
    expect(page).to_have_url(re.compile(r"/county/$"))
    page.locator("tbody tr", has_text=a2.name).get_by_role("link", name="进入").click()
    expect(page).to_have_url(re.compile(rf"/t/{re.escape(a2.slug)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(a2.name)
    expect(page.locator("header .township-switch")).to_contain_text(a2.name)
    page.screenshot(path=artifacts / "county-switched-township.png")

    response = page.goto(f"/t/{b.slug}/")
    assert response is not None and response.status == 404
    expect(page.locator(".errcode")).to_have_text("404")
    expect(page.get_by_text(b.name)).to_have_count(0)


def test_phone_width_has_page_widths(phone_page: Page, world, artifacts: Path):
    page = phone_page
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])

    expect(page.get_by_role("heading", level=1)).to_have_text(world.a.township.name)
    scroll, client = page_widths(page)
    page.screenshot(path=artifacts / "phone-township-home.png", full_page=True)
    assert scroll <= 390, f"township home is {scroll}px wide on a 390px phone"
    assert client == 390

    nav(page, "党员")
    expect(page.get_by_role("heading", level=1)).to_have_text("党员")
    expect(page.locator("tbody tr")).to_have_count(2)
    scroll, _ = page_widths(page)
    page.screenshot(path=artifacts / "phone-member-list.png", full_page=True)
    assert scroll <= 390, f"member list is {scroll}px wide on a 390px phone"


def test_delete_branch_after_confirmation(page: Page, world, live_server, artifacts: Path):
    branch = world.a.empty_branch
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])

    nav(page, "支部")
    page.get_by_role("link", name=branch.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(branch.name)
    confirm = page.get_by_role("button", name="确认删除")
    expect(confirm).to_be_hidden()  # nothing is deleted by a single click

    page.locator("summary", has_text="删除").click()
    expect(page.get_by_text(f"确定删除支部“{branch.name}”？")).to_be_visible()
    page.screenshot(path=artifacts / "branch-delete-confirm.png", full_page=True)
    confirm.click()

    expect(page).to_have_url(re.compile(r"/branches/$"))
    expect(flash(page)).to_have_text("支部已删除")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_role("link", name=branch.name, exact=True)).to_have_count(0)
    assert count_in_db(live_server, world.a.township.id, Branch, Branch.id == branch.id) == 0


def test_list_pagers_count_only_this_township(page: Page, world):
    log_in(page, world.a.users[Role.TOWNSHIP_ADMIN])

    nav(page, "支部")
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.locator(".pager")).to_contain_text("共 3 条，第 1 / 1 页", timeout=1_000)

    nav(page, "党员")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator(".pager")).to_contain_text("共 2 条，第 1 / 1 页")
    expect(page.locator(".pager").get_by_role("link", name="下一页")).to_have_count(0)
