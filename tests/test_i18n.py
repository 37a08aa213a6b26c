"""The interface speaks Chinese by default and English after POST /lang/en."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from tests.factories import login
from webapp.auth.models import Role

CATALOG = Path(__file__).resolve().parent.parent / "webapp" / "translations" / "en" / "LC_MESSAGES"


def _nav(client: FlaskClient, slug: str) -> str:
    response = client.get(f"/t/{slug}/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_chinese_by_default_english_after_switch(client: FlaskClient, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    slug = world.a.township.slug

    page = _nav(client, slug)
    assert 'lang="zh-CN"' in page
    assert ">支部</a>" in page and ">党员</a>" in page

    response = client.post("/lang/en", data={"next": f"/t/{slug}/"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{slug}/")

    page = _nav(client, slug)
    assert 'lang="en"' in page
    assert ">Branches</a>" in page and ">Members</a>" in page
    assert ">Home</a>" in page and ">Log out</button>" in page
    assert ">支部</a>" not in page

    client.post("/lang/zh_CN", data={"next": f"/t/{slug}/"})
    assert ">支部</a>" in _nav(client, slug)


def test_unknown_language_is_404(client: FlaskClient, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    assert client.post("/lang/fr").status_code == 404


def test_english_catalog_is_complete_and_compiled() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        po = read_po(f, locale="en")
    with (CATALOG / "messages.mo").open("rb") as f:
        mo = read_mo(f)
    untranslated = [m.id for m in po if m.id and not m.string]
    assert untranslated == []
    stale = [m.id for m in po if m.id and (m.id not in mo or mo[m.id].string != m.string)]
    assert stale == [], "run: pybabel compile -d webapp/translations"
