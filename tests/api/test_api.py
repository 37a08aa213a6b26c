"""The JSON API: tokens, CRUD for townships, branches and members, 422 with field messages."""

from datetime import date

from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.factories import token_for, uid, valid_id_number
from webapp.auth.models import ApiToken, Role
from webapp.extensions import db
from webapp.members.models import Member


def _auth(app, user) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {token_for(user)}"}


def _member_body(branch_id: int, **extra) -> dict:
    born = date(1979, 5, 6)
    body = {
        "name": "接口党员",
        "gender": "female",
        "id_number": valid_id_number(born),
        "birth_date": born.isoformat(),
        "join_date": "2001-07-01",
        "branch_id": branch_id,
        "phone": "13600001234",
    }
    body.update(extra)
    return body


def test_openapi_document(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Lianxin API"
    assert "/api/v1/t/{slug}/members" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_token_required_and_stored_hashed(app, client, world) -> None:
    assert client.get("/api/v1/townships").status_code == 401
    bad = client.get("/api/v1/townships", headers={"Authorization": "Bearer lx_nope"})
    assert bad.status_code == 401 and "令牌" in bad.get_json()["message"]
    headers = _auth(app, world.a.users[Role.TOWNSHIP_ADMIN])
    clear = headers["Authorization"].split()[1]
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.token_hash == clear))
            == 0
        )
    assert client.get("/api/v1/townships", headers=headers).status_code == 200


def test_revoked_token_stops_working(app, client, world) -> None:
    from tests.factories import login

    user = world.a.users[Role.TOWNSHIP_ADMIN]
    headers = _auth(app, user)
    login(client, user)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/townships", headers=headers).status_code == 401


def test_branch_crud(app, client, world) -> None:
    headers = _auth(app, world.a.users[Role.TOWNSHIP_ADMIN])
    base = f"/api/v1/t/{world.a.township.slug}/branches"
    created = client.post(
        base, json={"name": f"接口支部{uid()}", "kind": "mobile"}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    branch_id = created.get_json()["id"]
    assert client.get(f"{base}/{branch_id}", headers=headers).get_json()["kind"] == "mobile"
    patched = client.patch(
        f"{base}/{branch_id}", json={"location": "上海市闵行区"}, headers=headers
    )
    assert patched.status_code == 200 and patched.get_json()["location"] == "上海市闵行区"
    page = client.get(f"{base}?per_page=2&page=1", headers=headers).get_json()
    assert page["meta"]["per_page"] == 2 and page["meta"]["total"] >= 4 and len(page["items"]) == 2
    duplicate = client.post(base, json={"name": world.a.branch.name}, headers=headers)
    assert (
        duplicate.status_code == 422 and "同名" in duplicate.get_json()["errors"]["json"]["name"][0]
    )


def test_member_crud_masks_numbers(app, client, world) -> None:
    headers = _auth(app, world.a.users[Role.TOWNSHIP_ADMIN])
    base = f"/api/v1/t/{world.a.township.slug}/members"
    body = _member_body(world.a.branch.id)
    created = client.post(base, json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["id_number"] != body["id_number"] and data["id_number"].count("*") == 12
    assert data["phone"] == "136****1234"
    patched = client.patch(f"{base}/{data['id']}", json={"ethnicity": "畲族"}, headers=headers)
    assert patched.status_code == 200 and patched.get_json()["ethnicity"] == "畲族"
    found = client.get(f"{base}?q=接口党员", headers=headers).get_json()
    assert data["id"] in {m["id"] for m in found["items"]}


def test_member_validation_is_422_with_field_messages_and_writes_nothing(
    app, client, world
) -> None:
    headers = _auth(app, world.a.users[Role.TOWNSHIP_ADMIN])
    base = f"/api/v1/t/{world.a.township.slug}/members"
    with app.app_context(), tenant_context(world.a.township.id):
        before = db.session.scalar(select(func.count(Member.id)))
    bad_checksum = _member_body(world.a.branch.id, id_number="330624197905061231")
    response = client.post(base, json=bad_checksum, headers=headers)
    errors = response.get_json()["errors"]["json"]
    assert response.status_code == 422 and "id_number" in errors
    missing = client.post(base, json={"name": "缺字段"}, headers=headers)
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]["json"]) >= {
        "gender",
        "id_number",
        "birth_date",
        "join_date",
        "branch_id",
    }
    wrong_types = client.post(
        base,
        json={**_member_body(world.a.branch.id), "birth_date": "昨天", "branch_id": "x"},
        headers=headers,
    )
    assert wrong_types.status_code == 422
    foreign_branch = client.post(base, json=_member_body(world.b.branch.id), headers=headers)
    assert foreign_branch.status_code == 422
    assert foreign_branch.get_json()["errors"]["json"]["branch_id"] == ["请选择本乡镇的支部"]
    with app.app_context(), tenant_context(world.a.township.id):
        assert db.session.scalar(select(func.count(Member.id))) == before


def test_township_create_and_update_by_platform_admin(app, client, world) -> None:
    headers = _auth(app, world.platform_admin)
    slug = f"api-{uid()}"
    created = client.post(
        "/api/v1/townships",
        headers=headers,
        json={
            "name": "接口镇",
            "slug": slug,
            "division_code": "330624",
            "county_id": world.county_a.id,
        },
    )
    assert created.status_code == 201
    renamed = client.patch(f"/api/v1/townships/{slug}", headers=headers, json={"name": "接口镇二"})
    assert renamed.get_json()["name"] == "接口镇二"
    bad = client.post(
        "/api/v1/townships",
        headers=headers,
        json={
            "name": "坏",
            "slug": "Bad Slug",
            "division_code": "12",
            "county_id": world.county_a.id,
        },
    )
    assert bad.status_code == 422 and set(bad.get_json()["errors"]["json"]) == {
        "slug",
        "division_code",
    }
