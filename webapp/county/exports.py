"""导出Excel for the coordinator's pages: each page's table, with its filters, as a workbook under
a title row naming the county and the date; every export is audited in each township it covers."""

import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Response, send_file
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from tenants.context import reading_context, tenant_context
from tenants.models import Township
from webapp.audit.services import record
from webapp.departures.census import Census, Tally, percent
from webapp.departures.models import FLOW_LABELS
from webapp.formulas import looks_like_formula
from webapp.imports.excel import XLSX
from webapp.placements.services import OVERDUE_DAYS
from webapp.risk.scorecards import MEASURES, Scorecard, Span, compute_scorecards

Sheet = tuple[str, list[str], list[list[Any]]]  # sheet name, headers, rows

CENSUS_HEADERS = [
    "乡镇",
    "党员",
    "流动",
    "占比(%)",
    *FLOW_LABELS.values(),
    "去向不明",
    "长期在外",
]
PLACEMENT_HEADERS = [
    "乡镇",
    "待报到",
    f"其中超过{OVERDUE_DAYS}天",
    "已流入",
    "已结束",
    "流入地拒收",
]
ORGANISATION_HEADERS = ["组织名称", "维护乡镇", "待报到", "已流入"]
SCORECARD_HEADERS = [
    "乡镇",
    *(
        column
        for label in MEASURES.values()
        for column in (f"{label}(%)", f"{label}·完成", f"{label}·应完成", f"{label}·目标(%)")
    ),
    "达标支部",
    "支部数",
]


def county_label(towns: list[Township]) -> str:
    """The counties of these townships, by name (one, unless a platform admin exports)."""
    names = dict.fromkeys(t.county.name for t in towns)
    return "、".join(names) or "未分配乡镇"


def _tally_row(tally: Tally) -> list[Any]:
    return [
        tally.name,
        tally.members,
        tally.mobile,
        float(percent(tally.mobile, tally.members)),
        *(tally.categories[key.value] for key in FLOW_LABELS),
        tally.unknown,
        tally.long_term,
    ]


def census_sheet(result: Census) -> Sheet:
    """分乡镇情况 as on the page: one row per township, then 合计."""
    rows = [_tally_row(t) for t in result.breakdown]
    return "县级汇总", CENSUS_HEADERS, [*rows, _tally_row(result.total)]


def placement_sheets(
    towns: list[Township], flows: dict[str, Any], names: dict[int, str]
) -> list[Sheet]:
    """各乡镇 and 接收流动党员的组织 (every organisation, the page shows the first 50)."""
    towns_rows = []
    for town in towns:
        r = flows["townships"][town.id]
        towns_rows.append(
            [town.name, r["pending"], r["overdue"], r["active"], r["ended"], r["refused"]]
        )
    organisations = [
        [o["name"], names.get(o["owner"], "—"), o["pending"], o["active"]]
        for o in flows["organisations"]
    ]
    return [
        ("各乡镇", PLACEMENT_HEADERS, towns_rows),
        ("接收流动党员的组织", ORGANISATION_HEADERS, organisations),
    ]


def scorecard_rows(
    session: Session, towns: list[Township], span: Span, today: date
) -> list[tuple[Township, Scorecard, int, int]]:
    """(township, its total, branches meeting every target, branches) for the county page."""
    rows = []
    for town in towns:
        with reading_context([town.id]):  # one township at a time: its own targets apply
            cards, total = compute_scorecards(session, town, span, today)
        rows.append((town, total, sum(c.met_all for c in cards), len(cards)))
    return rows


def scorecard_sheet(rows: list[tuple[Township, Scorecard, int, int]]) -> Sheet:
    """县级目标考核 as on the page: each measure's percent, done, due and target."""
    lines = []
    for town, total, met, count in rows:
        measures = [total.measures[key] for key in MEASURES]
        values = [v for m in measures for v in (m.percent, m.done, m.due, m.target)]
        lines.append([town.name, *values, met, count])
    return "目标考核", SCORECARD_HEADERS, lines


def _cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    cell = sheet.cell(row=row, column=column, value=value)
    if looks_like_formula(value):  # text, never a formula (webapp.formulas)
        cell.data_type, cell.quotePrefix = "s", True
    return cell


def workbook_bytes(title: str, sheets: Iterable[Sheet]) -> bytes:
    """A workbook: on each sheet the title row, the bold headers, then the rows."""
    book = Workbook()
    book.remove(book.active)
    for name, headers, rows in sheets:
        sheet = book.create_sheet(name)
        _cell(sheet, 1, 1, title).font = Font(bold=True, size=13)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        sheet.row_dimensions[1].height = 24
        for column, header in enumerate(headers, start=1):
            cell = _cell(sheet, 2, column, header)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True)
            sheet.column_dimensions[get_column_letter(column)].width = 22 if column == 1 else 12
        for number, values in enumerate(rows, start=3):
            for column, value in enumerate(values, start=1):
                _cell(sheet, number, column, value)
        sheet.freeze_panes = "B3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def audit_export(
    session: Session,
    actor: Any,
    action: str,
    towns: list[Township],
    details: dict[str, Any],
    ip: str | None,
) -> None:
    """One entry in each exported township's own log, so its officers see what left; committed."""
    for town in towns:
        with tenant_context(town.id):
            record(
                session,
                actor,
                action,
                "township",
                town.id,
                tenant_id=town.id,
                after={**details, "townships": len(towns)},
                ip=ip,
            )
            session.flush()
    session.commit()


def xlsx_response(content: bytes, name: str) -> Response:
    """The workbook as a download."""
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)
