"""Issue 10 in the browser: an officer creates a temporary mobile branch from the directory page,
adds an off-platform organisation, places a member who is away there, records the report-in and
ends the placement, each step confirmed on the page (and no CSP violation)."""

import shutil
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, expect

from tenants.context import system_context_unsafe
from tenants.models import Township
from tests.e2e.test_flows import dress_for_readme, log_in
from tests.placements.helpers import publish, send_away
from webapp.auth.models import Role, User
from webapp.branches.models import Branch
from webapp.extensions import db


def test_directory_and_placement_through_the_pages(
    page: Page, world, live_server, artifacts: Path, docs_screenshots: Path
):
    dress_for_readme(live_server, world)
    tw = world.a
    with live_server.app.app_context():
        send_away(tw, tw.member.id)
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])

    page.goto(f"/t/{tw.township.slug}/directory/")
    page.get_by_role("link", name="＋ 新建临时党支部").click()
    page.get_by_label("支部名称").fill("柯桥轻纺城流动党员临时党支部")
    page.get_by_label("依托单位").fill("中国轻纺城")
    page.get_by_label("所在地行政区划代码").fill("330603")
    page.get_by_label("支部书记").fill("陈国强")
    page.get_by_label("联系电话").fill("0575-84120000")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已新建临时党支部并列入组织目录")

    page.goto(f"/t/{tw.township.slug}/directory/new")
    page.get_by_label("组织名称").fill("深圳南山某科技公司党支部")
    page.get_by_label("所在地行政区划代码").fill("999999")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error[data-field=division_code]")).to_contain_text("行政区划代码不存在")
    page.get_by_label("所在地行政区划代码").fill("440305")
    page.get_by_label("联系人").fill("李书记")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已添加到组织目录")

    # the directory holds every township's entries (other tests' too): look up this township's
    page.goto(f"/t/{tw.township.slug}/directory/?q={tw.township.name}")
    table = page.locator("#directory")
    expect(table).to_contain_text("柯桥轻纺城流动党员临时党支部")
    expect(table).to_contain_text("广东省深圳市南山区")
    shot = artifacts / "directory.png"
    page.screenshot(path=shot, full_page=True)
    shutil.copyfile(shot, docs_screenshots / "directory.png")

    page.goto(f"/t/{tw.township.slug}/members/{tw.member.id}")
    page.get_by_role("link", name="安排到流入地组织").click()
    page.get_by_label("流入地组织").select_option(label="深圳南山某科技公司党支部（平台外）")
    page.get_by_label("安排日期").fill(date.today().isoformat())
    page.get_by_role("button", name="保存").click()
    section = page.locator("#placements")
    expect(section).to_contain_text("待报到")
    page.get_by_role("link", name="登记报到").click()
    page.get_by_label("报到日期").fill(date.today().isoformat())
    page.get_by_label("流入地联系人").fill("李书记")
    page.get_by_role("button", name="保存").click()
    expect(section).to_contain_text("已流入")
    shot = artifacts / "member-placement.png"
    section.screenshot(path=shot)
    shutil.copyfile(shot, docs_screenshots / "member-placement.png")

    page.get_by_role("link", name="结束安排").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("结束流入地安排")
    page.get_by_label("结束日期").fill(date.today().isoformat())
    page.get_by_label("结束原因").select_option(label="离开流入地")
    page.get_by_role("button", name="确认结束").click()
    expect(section).to_contain_text("已结束")


def _log_out(page: Page) -> None:
    page.locator("details.dropdown summary").click()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")


def test_a_member_placed_in_another_township_is_confirmed_there(
    page: Page, world, live_server, artifacts: Path, docs_screenshots: Path
):
    home, inflow = world.a, world.a2
    dress_for_readme(live_server, world)
    renames = [
        (inflow.township, Township, "name", "澄潭街道"),
        (inflow.branch, Branch, "name", "澄潭工业园区流动党员临时党支部"),
        (inflow.users[Role.BRANCH_SECRETARY], User, "display_name", "李建国"),
    ]
    with live_server.app.app_context(), system_context_unsafe():
        for obj, model, attr, value in renames:
            setattr(db.session.get(model, obj.id), attr, value)
            setattr(obj, attr, value)
        db.session.commit()
    with live_server.app.app_context():
        send_away(home, home.member.id)
        entry = publish(inflow, inflow.branch.id)
    log_in(page, home.users[Role.TOWNSHIP_ADMIN])
    page.goto(
        f"/t/{home.township.slug}/placements/members/{home.member.id}/new?org={inflow.branch.name}"
    )
    # by value: other tests' worlds hold entries of the same name
    page.get_by_label("流入地组织").select_option(value=str(entry))
    page.get_by_label("安排日期").fill(date.today().isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#placements")).to_contain_text("等待流入地支部在平台上确认报到")
    _log_out(page)

    log_in(page, inflow.users[Role.BRANCH_SECRETARY])
    page.goto(f"/t/{inflow.township.slug}/inflow/")
    row = page.locator("#inflow tbody tr").first
    expect(row).to_contain_text(home.member.name)
    expect(row).to_contain_text(home.township.name)
    shot = artifacts / "inflow-members.png"
    page.screenshot(path=shot, full_page=True)
    shutil.copyfile(shot, docs_screenshots / "inflow-members.png")
    row.get_by_role("link", name="确认报到").click()
    page.get_by_label("报到日期").fill(date.today().isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("流出地乡镇同时可见")
    # the inflow branch records the member's branch life there
    page.locator("#inflow tbody tr").first.get_by_role("link", name="登记组织生活等").click()
    page.get_by_label("记录类型").select_option(label="参加组织生活")
    page.get_by_label("日期").fill(date.today().isoformat())
    page.get_by_label("活动名称或事项").fill("十二月主题党日：学习党章")
    page.get_by_label("参加情况或评议等次").select_option("参加")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("流出地乡镇同时可见")
    expect(page.locator("#inflow-records")).to_contain_text("十二月主题党日")
    _log_out(page)

    log_in(page, home.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{home.township.slug}/members/{home.member.id}")
    expect(page.locator("#placements")).to_contain_text("已流入")
    page.locator("#placements").get_by_role("link", name="流入地记录").click()
    records = page.locator("#inflow-records")
    expect(records).to_contain_text("十二月主题党日：学习党章")
    expect(records).to_contain_text(inflow.township.name)
    shot = artifacts / "inflow-records.png"
    page.screenshot(path=shot, full_page=True)
    shutil.copyfile(shot, docs_screenshots / "inflow-records.png")
