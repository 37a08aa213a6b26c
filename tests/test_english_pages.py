"""In English, no page of the township shows Chinese except the user's own data.

Every GET endpoint is asked in English as the township admin (and a few as a branch secretary and
the county coordinator); the user data (names, places, notes: every string stored in the DB, and
the administrative division names) is removed from the body and any CJK character left fails.
"""

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, String, Text, select

from tenants.context import system_context_unsafe
from tests.factories import World, login
from tests.tenancy.test_cross_tenant_matrix import NOT_TENANT, OBJECT_PARAMS, _victim_extras
from webapp.auth.models import Role
from webapp.divisions.registry import full_name, registry
from webapp.extensions import db
from webapp.imports.excel import HEADERS
from webapp.models import Base

CJK = re.compile(r"[\u4e00-\u9fff]+")

# Pages owned by engineers converting them in another pass (webapp/duties, webapp/home): they
# may still show Chinese. The test fails when one of them has become clean, so this list only shrinks.
PENDING = {
    "duties.branch",
    "duties.contacts",
    "duties.index",
    "duties.log_contact",
    "duties.member",
    "three_ones.branch",
    "three_ones.index",
    "three_ones.member",
    "township.home",
    "township.settings",  # labels of webapp/home/forms.py
    "risk.scorecards",  # quarter names of webapp/duties/periods.py
    "reminders.index",  # rule names of webapp/duties/reminders.py
    "reminders.week",  # rule names of webapp/duties/reminders.py
    "reminders.settings",  # rule names of webapp/duties/reminders.py
}
# The brand's 连 logo, and the switch back to Chinese, named in its own language.
KEPT = ('<span class="logo">连</span>', '<button class="linkish">中文</button>')
# What the user types or uploads stays Chinese: place names in the examples, roster column headers.
INPUT_EXAMPLES = ("绍兴", "深圳", *HEADERS)
SKIP = {"static", "auth.logout", "health.healthz", "api-docs.openapi_json"}


def _user_data(app: Flask) -> list[str]:
    """Every string stored in the DB and every division name, longest first."""
    divisions = registry().by_code.values()
    values = {d.name for d in divisions} | {full_name(d.code) or "" for d in divisions}
    with app.app_context(), system_context_unsafe():
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                values.update(v for v in _strings(list(row)) if CJK.search(v))
        db.session.rollback()
    return sorted(values, key=len, reverse=True)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _chinese_left(body: str, data: list[str]) -> list[str]:
    for value in (*data, *KEPT, *INPUT_EXAMPLES):
        body = body.replace(value, "")
    runs = {m.group(): body[max(m.start() - 25, 0) : m.end() + 25] for m in CJK.finditer(body)}
    return [re.sub(r"\s+", " ", context) for context in runs.values()]


def _url(rule: Any, slug: str, ids: dict[str, Any], world: World) -> str:
    values: dict[str, Any] = {"slug": slug} if "slug" in rule.arguments else {}
    for name in rule.arguments - {"slug"}:
        values[name] = OBJECT_PARAMS[name](world.a, ids)
    return rule.build(values, append_unknown=False)[1]


def _english(client: FlaskClient, user: Any) -> None:
    login(client, user)
    assert client.post("/lang/en", data={"next": "/"}).status_code == 302


def _page_rules(app: Flask) -> list[Any]:
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if "GET" in r.methods
            and not r.rule.startswith("/api/")
            and r.endpoint not in SKIP
            and r.endpoint not in NOT_TENANT
        ),
        key=lambda r: r.rule,
    )


@pytest.fixture()
def english_world(app: Flask, world: World) -> tuple[World, dict[str, Any], list[str]]:
    with app.app_context():
        ids = _victim_extras(world)
    return world, ids, _user_data(app)


def _crawl(app: Flask, client: FlaskClient, world: World, ids: dict[str, Any], data: list[str]):
    found: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    for rule in _page_rules(app):
        url = _url(rule, world.a.township.slug, ids, world)
        response = client.get(url)
        statuses[rule.endpoint] = response.status_code
        if response.mimetype not in ("text/html", "text/plain", "text/csv"):
            continue
        left = _chinese_left(response.get_data(as_text=True), data)
        if left:
            found[rule.endpoint] = [url, *left]
    return found, statuses


def test_township_admin_sees_english_everywhere(app: Flask, english_world) -> None:
    world, ids, data = english_world
    client = app.test_client()
    _english(client, world.a.users[Role.TOWNSHIP_ADMIN])
    found, statuses = _crawl(app, client, world, ids, data)
    assert [e for e, s in statuses.items() if s >= 500] == []
    assert sum(1 for s in statuses.values() if s == 200) >= 40
    # imports.index lists earlier runs' import jobs, whose Chinese row messages (imports/rows.py,
    # not yet in the catalog) depend on which tests ran before: checked once those are moved
    chinese = {e: v for e, v in found.items() if e not in PENDING and e != "imports.index"}
    assert chinese == {}, "\n".join(f"{e}: {v}" for e, v in sorted(chinese.items()))
    clean = sorted(PENDING - found.keys())
    assert clean == [], f"now in English, remove from PENDING: {clean}"


def _clean(client: FlaskClient, url: str, known: list[str], method: str = "GET", **kw: Any) -> str:
    response = client.open(url, method=method, **kw)
    assert response.status_code < 500, url
    body = response.get_data(as_text=True)
    assert _chinese_left(body, known) == [], f"{url}: {_chinese_left(body, known)}"
    return body


def test_secretary_and_coordinator_see_english(app: Flask, english_world) -> None:
    world, _ids, data = english_world
    slug = world.a.township.slug
    secretary = app.test_client()
    _english(secretary, world.a.users[Role.BRANCH_SECRETARY])
    for path in ("branches/", "mobile/", "certificates/", "dues/", "risk/", "activities/"):
        _clean(secretary, f"/t/{slug}/{path}", data)
    coordinator = app.test_client()
    _english(coordinator, world.coordinator_a)
    for url in ("/county/", "/county/census", "/county/placements", f"/t/{slug}/risk/"):
        _clean(coordinator, url, data)


def test_invalid_forms_answer_in_english(app: Flask, english_world) -> None:
    world, _ids, data = english_world
    slug = world.a.township.slug
    client = app.test_client()
    _english(client, world.a.users[Role.TOWNSHIP_ADMIN])
    body = _clean(
        client, f"/t/{slug}/branches/new", data, "POST", data={"name": "", "kind": "regular"}
    )
    assert "Please enter the branch name" in body
    member = world.a.member.id
    body = _clean(
        client,
        f"/t/{slug}/members/{member}/departure/new",
        data,
        "POST",
        data={"departed_on": "2999-01-01", "address": ""},
    )
    assert "cannot be later than today" in body or "Please enter" in body
