"""The measured requests: the township census (HTML, CSV, JSON) and the county roll-up, each beside raw SQL."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from flask import Flask
from flask.testing import FlaskClient

from benchmarks import rawsql
from benchmarks.database import PASSWORD, World, superuser_url
from benchmarks.timing import Stats, paired, profile, timed_ms, watch_sql
from webapp.departures import rollup
from webapp.departures.versioned import VersionedCache
from webapp.extensions import db

TOWNSHIP_P95_MS = 100.0
TOWNSHIP_MAX_RATIO = 3.0
COUNTY_P95_MS = 200.0


@dataclass
class Scenario:
    """One request to time, the raw-SQL floor it is compared to, and its goals."""

    name: str
    path: str
    request: Callable[[], Any]
    floor: Callable[[], Any]
    floor_rls: Callable[[], Any]
    max_p95: float
    max_ratio: float | None = None


@dataclass
class Outcome:
    """The timings of one scenario and whether its goals were met."""

    scenario: Scenario
    app: Stats
    sql: Stats
    sql_rls: Stats
    misses: list[str] = field(default_factory=list)

    @property
    def ratio50(self) -> float:
        return self.app.p50 / self.sql.p50

    @property
    def ratio95(self) -> float:
        return self.app.p95 / self.sql.p95

    def judge(self) -> None:
        """Record which goals were missed."""
        s = self.scenario
        if self.app.p95 >= s.max_p95:
            self.misses.append(f"p95 {self.app.p95:.1f} ms ≥ {s.max_p95:.0f} ms")
        if s.max_ratio is not None and self.ratio50 > s.max_ratio:
            self.misses.append(f"{self.ratio50:.1f}× raw SQL > {s.max_ratio:.0f}×")

    @property
    def goal(self) -> str:
        s = self.scenario
        ratio = f"≤ {s.max_ratio:.0f}× SQL and " if s.max_ratio is not None else ""
        return f"{ratio}p95 < {s.max_p95:.0f} ms"

    def line(self) -> str:
        """One console line: the app beside its floor."""
        verdict = "met" if not self.misses else "MISSED: " + "; ".join(self.misses)
        return (
            f"{self.scenario.name:<28} app p50 {self.app.p50:7.1f} p95 {self.app.p95:7.1f} ms | "
            f"raw SQL p50 {self.sql.p50:6.1f} p95 {self.sql.p95:6.1f} ms | "
            f"ratio {self.ratio50:5.1f}× (p95 {self.ratio95:4.1f}×) | "
            f"SQL+RLS p50 {self.sql_rls.p50:6.1f} ms | goal {self.goal}: {verdict}"
        )


class Clients:
    """Logged-in browser sessions and API tokens for the township admin and the coordinator."""

    def __init__(self, app: Flask, world: World) -> None:
        self.world = world
        self.admin = self._login(app, world.admin)
        self.coordinator = self._login(app, world.coordinator)
        self.api = app.test_client()

    @staticmethod
    def _login(app: Flask, username: str) -> FlaskClient:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"login of {username} failed: {response.status_code}")
        return client

    def get(self, client: FlaskClient, path: str, token: str = "") -> Any:
        """GET path; fails loudly unless 200."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.data[:300]!r}")
        return response


def build(app: Flask, world: World, day: date) -> tuple[list[Scenario], Clients]:
    """The five scenarios on the statistics township and its county."""
    clients = Clients(app, world)
    floor_conn = psycopg.connect(superuser_url())
    town_rls = psycopg.connect(superuser_url())
    rawsql.as_app_role(town_rls, [world.township_id])
    county_rls = psycopg.connect(superuser_url())
    rawsql.as_app_role(county_rls, world.county_ids)
    town, county = [world.township_id], world.county_ids

    def town_floor() -> Any:
        return rawsql.full_census(floor_conn, town, day)

    def county_floor() -> Any:
        return rawsql.full_census(floor_conn, county, day, group="tenant_id")

    def town_floor_rls() -> Any:
        return rawsql.full_census(town_rls, town, day)

    def county_floor_rls() -> Any:
        return rawsql.full_census(county_rls, county, day, group="tenant_id")

    slug = world.slug
    pages = [
        ("township census HTML", f"/t/{slug}/census/", clients.admin, ""),
        ("township census CSV", f"/t/{slug}/census/?format=csv", clients.admin, ""),
        ("township census JSON (API)", f"/api/v1/t/{slug}/census", clients.api, world.admin_token),
    ]
    scenarios = [
        Scenario(
            name,
            path,
            _getter(clients, client, path, token),
            town_floor,
            town_floor_rls,
            TOWNSHIP_P95_MS,
            TOWNSHIP_MAX_RATIO,
        )
        for name, path, client, token in pages
    ]
    html_page = f"/t/{slug}/census/"
    scenarios.append(
        Scenario(
            "township HTML, just changed",
            html_page,
            _after(
                touch_one_township(world.township_id),
                _getter(clients, clients.admin, html_page, ""),
            ),
            town_floor,
            town_floor_rls,
            TOWNSHIP_P95_MS,
            TOWNSHIP_MAX_RATIO,
        )
    )
    html, api = "/county/census/", "/api/v1/county/census"
    county_api = _getter(clients, clients.api, api, world.coordinator_token)
    county_pages = [
        ("county roll-up HTML", html, _getter(clients, clients.coordinator, html, "")),
        ("county roll-up JSON (API)", api, county_api),
        (
            "county JSON, 1 township changed",
            api,
            _after(touch_one_township(world.county_ids[-1]), county_api),
        ),
        ("county JSON, nothing cached", api, _after(_cache_clearer(app, rollup.CACHE), county_api)),
    ]
    for name, path, request in county_pages:
        scenarios.append(
            Scenario(name, path, request, county_floor, county_floor_rls, COUNTY_P95_MS)
        )
    return scenarios, clients


def touch_one_township(tenant_id: int) -> Callable[[], Any]:
    """A committed change to one member of a township (so it gets a new data version)."""
    conn = psycopg.connect(superuser_url(), autocommit=True)
    member_id = conn.execute(
        "SELECT min(id) FROM members WHERE tenant_id = %s", (tenant_id,)
    ).fetchone()[0]  # type: ignore[index]

    def touch() -> None:
        conn.execute("UPDATE members SET phone = phone WHERE id = %s", (member_id,))

    return touch


def _cache_clearer(app: Flask, cache: VersionedCache) -> Callable[[], None]:
    """Empty a figures cache (as after a Redis restart, or on a new day before the warm-up)."""

    def clear() -> None:
        with app.app_context():
            cache.clear()

    return clear


def _after(before: Callable[[], Any], request: Callable[[], Any]) -> Callable[[], Any]:
    def both() -> Any:
        before()
        return request()

    return both


def _getter(clients: Clients, client: FlaskClient, path: str, token: str) -> Callable[[], Any]:
    return lambda: clients.get(client, path, token)


def check_numbers(clients: Clients, day: date) -> list[str]:
    """The app's JSON and the raw SQL agree on the headline numbers, on every branch's or
    township's numbers, and on the counts of the three top-10 lists (township and county)."""
    world = clients.world
    floor = psycopg.connect(superuser_url())
    lines = []
    for label, path, token, ids, group in (
        (
            "township",
            f"/api/v1/t/{world.slug}/census",
            world.admin_token,
            [world.township_id],
            "branch_id",
        ),
        ("county", "/api/v1/county/census", world.coordinator_token, world.county_ids, "tenant_id"),
    ):
        body = clients.get(clients.api, path, token).get_json()
        app_numbers = rawsql.numbers_from_json(body)
        sql_numbers = rawsql.census_numbers(floor, ids, day)[0]
        same = "agree" if app_numbers == sql_numbers else f"DIFFER (raw SQL {sql_numbers})"
        lines.append(f"{label:<9} {app_numbers}: app and raw SQL {same}")
        full_app = rawsql.full_from_json(body)
        full_sql = rawsql.full_census(floor, ids, day, group=group)
        same = "agree" if full_app == full_sql else "DIFFER"
        lines.append(
            f"{label:<9} {len(full_sql.groups)} groups by {group} and the top-10 lists: "
            f"app and full-census SQL {same}"
        )
    floor.close()
    return lines


def run(scenario: Scenario, runs: int, warmup: int) -> Outcome:
    """Time the scenario interleaved with its floors and judge it."""
    app, sql, sql_rls = paired(
        scenario.request, [scenario.floor, scenario.floor_rls], runs=runs, warmup=warmup
    )
    outcome = Outcome(scenario, app, sql, sql_rls)
    outcome.judge()
    return outcome


def diagnose(outcome: Outcome, top: int = 18) -> str:
    """Where one request's time goes: its SQL statements, then cProfile of ten requests."""
    scenario = outcome.scenario
    with watch_sql(db.engine) as log:  # type: ignore[arg-type]
        total = timed_ms(scenario.request)
    lines = [
        f"--- {scenario.name}: one request {total:.1f} ms, {log.count} SQL statements "
        f"taking {log.total_ms:.1f} ms (the rest is Python: ORM rows, loops, templates)",
        *log.summary(),
        profile(scenario.request, runs=10, top=top),
    ]
    return "\n".join(lines)
