"""Finding 8: security headers on pages, API answers and downloads; no inline code in templates."""

import re
from pathlib import Path

from flask import Flask

from tests.factories import World, login
from webapp.auth.models import Role

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"


def test_finding_8_pages_carry_the_security_headers(app: Flask, world: World) -> None:
    client = app.test_client()
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    slug = world.a.township.slug
    for url in (f"/t/{slug}/", f"/t/{slug}/members/", f"/t/{slug}/imports/export", "/login"):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store", url
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_finding_8_hsts_over_https_and_static_files_may_be_cached(app: Flask) -> None:
    client = app.test_client()
    secure = client.get("/login", base_url="https://lianxin.example.gov.cn")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    static = client.get("/static/app.js")
    assert static.status_code == 200 and "no-store" not in static.headers["Cache-Control"]


def test_finding_8_api_answers_are_not_stored(app: Flask, world: World) -> None:
    from tests.factories import token_for

    with app.app_context():
        token = token_for(world.a.users[Role.TOWNSHIP_ADMIN])
    response = app.test_client().get(
        "/api/v1/townships", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_finding_8_templates_hold_no_inline_script_or_style() -> None:
    """What the policy forbids, the templates do not contain (PDF templates render in WeasyPrint)."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+=\"|\sstyle=\"|javascript:", re.I)
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match.group()}"
        for path in TEMPLATES.rglob("*.html")
        if not path.name.endswith("_pdf.html")
        for match in inline.finditer(path.read_text())
    ]
    assert not offenders, offenders
