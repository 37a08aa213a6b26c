"""Finding 17: a coordinator's write answers 403 from the app itself; another township's record
and a missing one answer the same."""

from flask import Flask
from sqlalchemy import func, select

from notifications.models import Preference
from tenants.context import tenant_context
from tests.factories import World, login, token_for
from webapp.extensions import db


def test_finding_17_coordinator_saving_reminder_preferences_gets_403(app: Flask, world: World):
    client = app.test_client()
    login(client, world.coordinator_a)
    slug = world.a.township.slug
    assert client.get(f"/t/{slug}/notifications/preferences").status_code == 200
    response = client.post(
        f"/t/{slug}/notifications/preferences",
        data={"pref-channel": "sms", "contact-email": "c@example.cn"},
    )
    assert response.status_code == 403
    assert "没有执行此操作的权限" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(world.a.township.id):
        assert db.session.scalar(select(func.count()).select_from(Preference)) == 0


def test_finding_17_coordinator_api_write_gets_403(app: Flask, world: World) -> None:
    with app.app_context():
        token = token_for(world.coordinator_a)
    client = app.test_client()
    response = client.post(
        f"/api/v1/t/{world.a.township.slug}/branches",
        json={"name": "新支部"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403


def test_finding_17_foreign_and_missing_township_answer_the_same(app: Flask, world: World):
    with app.app_context():
        token = token_for(world.a.users[next(iter(world.a.users))])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    foreign = client.get(f"/api/v1/townships/{world.b.township.slug}", headers=headers)
    missing = client.get("/api/v1/townships/no-such-township", headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()
    assert foreign.headers.get("Content-Type") == missing.headers.get("Content-Type")
