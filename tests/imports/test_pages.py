"""The import pages: job list, progress JSON and API, links by role, real forms with CSRF."""

import io
import re

from tests.conftest import make_app
from tests.factories import PASSWORD, login, make_township, make_user, token_for
from tests.imports.util import job_of, person, upload, validate, xlsx
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.imports.models import ImportStatus


def _admin(client, world):
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    return world.a.township.slug, world.a.township.id


def test_job_list_pages_and_empty_state(app, client, world) -> None:
    township = make_township(world.county_a)
    admin = make_user(Role.TOWNSHIP_ADMIN, township)
    login(client, admin)
    page = client.get(f"/t/{township.slug}/imports/").get_data(as_text=True)
    assert "还没有导入过花名册" in page and "下载导入模板" in page and "导出花名册" in page
    for i in range(21):
        upload(client, township.slug, b"not excel", f"f{i}.xlsx")
    page = client.get(f"/t/{township.slug}/imports/").get_data(as_text=True)
    assert "共 21 条" in page and "下一页" in page
    assert "f0.xlsx" not in page and "f20.xlsx" in page
    assert "f0.xlsx" in client.get(f"/t/{township.slug}/imports/?page=2").get_data(as_text=True)


def test_progress_json_and_api(app, client, world) -> None:
    slug, tid = _admin(client, world)
    job_id = upload(client, slug, xlsx([person(world.a.branch.name), person("无")]))
    state = client.get(f"/t/{slug}/imports/{job_id}?format=json").get_json()
    assert state["status"] == "uploaded" and state["label"] == "已上传，等待校验"
    validate(tid, job_id)
    state = client.get(f"/t/{slug}/imports/{job_id}?format=json").get_json()
    assert state["status"] == "previewed" and state["progress"] == 100
    assert (state["valid_rows"], state["error_rows"]) == (1, 1)

    with app.app_context():
        token = token_for(world.a.users[Role.TOWNSHIP_ADMIN])
        secretary = token_for(world.a.users[Role.BRANCH_SECRETARY])
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/t/{slug}/imports/{job_id}", headers=headers).get_json()
    assert body["status"] == "previewed" and body["progress"] == 100
    assert body["errors"] == [
        {"row": 3, "column": "所在支部", "problem": "本乡镇没有名为“无”的支部，请核对支部名称"}
    ]
    listing = client.get(f"/api/v1/t/{slug}/imports", headers=headers).get_json()
    assert job_id in {j["id"] for j in listing["items"]}
    denied = client.get(
        f"/api/v1/t/{slug}/imports/{job_id}", headers={"Authorization": f"Bearer {secretary}"}
    )
    assert denied.status_code == 403
    other = world.b.township.slug
    assert client.get(f"/api/v1/t/{other}/imports/{job_id}", headers=headers).status_code == 404


def test_roster_links_only_for_importers(app, client, world) -> None:
    slug, _tid = _admin(client, world)
    assert "导入花名册</a>" in client.get(f"/t/{slug}/").get_data(as_text=True)
    login(client, world.a.users[Role.BRANCH_SECRETARY])
    assert "导入花名册</a>" not in client.get(f"/t/{slug}/").get_data(as_text=True)
    assert client.get(f"/t/{slug}/imports/").status_code == 403


def test_upload_and_confirm_with_csrf_on(database_url, world) -> None:
    """The real forms carry their CSRF tokens (upload is multipart, import is a confirmation)."""
    strict = make_app(database_url, WTF_CSRF_ENABLED=True)
    try:
        client = strict.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        user = world.a.users[Role.TOWNSHIP_ADMIN]
        client.post(
            "/login",
            data={
                "username": user.username,
                "password": PASSWORD,
                "csrf_token": _token(login_page),
            },
        )
        slug, tid = world.a.township.slug, world.a.township.id
        page = client.get(f"/t/{slug}/imports/").get_data(as_text=True)
        assert 'enctype="multipart/form-data"' in page
        content = xlsx([person(world.a.branch.name)])
        refused = client.post(
            f"/t/{slug}/imports/",
            data={"file": (io.BytesIO(content), "a.xlsx")},
            content_type="multipart/form-data",
        )
        assert refused.status_code == 400
        response = client.post(
            f"/t/{slug}/imports/",
            data={"file": (io.BytesIO(content), "a.xlsx"), "csrf_token": _token(page)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        with strict.app_context():
            validate(tid, job_id)
        show = client.get(f"/t/{slug}/imports/{job_id}").get_data(as_text=True)
        assert show.count('name="confirm" value="yes"') == 2
        started = client.post(
            f"/t/{slug}/imports/{job_id}/run",
            data={"mode": "valid_only", "confirm": "yes", "csrf_token": _token(show)},
        )
        assert started.status_code == 302
        assert job_of(strict, tid, job_id).status == ImportStatus.IMPORTING
    finally:
        db.session.remove()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)
