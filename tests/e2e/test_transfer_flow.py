"""Issue 10 in the browser: township A transfers a member's organisational relationship to a
branch of township A2. A's officer drafts and submits it, the branch secretary and the officer
approve it, A2's officer receives the member, and A keeps only the read-only stub."""

import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

from tenants.context import system_context_unsafe
from tenants.models import Township
from tests.e2e.test_flows import dress_for_readme, log_in
from tests.e2e.test_placement_flow import _log_out
from tests.transfers.helpers import entry_for
from webapp.auth.models import Role
from webapp.branches.models import Branch
from webapp.extensions import db


def test_a_transfer_between_two_townships_through_the_pages(
    page: Page, world, live_server, artifacts: Path, docs_screenshots: Path
):
    home, receiver = world.a, world.a2
    dress_for_readme(live_server, world)
    with live_server.app.app_context(), system_context_unsafe():
        for obj, model, value in (
            (receiver.township, Township, "澄潭街道"),
            (receiver.branch, Branch, "澄潭工业园区流动党员临时党支部"),
        ):
            db.session.get(model, obj.id).name = value
            obj.name = value
        db.session.commit()
    with live_server.app.app_context():
        entry = entry_for(receiver, receiver.branch.id)
    name = home.member.name

    log_in(page, home.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{home.township.slug}/members/{home.member.id}")
    page.locator("#transfers").get_by_role("link", name="组织关系转出").click()
    # by value: other tests' worlds hold entries of the same name
    page.get_by_label("接收组织").select_option(value=str(entry))
    page.get_by_label("转接原因").fill("在澄潭工业园区长期工作并定居")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#transfer-status")).to_have_text("草稿")
    page.get_by_role("button", name="提交审批").click()
    expect(page.locator("#transfer-status")).to_have_text("已提交（待支部审批）")
    _log_out(page)

    log_in(page, home.users[Role.BRANCH_SECRETARY])
    page.goto(f"/t/{home.township.slug}/transfers/queue?step=branch")
    page.locator("#queue").get_by_role("link", name=name).click()
    page.get_by_role("button", name="审批通过").click()
    expect(page.locator("#transfer-status")).to_have_text("待乡镇党委审批")
    _log_out(page)

    log_in(page, home.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{home.township.slug}/transfers/")
    page.locator("#transfers").get_by_role("link", name=name).click()
    page.get_by_role("button", name="审批通过").click()
    expect(page.locator("#transfer-status")).to_have_text("已开具")
    expect(page.locator("#approvals")).to_contain_text("乡镇党委")
    shot = artifacts / "transfer-issued.png"
    page.screenshot(path=shot, full_page=True)
    shutil.copyfile(shot, docs_screenshots / "transfer-issued.png")
    _log_out(page)

    log_in(page, receiver.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{receiver.township.slug}/incoming/")
    row = page.locator("#incoming tbody tr").first
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("待接收")
    shot = artifacts / "transfer-incoming.png"
    page.screenshot(path=shot, full_page=True)
    shutil.copyfile(shot, docs_screenshots / "transfer-incoming.png")
    row.get_by_role("link", name="接收").click()
    page.get_by_role("button", name="确认接收").click()
    expect(page.locator(".flash-success")).to_contain_text("已登记到本镇党员名册")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    _log_out(page)

    log_in(page, home.users[Role.TOWNSHIP_ADMIN])
    page.goto(f"/t/{home.township.slug}/members/{home.member.id}")
    expect(page.locator("#stub")).to_contain_text("只保留转出记录")
    expect(page.locator("#transfers")).to_contain_text("已接收")
    shot = artifacts / "transfer-stub.png"
    page.locator("#transfers").screenshot(path=shot)
    shutil.copyfile(shot, docs_screenshots / "transfer-stub.png")
