"""Security 9 in the browser: an officer sets up the second factor from the QR page's key, logs out,
and logs in again with the password and then the code (no CSP violation on either page)."""

import shutil
import time
from pathlib import Path

import pyotp
from playwright.sync_api import Page, expect

from tests.e2e.test_flows import dress_for_readme
from tests.factories import PASSWORD
from webapp.auth.models import Role


def _code(secret: str, ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(int(time.time())) + ahead)


def test_finding_9_officer_sets_up_and_logs_in_with_a_code(
    page: Page, world, live_server, artifacts: Path, docs_screenshots: Path
):
    dress_for_readme(live_server, world)
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    page.goto("/login")
    page.get_by_label("用户名", exact=True).fill(user.username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto("/account/second-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("启用两步验证")
    qr = page.locator("#totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the data: URI is allowed and drawn
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="启用两步验证").click()
    expect(page.locator(".error[data-field=code]")).to_contain_text("验证码不正确")
    shot = artifacts / "second-factor-setup.png"
    page.screenshot(path=shot, full_page=True)
    shutil.copyfile(shot, docs_screenshots / "second-factor-setup.png")
    page.get_by_label("验证码").fill(_code(secret))
    page.get_by_role("button", name="启用两步验证").click()
    expect(page.locator("#totp-state")).to_contain_text("已启用")

    page.locator("details.dropdown summary").click()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")
    page.get_by_label("用户名", exact=True).fill(user.username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/login/second-factor")
    expect(page.get_by_role("heading", level=1)).to_have_text("两步验证")
    page.screenshot(path=artifacts / "second-factor-login.png", full_page=True)
    page.get_by_label("验证码").fill(_code(secret, 1))
    page.get_by_role("button", name="验证并登录").click()
    page.wait_for_url(f"**/t/{world.a.township.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(world.a.township.name)
