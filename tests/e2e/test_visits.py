"""In the browser: assign contact duty, log a visit, watch the quarter's coverage change; 三个一."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tenants.context import tenant_context
from tests.duties.helpers import trip
from tests.e2e.test_flows import count_in_db, flash, log_in, nav
from webapp.auth.models import Role
from webapp.duties.models import Contact, ThreeOnesItem
from webapp.extensions import db
from webapp.members.models import Member

pytestmark = pytest.mark.e2e

TODAY = date.today()


def _rename(live_server, member: Member, name: str) -> None:
    with live_server.app.app_context(), tenant_context(member.tenant_id):
        db.session.get(Member, member.id).name = name
        db.session.commit()
    member.name = name


def test_log_a_visit_and_see_coverage_change(page: Page, world, live_server, artifacts: Path):
    tw = world.a
    member = tw.member
    with live_server.app.app_context():
        _rename(live_server, member, "李春生")
        trip(member, TODAY - timedelta(days=5))
    log_in(page, tw.users[Role.BRANCH_SECRETARY])

    # a secretary lands on their own branch's page for the current quarter
    nav(page, "走访与三个一")
    expect(page.locator("#due")).to_have_text("1")
    expect(page.locator("#visited")).to_have_text("0")
    expect(page.locator("#overdue")).to_have_text("1")
    expect(page.locator("#officers")).to_contain_text("未分配")
    page.screenshot(path=artifacts / "visits-coverage-before.png", full_page=True)

    page.get_by_role("link", name="联系分工").click()
    page.get_by_role("button", name="自动分配").click()
    expect(flash(page)).to_contain_text("已为1名流动党员分配联系人")
    expect(page.locator("#roster tbody tr")).to_contain_text(
        tw.users[Role.BRANCH_SECRETARY].display_name
    )
    page.screenshot(path=artifacts / "visits-assignments.png", full_page=True)

    page.get_by_role("link", name="本季度走访情况").click()
    row = page.locator(f"#coverage tr[data-member='{member.id}']")
    expect(row).to_contain_text("尚未联系")
    row.get_by_role("link", name="登记联系").click()
    page.get_by_label("联系方式", exact=True).select_option(label="上门走访")
    page.get_by_label("联系内容", exact=True).fill("问候一下")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".error[data-field=substance]")).to_contain_text("至少10个字")
    page.screenshot(path=artifacts / "visits-contact-error.png", full_page=True)
    assert count_in_db(live_server, tw.township.id, Contact) == 0

    substance = "春节前上门走访家属，电话连线本人：在宁波电子厂上班，已到流入地党组织报到。"
    page.get_by_label("联系内容", exact=True).fill(substance)
    page.get_by_label("跟进事项", exact=True).fill("帮助办理流动党员证验证")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_have_text("联系记录已保存")
    expect(page.locator("#contacts")).to_contain_text(substance)
    assert count_in_db(live_server, tw.township.id, Contact) == 1
    page.screenshot(path=artifacts / "visits-member-log.png", full_page=True)

    page.get_by_role("link", name="一季度一访").click()
    expect(page.locator("#visited")).to_have_text("1")
    expect(page.locator("#overdue")).to_have_text("0")
    expect(page.locator(f"#coverage tr[data-member='{member.id}']")).to_contain_text("已联系")
    page.screenshot(path=artifacts / "visits-coverage-after.png", full_page=True)

    # the township sees the branch's figures and can drill down
    log_in(page, tw.users[Role.TOWNSHIP_ADMIN])
    nav(page, "走访与三个一")
    branch_row = page.locator("#branches tr", has_text=tw.branch.name)
    expect(branch_row.locator("td.num").first).to_have_text("1")
    expect(page.locator("#visited")).to_have_text("1")
    page.screenshot(path=artifacts / "visits-township.png", full_page=True)


def test_member_submits_own_three_ones_and_the_branch_sees_it(
    page: Page, world, live_server, artifacts: Path
):
    tw = world.a
    with live_server.app.app_context():
        _rename(live_server, tw.member, "王秀英")
        trip(tw.member, TODAY - timedelta(days=40))
    log_in(page, tw.users[Role.MEMBER])
    nav(page, "我的三个一")
    card = page.locator("#item-call")
    card.get_by_label("未完成，说明原因").check()
    card.get_by_label("未能完成的原因", exact=True).fill("太忙")
    card.get_by_role("button", name="保存").click()
    expect(page.locator("#item-call .error[data-field=call-explanation]")).to_contain_text(
        "至少10个字"
    )
    card = page.locator("#item-call")
    card.get_by_label("未能完成的原因", exact=True).fill(
        "在远洋渔船上工作，半年没有信号，回港后已补打电话"
    )
    card.get_by_role("button", name="保存").click()
    expect(flash(page)).to_contain_text("已提交")
    letter = page.locator("#item-letter")
    letter.get_by_role("group").get_by_label("已完成").check()
    letter.get_by_label("完成日期", exact=True).fill(TODAY.isoformat())
    letter.get_by_label("信件或思想汇报的主题", exact=True).fill("思想汇报：在外学习二十大精神")
    letter.get_by_role("button", name="保存").click()
    expect(page.locator("#item-letter .tag")).to_have_text("已完成")
    page.screenshot(path=artifacts / "three-ones-mine.png", full_page=True)
    assert count_in_db(live_server, tw.township.id, ThreeOnesItem) == 2

    log_in(page, tw.users[Role.BRANCH_SECRETARY])
    nav(page, "走访与三个一")
    page.locator(".tabs").get_by_role("link", name="三个一").click()
    row = page.locator(f"#board tr[data-member='{tw.member.id}']")
    expect(row.locator(".tag")).to_have_text(["未完成", "已完成", "已说明"])
    page.screenshot(path=artifacts / "three-ones-branch.png", full_page=True)
