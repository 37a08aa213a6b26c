"""Login, throttling, sessions (fresh, idle and absolute timeouts), password change, CSRF, cookies."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.conftest import make_app
from tests.factories import PASSWORD, login
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.extensions import db


def test_login_and_logout(client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 302
    login(client, user)
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 200
    client.post("/logout")
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 302


def test_wrong_password_says_so_in_chinese(client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    body = client.post(
        "/login", data={"username": user.username, "password": "wrong-pass1"}
    ).get_data(as_text=True)
    assert "用户名或密码不正确" in body


def test_repeated_failures_are_throttled(client, world) -> None:
    user = world.a.users[Role.BRANCH_SECRETARY]
    for _ in range(5):
        client.post("/login", data={"username": user.username, "password": "nope-nope1"})
    body = client.post("/login", data={"username": user.username, "password": PASSWORD}).get_data(
        as_text=True
    )
    assert "登录失败次数过多" in body
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 302  # still not logged in


def test_login_starts_a_fresh_session_and_is_audited(app, client, world) -> None:
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    login(client, user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
    with app.app_context(), tenant_context(world.a.township.id):
        assert db.session.scalar(
            select(AuditLog).where(AuditLog.action == "auth.login", AuditLog.actor_id == user.id)
        )


def test_idle_timeout(client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    with client.session_transaction() as sess:
        sess["seen_at"] = (datetime.now(UTC) - timedelta(minutes=31)).timestamp()
    response = client.get(f"/t/{world.a.township.slug}/")
    assert response.status_code == 302 and "/login" in response.location


def test_absolute_timeout(client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    with client.session_transaction() as sess:
        sess["login_at"] = (datetime.now(UTC) - timedelta(hours=13)).timestamp()
    assert client.get(f"/t/{world.a.township.slug}/").status_code == 302


def test_password_change_ends_other_sessions(app, world) -> None:
    user = world.a.users[Role.COMMITTEE_MEMBER]
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    bad = second.post(
        "/account/password",
        data={"current": "wrong", "new": "abc12345xyz", "confirm": "abc12345xyz"},
    )
    assert bad.status_code == 422 and "当前密码不正确" in bad.get_data(as_text=True)
    ok = second.post(
        "/account/password",
        data={"current": PASSWORD, "new": "newpass123", "confirm": "newpass123"},
    )
    assert ok.status_code == 302
    assert second.get(f"/t/{world.a.township.slug}/").status_code == 200
    assert first.get(f"/t/{world.a.township.slug}/").status_code == 302  # the other session ended
    login(first, user, "newpass123")


def test_csrf_is_required_on_forms(database_url, world) -> None:
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def test_production_cookie_flags(database_url, monkeypatch) -> None:
    monkeypatch.setenv("LIANXIN_ENV", "production")
    monkeypatch.setenv("LIANXIN_PUBLIC_BASE_URL", "https://lianxin.example.gov.cn")
    app = make_app(database_url)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_to_start_without_secret_key(monkeypatch) -> None:
    import pytest

    from webapp import create_app
    from webapp.config import ConfigError

    monkeypatch.setenv("LIANXIN_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_open_redirect_is_refused(client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    response = client.post(
        "/login?next=//evil.example/x", data={"username": user.username, "password": PASSWORD}
    )
    assert response.location.startswith("/") and "evil" not in response.location
