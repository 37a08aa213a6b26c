"""Finding 15: API tokens expire, carry a scope, keep their last use, die with a password change."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tenants.context import tenant_context
from tenants.db import utcnow
from tests.factories import PASSWORD, login, token_for, uid
from webapp.audit.models import AuditLog
from webapp.auth.models import ApiToken, Role, TokenScope
from webapp.auth.services import AuthError
from webapp.auth.tokens import do_create_token
from webapp.cli import main
from webapp.extensions import db


def _bearer(clear: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {clear}"}


def _token_row(app, clear: str) -> ApiToken:
    with app.app_context():
        return db.session.scalar(select(ApiToken).where(ApiToken.prefix == clear[:10]))


def test_finding_15_read_scope_cannot_write(app, client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    branches = f"/api/v1/t/{world.a.township.slug}/branches"
    with app.app_context():
        read = token_for(user, TokenScope.READ)
        write = token_for(user, TokenScope.WRITE)
    assert client.get(branches, headers=_bearer(read)).status_code == 200
    base = f"/api/v1/t/{world.a.township.slug}"
    member = world.a.member.id
    writes = [
        ("POST", branches),
        ("PATCH", f"{branches}/{world.a.branch.id}"),
        ("PUT", f"{base}/three-ones/members/{member}"),
        ("DELETE", f"{base}/duties/members/{member}/assignment"),
    ]
    for method, url in writes:
        answer = client.open(url, method=method, headers=_bearer(read), json={"name": "x"})
        assert answer.status_code == 403, method
        assert "只读" in answer.get_json()["message"]
    created = client.post(branches, headers=_bearer(write), json={"name": f"接口支部{uid()}"})
    assert created.status_code == 201


def test_finding_15_tokens_expire(app, client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    with app.app_context():
        token, clear = do_create_token(db.session, user, "短期", TokenScope.READ, days=1)
        assert timedelta(hours=23) < token.expires_at - utcnow() <= timedelta(days=1)
        default, _ = do_create_token(db.session, user, "默认")
        assert timedelta(days=89) < default.expires_at - utcnow() <= timedelta(days=90)
        assert default.scope == TokenScope.READ  # least privilege unless write is asked for
        for days in (0, 366, 10**6):
            with pytest.raises(AuthError, match="有效期"):
                do_create_token(db.session, user, "太长", TokenScope.READ, days=days)
        with pytest.raises(AuthError, match="权限"):
            do_create_token(db.session, user, "怪权限", "admin")
    assert client.get("/api/v1/townships", headers=_bearer(clear)).status_code == 200
    with app.app_context():
        row = db.session.get(ApiToken, token.id)
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    expired = client.get("/api/v1/townships", headers=_bearer(clear))
    assert expired.status_code == 401 and "过期" in expired.get_json()["message"]


def test_finding_15_last_use_is_kept_at_most_once_a_minute(app, client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    with app.app_context():
        clear = token_for(user, TokenScope.READ)
    assert _token_row(app, clear).last_used_at is None
    client.get("/api/v1/townships", headers=_bearer(clear))
    first = _token_row(app, clear).last_used_at
    assert first is not None
    client.get("/api/v1/townships", headers=_bearer(clear))
    assert _token_row(app, clear).last_used_at == first  # within the minute: no write
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == clear[:10]))
        row.last_used_at = utcnow() - timedelta(seconds=61)
        db.session.commit()
    client.get("/api/v1/townships", headers=_bearer(clear))
    later = _token_row(app, clear).last_used_at
    assert later is not None and later > first


def test_finding_15_password_change_revokes_every_token(app, client, world) -> None:
    user = world.a.users[Role.COMMITTEE_MEMBER]
    with app.app_context():
        tokens = [token_for(user, TokenScope.READ), token_for(user, TokenScope.WRITE)]
    for clear in tokens:
        assert client.get("/api/v1/townships", headers=_bearer(clear)).status_code == 200
    login(client, user)
    new = "river-stone-lantern"
    changed = client.post(
        "/account/password", data={"current": PASSWORD, "new": new, "confirm": new}
    )
    assert changed.status_code == 302
    for clear in tokens:
        assert client.get("/api/v1/townships", headers=_bearer(clear)).status_code == 401
        assert _token_row(app, clear).revoked_at is not None
    with app.app_context(), tenant_context(world.a.township.id):
        entry = db.session.scalar(
            select(AuditLog).where(
                AuditLog.action == "auth.password_changed", AuditLog.actor_id == user.id
            )
        )
        assert entry.after == {"tokens_revoked": 2}


def test_finding_15_tokens_are_listed_and_revoked_after_confirmation(app, client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    login(client, user)
    made = client.post("/account/tokens", data={"name": "同步脚本", "scope": "write", "days": "30"})
    assert made.status_code == 200
    page = made.get_data(as_text=True)
    clear = page.split('id="new-token">')[1].split("<")[0]
    row = _token_row(app, clear)
    assert row.scope == TokenScope.WRITE
    assert (
        timedelta(days=29)
        < row.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
        <= timedelta(days=30)
    )
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "同步脚本" in listing and "读写" in listing and "到期时间" in listing
    for bad in ({"days": "0"}, {"days": "400"}, {"scope": "root"}):
        body = {"name": "坏的", "scope": "read", "days": "90"} | bad
        assert client.post("/account/tokens", data=body).status_code == 422, bad
    confirm = client.get(f"/account/tokens/{row.id}/revoke")
    assert confirm.status_code == 200 and "确认吊销" in confirm.get_data(as_text=True)
    assert client.get("/api/v1/townships", headers=_bearer(clear)).status_code == 200  # GET: no-op
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert client.get("/api/v1/townships", headers=_bearer(clear)).status_code == 401
    assert "已吊销" in client.get("/account/tokens").get_data(as_text=True)
    other = world.b.users[Role.TOWNSHIP_ADMIN]
    with app.app_context():
        foreign = do_create_token(db.session, other, "别人的")[0].id
    assert client.get(f"/account/tokens/{foreign}/revoke").status_code == 404
    assert client.post(f"/account/tokens/{foreign}/revoke").status_code == 404


def test_finding_15_command_line_tokens_have_scope_and_expiry(app, client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    args = ["create-token", "--username", user.username]
    too_long = CliRunner().invoke(main, [*args, "--days", "366"])
    assert too_long.exit_code != 0
    made = CliRunner().invoke(main, [*args, "--days", "7"])
    assert made.exit_code == 0, made.output
    clear = made.output.strip().splitlines()[-1]
    row = _token_row(app, clear)
    assert row.scope == TokenScope.READ
    assert client.get("/api/v1/townships", headers=_bearer(clear)).status_code == 200
    branches = f"/api/v1/t/{world.a.township.slug}/branches"
    assert client.post(branches, headers=_bearer(clear), json={"name": "x"}).status_code == 403
