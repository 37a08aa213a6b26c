"""导出Excel for the coordinator's pages: each page's table, with its filters, as a workbook under
a title row naming the county and the date; every export is audited in each township it covers."""

import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Response, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext
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
from webapp.i18n import plain
from webapp.imports.excel import XLSX
from webapp.placements.services import OVERDUE_DAYS
from webapp.risk.scorecards import MEASURES, Scorecard, Span, compute_scorecards

Sheet = tuple[str, list[str], list[list[Any]]]  # sheet name, headers, rows

CENSUS_HEADERS = [
    lazy_gettext("乡镇"),
    lazy_gettext("党员"),
    lazy_gettext("流动"),
    lazy_gettext("占比(%)"),
    *FLOW_LABELS.values(),
    lazy_gettext("去向不明"),
    lazy_gettext("长期在外"),
]
PLACEMENT_HEADERS = [
    lazy_gettext("乡镇"),
    lazy_gettext("待报到"),
    lazy_gettext("其中超过%(days)s天", days=OVERDUE_DAYS),
    lazy_gettext("已流入"),
    lazy_gettext("已结束"),
    lazy_gettext("流入地拒收"),
]
ORGANISATION_HEADERS = [
    lazy_gettext("组织名称"),
    lazy_gettext("维护乡镇"),
    lazy_gettext("待报到"),
    lazy_gettext("已流入"),
]
SCORECARD_HEADERS = [
    lazy_gettext("乡镇"),
    *(
        column
        for label in MEASURES.values()
        for column in (
            lazy_gettext("%(label)s(%%)", label=label),
            lazy_gettext("%(label)s·完成", label=label),
            lazy_gettext("%(label)s·应完成", label=label),
            lazy_gettext("%(label)s·目标(%%)", label=label),
        )
    ),
    lazy_gettext("达标支部"),
    lazy_gettext("支部数"),
]


def county_label(towns: list[Township]) -> str:
    """The counties of these townships, by name (one, unless a platform admin exports)."""
    names = dict.fromkeys(t.county.name for t in towns)
    return "、".join(names) or _("未分配乡镇")


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
    return _("县级汇总"), CENSUS_HEADERS, [*rows, _tally_row(result.total)]


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
        (_("各乡镇"), PLACEMENT_HEADERS, towns_rows),
        (_("接收流动党员的组织"), ORGANISATION_HEADERS, organisations),
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
    return _("目标考核"), SCORECARD_HEADERS, lines


def _cell(sheet: Any, row: int, column: int, value: Any) -> Any:
    value = plain(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if looks_like_formula(value):  # text, never a formula (webapp.formulas)
        cell.data_type, cell.quotePrefix = "s", True
    return cell


def workbook_bytes(title: str, sheets: Iterable[Sheet]) -> bytes:
    """A workbook: on each sheet the title row, the bold headers, then the rows."""
    book = Workbook()
    book.remove(book.active)
    for name, headers, rows in sheets:
        sheet = book.create_sheet(str(name))
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
