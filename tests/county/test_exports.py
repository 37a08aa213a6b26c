"""导出Excel on the coordinator's pages: the page's own table and filters, a title row with the
county and the date, an audit entry in each township exported, nothing of another county."""

import io
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from tenants.context import tenant_context
from tests.duties.helpers import contact, trip
from tests.factories import World, login, make_member
from tests.placements.helpers import place_across, publish
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.duties.periods import quarter_of
from webapp.extensions import db

TODAY = date.today()


class _Table(HTMLParser):
    """The text of each cell of one table, row by row."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_table(client: FlaskClient, url: str, table_id: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    parser = _Table(table_id)
    parser.feed(response.get_data(as_text=True))
    return parser.rows


def workbook(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].startswith("attachment")
    return load_workbook(io.BytesIO(response.data))


def _rows(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]


def _exports(app: Any, tw: Any, action: str) -> list[AuditLog]:
    with app.app_context(), tenant_context(tw.township.id):
        stmt = select(AuditLog).where(
            AuditLog.action == action, AuditLog.tenant_id == tw.township.id
        )
        return list(db.session.scalars(stmt))


def _send_away(client: FlaskClient, tw: Any, admin: Any, days: int, address: str) -> None:
    login(client, admin)
    response = client.post(
        f"/t/{tw.township.slug}/members/{tw.member.id}/departure/new",
        data={"departed_on": (TODAY - timedelta(days=days)).isoformat(), "address": address},
    )
    assert response.status_code == 302


def test_census_export_is_the_pages_table(app, client, world: World) -> None:
    _send_away(client, world.a, world.a.users[Role.TOWNSHIP_ADMIN], 30, "上海市闵行区")
    _send_away(client, world.a2, world.a2.users[Role.TOWNSHIP_ADMIN], 400, "广东深圳")
    _send_away(client, world.b, world.b.users[Role.TOWNSHIP_ADMIN], 30, "上海市闵行区")
    login(client, world.coordinator_a)
    as_of = TODAY - timedelta(days=10)
    page = page_table(client, f"/county/census/?as_of={as_of}", "townships")
    book = workbook(client, f"/county/census/export?as_of={as_of}")
    sheet = book.active
    title = sheet["A1"].value
    assert world.county_a.name in title and as_of.isoformat() in title
    assert TODAY.isoformat() in title
    headers = [c.value for c in sheet[2]]
    assert headers == [h + "(%)" if h == "占比" else h for h in page[0]]  # shares as numbers
    rows = _rows(sheet)
    shown = [
        [v if isinstance(v, str) else f"{v:.2f}%" if i == 3 else str(v) for i, v in enumerate(r)]
        for r in rows
    ]
    assert shown == page[1:]
    names = [r[0] for r in rows]
    assert names == [*sorted([world.a.township.name, world.a2.township.name]), "合计"]
    assert rows[-1][1:3] == [4, 2] and rows[-1][4] == 2  # two away, both 跨省 (深圳: city only)
    assert rows[-1][-1] == 1  # 长期在外
    for tw in (world.a, world.a2):
        (entry,) = _exports(app, tw, "county.census_exported")
        assert entry.actor_id == world.coordinator_a.id and entry.entity_id == tw.township.id
        assert entry.after == {"as_of": as_of.isoformat(), "townships": 2}
    assert _exports(app, world.b, "county.census_exported") == []


def test_another_countys_coordinator_exports_only_its_own(app, client, world: World) -> None:
    login(client, world.coordinator_b)
    for url in ("/county/census/export", "/county/placements/export", "/county/scorecards/export"):
        book = workbook(client, url)
        names = {r[0] for s in book.worksheets[:1] for r in _rows(s)} - {"合计"}
        assert names == {world.b.township.name}, url
        assert world.county_b.name in book.active["A1"].value
    assert _exports(app, world.a, "county.census_exported") == []
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    for url in ("/county/census/export", "/county/placements/export", "/county/scorecards/export"):
        assert client.get(url).status_code == 403, url


def test_census_export_with_a_bad_date_goes_back_to_the_page(client, world: World) -> None:
    login(client, world.coordinator_a)
    future = (TODAY + timedelta(days=1)).isoformat()
    response = client.get(f"/county/census/export?as_of={future}")
    assert response.status_code == 302 and "/county/census/" in response.location
    page = client.get(response.location)
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and 'data-field="as_of"' in body
    assert "统计日期不能晚于今天" in body
    assert client.get("/county/census/export?as_of=garbage").status_code == 302


def test_placements_export_is_the_pages_tables(app, client, world: World) -> None:
    home, inflow = world.a, world.a2
    with app.app_context():
        place_across(home, home.member.id, publish(inflow, inflow.branch.id))
    login(client, world.coordinator_a)
    towns = page_table(client, "/county/placements/", "county-placements")
    organisations = page_table(client, "/county/placements/", "county-organisations")
    book = workbook(client, "/county/placements/export")
    first, second = book.worksheets
    assert "流入地管理汇总" in first["A1"].value and world.county_a.name in first["A1"].value
    assert [c.value for c in first[2]] == towns[0]
    assert [[str(v) for v in r] for r in _rows(first)] == towns[1:]
    assert [c.value for c in second[2]] == organisations[0]
    assert [[str(v) for v in r] for r in _rows(second)] == organisations[1:]
    pending = {r[0]: r[1] for r in _rows(first)}
    assert pending == {home.township.name: 1, inflow.township.name: 0}
    assert [r[2] for r in _rows(second)] == [1]  # the one organisation, one waiting
    assert len(_exports(app, home, "county.placements_exported")) == 1


def _scorecard_cells(row: list[Any]) -> list[str]:
    cells = [row[0]]
    for i in range(1, len(row) - 2, 4):
        percent, done, due, target = row[i : i + 4]
        cells.append("—" if percent is None else f"{float(percent):.1f}% ({done}/{due})")
        cells.append(f"{target}%")
    return [*cells, f"{row[-2]} / {row[-1]}"]


def test_scorecards_export_is_the_pages_table(app, client, world: World) -> None:
    tw = world.a
    with app.app_context():
        away_since = quarter_of(TODAY).start - timedelta(days=10)
        visited, idle = make_member(tw.township, tw.branch), make_member(tw.township, tw.branch)
        for member in (visited, idle):
            trip(member, away_since)
        contact(visited, TODAY)
    login(client, world.coordinator_a)
    page = page_table(client, "/county/scorecards/", "county-scorecards")  # this quarter
    book = workbook(client, "/county/scorecards/export")
    sheet = book.active
    assert quarter_of(TODAY).label in sheet["A1"].value
    assert world.county_a.name in sheet["A1"].value
    rows = _rows(sheet)
    assert [_scorecard_cells(r) for r in rows] == page[1:]
    mine = next(r for r in rows if r[0] == tw.township.name)
    assert mine[1:4] == [50.0, 1, 2]  # 走访覆盖率: one of the two visited
    (entry,) = _exports(app, tw, "county.scorecards_exported")
    assert entry.after["period"] == quarter_of(TODAY).key
    assert client.get("/county/scorecards/export?period=2999").status_code == 400


def test_hostile_query_arguments_are_a_4xx_or_ignored(client, world: World) -> None:
    login(client, world.coordinator_a)
    hostile = ["%00", "9" * 5000, "%ED%A0%80", "2024-13-45", "0001-01-01", "-1", "<script>"]
    for path in (
        "census/",
        "census/export",
        "placements/export",
        "scorecards/",
        "scorecards/export",
    ):
        for value in hostile:
            for name in ("as_of", "period", "page"):
                status = client.get(f"/county/{path}?{name}={value}").status_code
                assert status in (200, 302, 400, 422), (path, name, value[:20], status)
