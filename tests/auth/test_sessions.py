"""Finding 5: logout, password change and disabling the account end the session for good."""

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants.context import tenant_context
from tests.factories import PASSWORD, login
from webapp.audit.models import AuditLog
from webapp.auth.models import Role, User
from webapp.auth.services import do_set_active
from webapp.cli import main
from webapp.extensions import db


def _copy_cookie(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second client carrying the first one's session cookie, as a thief would."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def test_finding_5_copied_cookie_is_refused_after_logout(app, client, world) -> None:
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    home = f"/t/{world.a.township.slug}/"
    login(client, user)
    thief = _copy_cookie(app, client)
    assert thief.get(home).status_code == 200  # the copy works while the session lives
    assert client.post("/logout").status_code == 302
    replay = thief.get(home)
    assert replay.status_code == 302 and "/login" in replay.location
    with app.app_context(), tenant_context(world.a.township.id):
        assert db.session.scalar(
            select(AuditLog).where(AuditLog.action == "auth.logout", AuditLog.actor_id == user.id)
        )
    login(client, user)  # a fresh login works again
    assert client.get(home).status_code == 200


def test_finding_5_copied_cookie_is_refused_after_password_change(app, client, world) -> None:
    user = world.a.users[Role.COMMITTEE_MEMBER]
    home = f"/t/{world.a.township.slug}/"
    login(client, user)
    thief = _copy_cookie(app, client)
    changed = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "quiet-river-42", "confirm": "quiet-river-42"},
    )
    assert changed.status_code == 302
    assert client.get(home).status_code == 200  # the session that changed it goes on
    assert thief.get(home).status_code == 302


def test_finding_5_disabling_the_user_ends_the_session(app, client, world) -> None:
    user = world.a.users[Role.BRANCH_SECRETARY]
    home = f"/t/{world.a.township.slug}/"
    login(client, user)
    thief = _copy_cookie(app, client)
    with app.app_context():
        target = db.session.get(User, user.id)
        do_set_active(db.session, None, target, False)
    assert client.get(home).status_code == 302
    assert thief.get(home).status_code == 302
    refused = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert refused.status_code == 200  # a disabled account cannot log in again
    with app.app_context(), tenant_context(world.a.township.id):
        assert db.session.scalar(
            select(AuditLog).where(
                AuditLog.action == "user.disabled", AuditLog.entity_id == user.id
            )
        )
        do_set_active(db.session, None, db.session.get(User, user.id), True)
    login(client, user)


def test_finding_5_disabling_from_the_command_line_ends_the_session(app, client, world) -> None:
    user = world.a.users[Role.COMMITTEE_MEMBER]
    home = f"/t/{world.a.township.slug}/"
    login(client, user)
    disabled = CliRunner().invoke(main, ["user-status", "--username", user.username, "--disable"])
    assert disabled.exit_code == 0, disabled.output
    assert client.get(home).status_code == 302
    enabled = CliRunner().invoke(main, ["user-status", "--username", user.username, "--enable"])
    assert enabled.exit_code == 0, enabled.output
    login(client, user)
    assert client.get(home).status_code == 200
