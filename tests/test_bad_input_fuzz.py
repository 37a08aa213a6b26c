"""Schema-driven fuzz of every write route: hostile bodies get a clear 4xx and change nothing.

The API routes and their body schemas are read from the app (flask-smorest keeps each view's
schema); the form routes' fields are read from the pages that show them. A township officer sends
each route deep nesting, huge numbers, integers beyond 32 bits, NUL bytes, lone surrogates,
control characters, whitespace and wrong types. No answer may be a 5xx, a rejected request may not
change a row count, and no NUL or lone surrogate may be stored.
"""

import re
import traceback
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import marshmallow
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import fields
from sqlalchemy import String, Text, text

from tests.factories import TownshipWorld, World, login, token_for
from tests.tenancy.test_cross_tenant_matrix import OBJECT_PARAMS, _victim_extras
from webapp.api.base import Schema
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.models import Base

WRITE = {"POST", "PUT", "PATCH", "DELETE"}
DEEP = "[" * 10_000 + "]" * 10_000
HUGE_NUMBER = '{"x": ' + "9" * 5_000 + "}"
# Form routes the fuzz leaves alone: they end the officer's session or switch its language.
NOT_FUZZED = {"auth.logout", "auth.set_language", "auth.change_password", "auth.revoke_token"}
_FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


def _tables() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]


def _counts() -> tuple[int, ...]:
    """Rows in every table, read past the tenant scope."""
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in _tables())
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT set_config('lianxin.system', 'on', true)"))
        return tuple(conn.execute(text(query)).one())


def _stored_bad_text() -> list[str]:
    """Text columns holding a NUL byte or a lone surrogate (only SQLite can hold them at all)."""
    found = []
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return []
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text):
                    continue
                for (value,) in conn.execute(text(f'SELECT "{column.name}" FROM "{table.name}"')):
                    if isinstance(value, str) and re.search("[\x00\ud800-\udfff]", value):
                        found.append(f"{table.name}.{column.name}")
    return found


def _url(rule: Any, tw: TownshipWorld, extras: dict[str, Any]) -> str:
    values: dict[str, Any] = {"slug": tw.township.slug} if "slug" in rule.arguments else {}
    for name in rule.arguments - {"slug"}:
        values[name] = OBJECT_PARAMS[name](tw, extras) if name in OBJECT_PARAMS else "x"
    return rule.build(values, append_unknown=False)[1]


def _api_arguments(app: Flask, methods: set[str]) -> Iterator[tuple[Any, str, list[Any]]]:
    """(rule, method, its flask-smorest argument docs) for the API routes answering methods."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        for method in sorted(rule.methods & methods):
            func = getattr(view_class, method.lower(), None)
            yield (
                rule,
                method,
                getattr(func, "_apidoc", {}).get("arguments", {}).get("parameters", []),
            )


def _instance(schema: Any) -> marshmallow.Schema:
    return schema() if isinstance(schema, type) else schema


def api_writes(app: Flask) -> Iterator[tuple[Any, str, marshmallow.Schema | None]]:
    """(rule, method, body schema or None) for every API write route."""
    for rule, method, docs in _api_arguments(app, WRITE):
        body = next((p["schema"] for p in docs if p["in"] == "json"), None)
        yield rule, method, None if body is None else _instance(body)


def _leaf(field: fields.Field) -> fields.Field:
    while isinstance(field, fields.List):
        field = field.inner
    return field


def _value(field: fields.Field, kind: str, tw: TownshipWorld, name: str) -> Any:
    """A value of kind for field: the hostile one where the kind fits, a plausible one elsewhere."""
    hostile = HOSTILE[kind]
    if isinstance(field, fields.List):
        return [_value(field.inner, kind, tw, name)]
    if isinstance(field, fields.Nested):
        return _body(field.schema, kind, tw)
    if kind == "wrong_type":
        return {"not": ["a", name]}
    if isinstance(field, fields.String) and isinstance(hostile, str):
        return hostile
    if isinstance(field, fields.Integer) and isinstance(hostile, int):
        return hostile
    if isinstance(field, fields.Integer):
        return tw.branch.id if "branch" in name else tw.member.id
    if isinstance(field, fields.Date):
        return date.today().isoformat()
    if isinstance(field, fields.Time):
        return "09:00:00"
    if isinstance(field, fields.Boolean):
        return False
    if isinstance(field, fields.Raw) and not isinstance(field, fields.String):
        return "10.00" if not isinstance(hostile, str) else hostile
    return "测试"


def _body(schema: marshmallow.Schema, kind: str, tw: TownshipWorld) -> dict[str, Any]:
    return {
        f.data_key or name: _value(f, kind, tw, name)
        for name, f in schema.fields.items()
        if not f.dump_only
    }


def _targets(schema: marshmallow.Schema, field_type: type[fields.Field]) -> set[str]:
    """Top-level keys whose value is, or holds, a field_type (Nested ones included)."""
    out = set()
    for name, f in schema.fields.items():
        leaf = _leaf(f)
        if (isinstance(leaf, fields.Nested) and _targets(leaf.schema, field_type)) or (
            isinstance(leaf, field_type) and not f.dump_only
        ):
            out.add(f.data_key or name)
    return out


HOSTILE: dict[str, Any] = {
    "nul": "支部\x00名称",
    "surrogate": "名称\ud800",
    "control": "名称\x1b[2J",
    "int63": 2**63,
    "int40": 10**40,
    "whitespace": " \t \u3000 ",
    "wrong_type": None,
}
EXPECT_FIELDS = {
    "nul": fields.String,
    "surrogate": fields.String,
    "control": fields.String,
    "int63": fields.Integer,
    "int40": fields.Integer,
}


class Fuzzer:
    """Sends one route its hostile requests and checks each answer."""

    def __init__(self, client: FlaskClient, app: Flask, tw: TownshipWorld, token: str) -> None:
        self.client, self.app, self.tw = client, app, tw
        self.headers = {"Authorization": f"Bearer {token}"}
        self.failures: list[str] = []
        self.sent = 0

    def send(self, label: str, method: str, url: str, **kwargs: Any) -> Any:
        with self.app.app_context():
            before = _counts()
        self.sent += 1
        try:
            response = self.client.open(url, method=method, **kwargs)
        except Exception as exc:  # TESTING propagates what would be a 500
            where = traceback.extract_tb(exc.__traceback__)
            own = [
                f"{f.filename.split('/webapp/')[-1]}:{f.lineno}"
                for f in where
                if "/webapp/" in f.filename
            ]
            self.failures.append(f"{label}: {method} {url} raised {exc!r:.120} at {own[-1:]}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{label}: {method} {url} answered {response.status_code}")
        elif 400 <= response.status_code < 500:
            with self.app.app_context():
                if _counts() != before:
                    self.failures.append(f"{label}: {method} {url} was refused but wrote rows")
        return response

    def api_json(self, label: str, method: str, url: str, raw: str) -> Any:
        headers = {**self.headers, "Content-Type": "application/json"}
        return self.send(label, method, url, data=raw.encode("utf-8"), headers=headers)

    def api_body(self, label: str, method: str, url: str, body: Any) -> Any:
        import json

        raw = json.dumps(body, ensure_ascii=True)  # \ud800 travels as an escape, as it would
        return self.api_json(label, method, url, raw)

    def expect(self, ok: bool, message: str) -> None:
        if not ok:
            self.failures.append(message)


def _setup(app: Flask, world: World) -> tuple[Fuzzer, dict[str, Any]]:
    with app.app_context():
        extras = _victim_extras(world)
        token = token_for(world.a.users[Role.TOWNSHIP_ADMIN])
    client = app.test_client()
    return Fuzzer(client, app, world.a, token), extras


def _api_routes(app: Flask, fuzz: Fuzzer, extras: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    for rule, method, schema in api_writes(app):
        yield rule, method, schema, _url(rule, fuzz.tw, extras)


def test_finding_25_hostile_json_bodies_answer_400_on_every_json_route(
    app: Flask, world: World
) -> None:
    fuzz, extras = _setup(app, world)
    routes = 0
    for rule, method, schema, url in _api_routes(app, fuzz, extras):
        if schema is None:  # the route reads no body; it still may not fail on one
            fuzz.api_json("10,000 deep", method, url, DEEP)
            continue
        routes += 1
        for label, raw in (
            ("10,000 deep", DEEP),
            ("5,000 digits", HUGE_NUMBER),
            ("5,000-digit float", '{"x": 0.' + "1" * 5_000 + "}"),
            ("float beyond range", '{"x": 1e999}'),
            ("NaN", '{"x": NaN}'),
        ):
            response = fuzz.api_json(label, method, url, raw)
            message = (response.get_json(silent=True) or {}).get("message", "")
            fuzz.expect(
                response.status_code == 400 and re.search("[\u4e00-\u9fff]", message),
                f"{label}: {method} {rule.rule} answered {response.status_code} {message!r}",
            )
        big = '{"x": "' + "长" * 400_000 + '"}'
        response = fuzz.api_json("1.2 MB body", method, url, big)
        fuzz.expect(response.status_code == 413, f"1.2 MB: {method} {rule.rule} not 413")
    assert routes >= 25
    assert not fuzz.failures, "\n".join(fuzz.failures)


def _schema_fuzz(app: Flask, world: World, kinds: list[str]) -> tuple[Fuzzer, dict[str, Any]]:
    fuzz, extras = _setup(app, world)
    for rule, method, schema, url in _api_routes(app, fuzz, extras):
        if schema is None:
            continue
        for kind in kinds:
            response = fuzz.api_body(kind, method, url, _body(schema, kind, fuzz.tw))
            wanted = _targets(schema, EXPECT_FIELDS[kind]) if kind in EXPECT_FIELDS else set()
            if not wanted:
                continue
            named = set((response.get_json(silent=True) or {}).get("errors", {}).get("json", {}))
            fuzz.expect(
                response.status_code == 422 and wanted <= named,
                f"{kind}: {method} {rule.rule} answered {response.status_code}, "
                f"fields not named: {sorted(wanted - named)}",
            )
    _query_fuzz(app, fuzz, extras, kinds)
    return fuzz, extras


def _query_fuzz(app: Flask, fuzz: Fuzzer, extras: dict[str, Any], kinds: list[str]) -> None:
    """The query arguments of every API GET route, the same way (one hostile kind at a time)."""
    for rule, method, docs in _api_arguments(app, {"GET"}):
        url = _url(rule, fuzz.tw, extras)
        for schema in (_instance(p["schema"]) for p in docs if p["in"] == "query"):
            for kind in (k for k in kinds if k in EXPECT_FIELDS):
                wanted = _targets(schema, EXPECT_FIELDS[kind])
                query = {name: str(HOSTILE[kind]) for name in wanted}
                if not query:
                    continue
                raw = urlencode(query, errors="surrogatepass")
                response = fuzz.send(kind, method, f"{url}?{raw}", headers=fuzz.headers)
                body = response.get_json(silent=True) if response else None
                errors = body.get("errors", {}) if isinstance(body, dict) else {}
                named = set(errors.get("query", {}))
                # a lone surrogate cannot survive URL decoding (it becomes U+FFFD): no 5xx is enough
                fuzz.expect(
                    kind == "surrogate" or (response.status_code == 422 and set(query) <= named),
                    f"{kind}: GET {rule.rule}?{sorted(query)} answered {response.status_code}, "
                    f"named {sorted(named)}",
                )


def test_finding_26_integers_beyond_their_column_are_refused_with_the_field_named(
    app: Flask, world: World
) -> None:
    fuzz, _extras = _schema_fuzz(app, world, ["int63", "int40"])
    huge_id = fuzz.send(
        "10**40 id in the URL", "POST", _huge_auto_assign(world), headers=fuzz.headers
    )
    assert huge_id.status_code == 404
    assert not fuzz.failures, "\n".join(fuzz.failures)


def _huge_auto_assign(world: World) -> str:
    return f"/api/v1/t/{world.a.township.slug}/duties/branches/{10**40}/auto-assign"


def test_finding_27_nul_surrogates_and_control_characters_are_refused_with_the_field_named(
    app: Flask, world: World
) -> None:
    kinds = ["nul", "surrogate", "control", "whitespace", "wrong_type"]
    fuzz, extras = _schema_fuzz(app, world, kinds)
    for label, raw in (("a list", "[1, 2]"), ("a string", '"x"'), ("not JSON", "{name: x")):
        for rule, method, schema, url in _api_routes(app, fuzz, extras):
            if schema is not None and rule.arguments <= {"slug"}:
                fuzz.api_json(label, method, url, raw)
    with app.app_context():
        fuzz.failures += [f"stored: {column}" for column in _stored_bad_text()]
    assert not fuzz.failures, "\n".join(fuzz.failures)


def test_every_api_schema_uses_the_shared_input_rules(app: Flask) -> None:
    """Bodies and query arguments alike: each schema derives from webapp.api.base.Schema."""
    outside = [
        f"{method} {rule.rule}: {type(_instance(p['schema'])).__name__}"
        for rule, method, docs in _api_arguments(app, WRITE | {"GET"})
        for p in docs
        if not isinstance(_instance(p["schema"]), Schema)
    ]
    assert outside == []
    assert sum(1 for _ in _api_arguments(app, {"GET"})) >= 30


FORM_VALUES = {
    "nul": "名称\x00",
    "surrogate": "名称\ud800",  # sent as the UTF-8 bytes of a surrogate, as a raw client can
    "control": "名称\x1b",
    "5,000 digits": "9" * 5_000,
    "2**63": str(2**63),
    "10**40": str(10**40),
    "whitespace": " \t ",
}


def _form_routes(app: Flask) -> list[Any]:
    rules = [
        r
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and not r.rule.startswith("/api/") and r.endpoint not in NOT_FUZZED
    ]
    return sorted(rules, key=lambda r: (r.endpoint.startswith("auth."), r.rule))


def test_finding_26_27_every_form_route_survives_hostile_values(app: Flask, world: World) -> None:
    fuzz, extras = _setup(app, world)
    login(fuzz.client, world.a.users[Role.TOWNSHIP_ADMIN])
    routes = [(rule, _url(rule, fuzz.tw, extras)) for rule in _form_routes(app)]
    names: dict[str, set[str]] = {}
    for rule, url in routes:
        if "GET" in rule.methods:
            page = fuzz.client.get(url).get_data(as_text=True)
            names[url] = set(_FIELD_NAME.findall(page)) - {"csrf_token"}
    everywhere = set().union(*names.values())
    for _rule, url in routes:
        for label, value in FORM_VALUES.items():
            body = urlencode(
                dict.fromkeys(sorted(names.get(url) or everywhere), value), errors="surrogatepass"
            )
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            fuzz.send(f"form {label}", "POST", url, data=body, headers=headers)
    assert len(routes) >= 45 and len(everywhere) >= 40
    with app.app_context():
        fuzz.failures += [f"stored: {column}" for column in _stored_bad_text()]
    assert not fuzz.failures, "\n".join(fuzz.failures)
