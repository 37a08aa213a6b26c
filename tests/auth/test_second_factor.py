"""Security 9: a second factor (TOTP) for officer and coordinator accounts, required by a township."""

import time

import pyotp
import pytest
from sqlalchemy import select, text

from tenants.context import system_context_unsafe, tenant_context
from tenants.models import Township
from tests.factories import PASSWORD, login
from webapp.audit.models import AuditLog
from webapp.auth.models import Role, User
from webapp.auth.second_factor import matching_step
from webapp.extensions import db


def _secret(app, user: User) -> str:
    with app.app_context(), system_context_unsafe():
        return db.session.get(User, user.id).totp_secret


def _code(secret: str, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(int(time.time())) + steps_ahead)


def _enrol(app, client, user: User) -> str:
    """Set the second factor up through the pages, as the officer would; its secret."""
    page = client.get("/account/second-factor")
    assert page.status_code == 200 and "data:image/svg+xml" in page.get_data(as_text=True)
    secret = _secret(app, user)
    response = client.post("/account/second-factor", data={"code": _code(secret)})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return secret


def _require(app, township: Township, on: bool = True) -> None:
    with app.app_context(), system_context_unsafe():
        row = db.session.get(Township, township.id)
        row.settings = {**(row.settings or {}), "require_second_factor": int(on)}
        db.session.commit()


def _password_step(client, user: User):
    return client.post("/login", data={"username": user.username, "password": PASSWORD})


def test_finding_9_setup_page_shows_a_qr_code_and_the_secret_and_wants_a_right_code(
    app, client, world
):
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    login(client, user)
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = _secret(app, user)
    assert secret and " ".join(secret[i : i + 4] for i in range(0, 8, 4)) in page
    wrong = client.post("/account/second-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.get_data(as_text=True)
    empty = client.post("/account/second-factor", data={"code": ""})
    assert empty.status_code == 422 and "请输入手机验证器上的6位验证码" in empty.get_data(
        as_text=True
    )
    with app.app_context(), system_context_unsafe():
        assert db.session.get(User, user.id).totp_enabled_at is None
    assert client.post("/account/second-factor", data={"code": _code(secret)}).status_code == 302
    with app.app_context(), tenant_context(world.a.township.id):
        stored = db.session.get(User, user.id)
        assert stored.totp_enabled_at is not None
        assert db.session.scalar(
            select(AuditLog).where(
                AuditLog.action == "auth.second_factor_enabled", AuditLog.entity_id == user.id
            )
        )
    assert "已启用" in client.get("/account/second-factor").get_data(as_text=True)


def test_finding_9_the_secret_is_encrypted_at_rest(app, client, world):
    user = world.a.users[Role.BRANCH_SECRETARY]
    login(client, user)
    secret = _enrol(app, client, user)
    with app.app_context(), system_context_unsafe():
        raw = db.session.execute(
            text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id}
        ).scalar_one()
    assert raw and secret not in raw


def test_finding_9_setting_up_ends_the_other_sessions(app, world):
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    mine, other = app.test_client(), app.test_client()
    login(mine, user)
    login(other, user)
    _enrol(app, mine, user)
    assert mine.get(f"/t/{world.a.township.slug}/").status_code == 200
    assert other.get(f"/t/{world.a.township.slug}/").status_code == 302


def test_finding_9_login_asks_for_the_code_after_the_password(app, client, world):
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    login(client, user)
    secret = _enrol(app, client, user)
    client.post("/logout")
    response = _password_step(client, user)
    assert response.status_code == 302 and response.location.endswith("/login/second-factor")
    # the password alone opens nothing
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 302
    wrong = client.post("/login/second-factor", data={"code": "123456"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.get_data(as_text=True)
    right = client.post("/login/second-factor", data={"code": _code(secret, 1)})
    assert right.status_code == 302
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 200
    with app.app_context(), tenant_context(world.a.township.id):
        entry = db.session.scalars(
            select(AuditLog)
            .where(AuditLog.action == "auth.login", AuditLog.actor_id == user.id)
            .order_by(AuditLog.id.desc())
        ).first()
        assert entry.after == {"second_factor": True}


def test_finding_9_a_code_cannot_be_used_twice(app, world):
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    first, second = app.test_client(), app.test_client()
    login(first, user)
    secret = _enrol(app, first, user)
    code = _code(secret, 1)  # a step the setup did not use
    assert _password_step(first, user).status_code == 302
    assert first.post("/login/second-factor", data={"code": code}).status_code == 302
    assert _password_step(second, user).status_code == 302
    replay = second.post("/login/second-factor", data={"code": code})
    assert replay.status_code == 422
    assert second.get(f"/t/{world.a.township.slug}/").status_code == 302


def test_finding_9_guessing_codes_is_throttled(app, client, world):
    user = world.a.users[Role.BRANCH_SECRETARY]
    login(client, user)
    secret = _enrol(app, client, user)
    client.post("/logout")
    _password_step(client, user)
    for guess in ("111111", "222222", "333333", "444444", "555555"):
        assert client.post("/login/second-factor", data={"code": guess}).status_code == 422
    locked = client.post("/login/second-factor", data={"code": _code(secret)})
    assert locked.status_code == 429 and "验证码错误次数过多" in locked.get_data(as_text=True)
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 302


def test_finding_9_the_code_step_expires(app, client, world):
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    login(client, user)
    secret = _enrol(app, client, user)
    client.post("/logout")
    _password_step(client, user)
    with client.session_transaction() as sess:
        pending = dict(sess["pending_login"])
        sess["pending_login"] = {**pending, "at": pending["at"] - 301}
    response = client.post("/login/second-factor", data={"code": _code(secret, 1)})
    assert response.status_code == 302 and "/login" in response.location
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 302


def test_finding_9_codes_outside_one_step_of_drift_are_refused() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = totp.timecode(int(now))
    assert matching_step(secret, totp.generate_otp(step), None, now) == step
    assert matching_step(secret, totp.generate_otp(step - 1), None, now) == step - 1
    assert matching_step(secret, totp.generate_otp(step + 2), None, now) is None
    assert matching_step(secret, totp.generate_otp(step - 2), None, now) is None
    assert matching_step(secret, totp.generate_otp(step), step, now) is None  # used already
    assert matching_step(secret, "12 34 5", None, now) is None
    assert matching_step(secret, "١٢٣٤٥٦", None, now) is None  # non-ASCII digits


@pytest.mark.parametrize("role", [Role.TOWNSHIP_ADMIN, Role.COMMITTEE_MEMBER])
def test_finding_9_a_township_that_requires_it_holds_officers_at_the_setup_page(
    app, client, world, role
):
    _require(app, world.a.township)
    user = world.a.users[role]
    login(client, user)
    home = client.get(f"/t/{world.a.township.slug}/")
    assert home.status_code == 302 and home.location.endswith("/account/second-factor")
    members = client.get(f"/t/{world.a.township.slug}/members/")
    assert members.status_code == 302
    _enrol(app, client, user)
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 200


def test_finding_9_a_coordinator_of_a_township_that_requires_it_must_set_it_up(app, client, world):
    _require(app, world.a.township)
    login(client, world.coordinator_a)
    response = client.get("/county/")
    assert response.status_code == 302 and response.location.endswith("/account/second-factor")
    login(client, world.coordinator_b)  # another county's coordinator is not held
    assert client.get("/county/").status_code == 200


def test_finding_9_members_are_not_held_and_are_not_offered_it(app, client, world):
    _require(app, world.a.township)
    login(client, world.a.users[Role.MEMBER])
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 200
    assert client.get("/account/second-factor").status_code == 302


def test_finding_9_requiring_it_needs_the_officer_to_have_it_first(app, client, world):
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    login(client, user)
    url = f"/t/{world.a.township.slug}/settings"
    form = {
        "long_term_days": "180",
        "certificate_verify_months": "6",
        "require_second_factor": "1",
    }
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert "请先为您自己的账号启用两步验证" in refused.get_data(as_text=True)
    with app.app_context(), system_context_unsafe():
        assert not db.session.get(Township, world.a.township.id).settings.get(
            "require_second_factor"
        )
    _enrol(app, client, user)
    assert client.post(url, data=form).status_code == 302
    with app.app_context(), system_context_unsafe():
        assert db.session.get(Township, world.a.township.id).settings["require_second_factor"] == 1
    assert client.post(url, data={**form, "require_second_factor": "7"}).status_code == 422


def test_finding_9_turning_it_off_takes_the_password_and_a_code_and_not_while_required(
    app, client, world
):
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    login(client, user)
    secret = _enrol(app, client, user)
    assert "确定要关闭吗" in client.get("/account/second-factor/disable").get_data(as_text=True)
    bad = client.post(
        "/account/second-factor/disable", data={"password": "wrong-pass1", "code": _code(secret)}
    )
    assert bad.status_code == 422 and "当前密码不正确" in bad.get_data(as_text=True)
    _require(app, world.a.township)
    held = client.post(
        "/account/second-factor/disable", data={"password": PASSWORD, "code": _code(secret, 1)}
    )
    assert held.status_code == 422 and "不能关闭" in held.get_data(as_text=True)
    _require(app, world.a.township, on=False)
    done = client.post(
        "/account/second-factor/disable", data={"password": PASSWORD, "code": _code(secret, 1)}
    )
    assert done.status_code == 302
    with app.app_context(), tenant_context(world.a.township.id):
        stored = db.session.get(User, user.id)
        assert stored.totp_enabled_at is None and stored.totp_secret is None
        assert db.session.scalar(
            select(AuditLog).where(AuditLog.action == "auth.second_factor_disabled")
        )
    client.post("/logout")
    again = _password_step(client, user)
    assert again.status_code == 302 and "second-factor" not in again.location


def test_finding_9_reset_from_the_command_line_clears_it_and_ends_sessions(
    app, client, world, database_url
):
    from click.testing import CliRunner

    from webapp.cli import main

    user = world.a.users[Role.TOWNSHIP_ADMIN]
    login(client, user)
    _enrol(app, client, user)
    result = CliRunner().invoke(
        main, ["reset-second-factor", "--username", user.username], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 302
    with app.app_context(), tenant_context(world.a.township.id):
        assert db.session.get(User, user.id).totp_enabled_at is None
        assert db.session.scalar(
            select(AuditLog).where(AuditLog.action == "auth.second_factor_reset")
        )
