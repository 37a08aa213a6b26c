"""Reading and writing roster workbooks: the columns, the template, the export and error files."""

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from webapp.formulas import looks_like_formula
from webapp.i18n import plain
from webapp.imports.limits import HOSTILE_XML, NOT_EXCEL, LimitExceeded, check_archive

if not openpyxl.DEFUSEDXML:  # parsing uploads without it is not an option: fail at start-up
    raise ImportError("openpyxl must parse with defusedxml: install it, unset OPENPYXL_DEFUSEDXML")

MEMBER_COLUMNS = {
    "姓名": "name",
    "性别": "gender",
    "身份证号": "id_number",
    "出生日期": "birth_date",
    "民族": "ethnicity",
    "手机号": "phone",
    "电子邮箱": "email",
    "入党日期": "join_date",
    "所在支部": "branch_id",
    "党员状态": "status",
}
DEPARTURE_COLUMNS = {
    "外出日期": "departed_on",
    "去向地址": "address",
    "预计返回日期": "expected_return",
    "从事职业": "occupation",
    "所在行业": "industry",
    "工作单位": "employer",
    "联系电话": "phone",
    "微信号": "wechat",
    "生活情况": "living",
    "学习情况": "study",
}
HEADERS = [*MEMBER_COLUMNS, *DEPARTURE_COLUMNS]
REQUIRED = ("姓名", "性别", "身份证号", "出生日期", "入党日期", "所在支部", "党员状态")
DATE_COLUMNS = {"出生日期", "入党日期", "外出日期", "预计返回日期"}
TEXT_COLUMNS = {"身份证号", "手机号", "联系电话", "微信号"}
SHEET_NAME = "花名册"
GENDER_CHOICES = ("男", "女")
STATUS_CHOICES = ("正式党员", "预备党员", "已转出", "已去世")

MAX_ROWS = 20_000
MAX_EMPTY_RUN = 500
MAX_COLUMNS = 64
HEADER_SEARCH_ROWS = 10

OLD_EXCEL = "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 格式后再上传"
EMPTY_SHEET = "工作表是空的：没有表头，也没有数据。请在下载的模板中填写后再上传"
NO_ROWS = "文件中只有表头，没有党员数据"
TOO_MANY = f"文件超过 {MAX_ROWS} 行数据，请拆分为多个文件分批导入"
CORRUPT = "文件内容已损坏，无法读取。请在 Excel 中打开确认后重新保存为 .xlsx 再上传"

INSTRUCTIONS = (
    "填写说明",
    "1. 在“花名册”工作表中每行填写一名党员；第一行是表头，请勿修改表头文字。列的顺序可以调整。",
    "2. 必填列：" + "、".join(REQUIRED) + "。",
    "3. 性别填“男”或“女”；党员状态填：" + "、".join(STATUS_CHOICES) + "。",
    "4. 所在支部须与系统中的支部名称完全一致（见“支部列表”工作表）。",
    "5. 日期可填 Excel 日期，或 2020-01-02、2020/1/2、2020年1月2日 等格式。",
    "6. 身份证号、手机号请以文本格式填写，避免 Excel 把长数字改成科学计数法。",
    "7. 外出日期及之后的列为外出登记信息，可留空；填写外出日期即为该党员登记一次外出。",
    "8. 同一身份证号已登记的党员，导入时将更新其信息，不会重复登记。",
    "示例：张三 | 男 | 330624198506150011 | 1985-06-15 | 汉族 | 13912345678 | "
    "| 2010-07-01 | 第一支部 | 正式党员 | 2024-03-01 | 浙江省杭州市萧山区 | …",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RosterFileError(ValueError):
    """The file as a whole cannot be read as a roster; the message says why, in Chinese."""


@dataclass
class Sheet:
    """The rows of a roster, keyed by header, with their Excel row numbers."""

    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    unknown: list[str] = field(default_factory=list)
    stopped_at: int | None = None

    def notes(self) -> list[str]:
        """Chinese warnings for the preview: ignored columns, reading stopped at empty rows."""
        out = []
        if self.unknown:
            out.append("以下列不是花名册的列，已忽略：" + "、".join(self.unknown))
        if self.stopped_at:
            out.append(
                f"从第{self.stopped_at}行起连续{MAX_EMPTY_RUN}行为空，已停止读取；"
                "如果其后还有数据，请删除中间的空行后重新上传"
            )
        return out


def normalize_header(value: Any) -> str:
    """A header cell as a column name: spaces, 必填 marks and asterisks dropped."""
    text = "" if value is None else str(value)
    for junk in (" ", "\u3000", "\n", "\t", "*", "＊", "（必填）", "(必填)"):
        text = text.replace(junk, "")
    return text


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _check_archive(content: bytes) -> None:
    if content[:4] == b"\xd0\xcf\x11\xe0":
        raise RosterFileError(OLD_EXCEL)
    if not content.startswith(b"PK\x03\x04"):
        raise RosterFileError(NOT_EXCEL)
    try:
        check_archive(content)
    except LimitExceeded as exc:
        raise RosterFileError(str(exc)) from exc


def _header_row(rows: list[tuple[int, tuple[Any, ...]]]) -> tuple[int, list[str]]:
    filled = [(n, [normalize_header(v) for v in values]) for n, values in rows if any(values)]
    if not filled:
        raise RosterFileError(EMPTY_SHEET)
    for number, names in filled:
        if len(set(names) & set(HEADERS)) >= 2:
            return number, names
    return filled[0]


def _check_headers(names: list[str]) -> list[str]:
    present = [n for n in names if n]
    missing = [h for h in REQUIRED if h not in present]
    if missing:
        raise RosterFileError(
            "缺少必填列：" + "、".join(missing) + "。请使用下载的模板，表头放在第一行"
        )
    twice = sorted({n for n in present if present.count(n) > 1 and n in HEADERS})
    if twice:
        raise RosterFileError("表头重复：" + "、".join(twice) + "，每列只能出现一次")
    return [n for n in present if n not in HEADERS]


def _defused(exc: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps what its parser raises)."""
    for _ in range(8):  # a chain a few links long; never follow a cycle
        if exc is None:
            return False
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def read_roster(content: bytes) -> Sheet:
    """The roster in content, or RosterFileError; reads at most MAX_ROWS rows, streaming.

    The file is checked against the limits of limits.py first; only then does openpyxl parse it,
    read-only (rows are streamed, never held as a sheet) and through defusedxml.
    """
    _check_archive(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or foreign file
        raise RosterFileError(HOSTILE_XML if _defused(exc) else NOT_EXCEL) from exc
    try:
        sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
        return _read_sheet(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True))
    except RosterFileError:
        raise
    except Exception as exc:
        raise RosterFileError(HOSTILE_XML if _defused(exc) else CORRUPT) from exc
    finally:
        book.close()


def _read_sheet(source: Iterable[tuple[Any, ...]]) -> Sheet:
    numbered = enumerate(source, start=1)
    top: list[tuple[int, tuple[Any, ...]]] = []
    for number, values in numbered:
        top.append((number, tuple(_cell(v) for v in values)))
        if number >= HEADER_SEARCH_ROWS:
            break
    header_at, names = _header_row(top)
    unknown = _check_headers(names)
    rows: list[tuple[int, dict[str, Any]]] = []
    empty_run = 0
    stopped: list[int] = []

    def take(number: int, values: tuple[Any, ...]) -> bool:
        nonlocal empty_run
        if not any(values):
            empty_run += 1
            if empty_run >= MAX_EMPTY_RUN:
                stopped.append(number - MAX_EMPTY_RUN + 1)
                return False
            return True
        empty_run = 0
        if len(rows) >= MAX_ROWS:
            raise RosterFileError(TOO_MANY)
        rows.append((number, {n: v for n, v in zip(names, values, strict=False) if n}))
        return True

    for number, values in top:
        if number > header_at and not take(number, values):
            break
    else:
        for number, values in numbered:
            if not take(number, tuple(_cell(v) for v in values)):
                break
    if not rows:
        raise RosterFileError(NO_ROWS)
    return Sheet(
        headers=[n for n in names if n in HEADERS],
        rows=rows,
        unknown=unknown,
        stopped_at=stopped[0] if stopped else None,
    )


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _style_header(sheet: Any, headers: list[str]) -> None:
    fill = PatternFill("solid", fgColor="F3E3E5")
    for index, name in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=name)
        cell.font = Font(bold=True, color="9E0C24" if name in REQUIRED else "1F2430")
        cell.fill = fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 22 if name in TEXT_COLUMNS else 14
        if name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
        elif name in DATE_COLUMNS:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"


def _choice(sheet: Any, header: str, formula: str, prompt: str) -> None:
    letter = get_column_letter(HEADERS.index(header) + 1)
    rule = DataValidation(type="list", formula1=formula, allow_blank=True)
    rule.error, rule.errorTitle, rule.showErrorMessage = prompt, "输入有误", True
    rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(rule)


def template_bytes(branch_names: list[str]) -> bytes:
    """The import template: headers, text and date formats, choice lists, instructions."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    _style_header(sheet, HEADERS)
    _choice(sheet, "性别", '"' + ",".join(GENDER_CHOICES) + '"', "性别请填“男”或“女”")
    _choice(sheet, "党员状态", '"' + ",".join(STATUS_CHOICES) + '"', "请从列表中选择党员状态")
    branches = book.create_sheet("支部列表")
    branches.append(["支部名称"])
    for row, name in enumerate(branch_names, start=2):
        cell = branches.cell(row=row, column=1, value=name)
        if looks_like_formula(name):
            cell.data_type, cell.quotePrefix = "s", True
    branches.column_dimensions["A"].width = 30
    if branch_names:
        _choice(
            sheet,
            "所在支部",
            f"'支部列表'!$A$2:$A${len(branch_names) + 1}",
            "请填写系统中已有的支部名称（见“支部列表”）",
        )
    notes = book.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    return _save(book)


def table_bytes(title: str, headers: list[str], rows: Iterable[list[Any]]) -> bytes:
    """A one-sheet workbook written as it streams: dates as dates, long numbers as text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(title))
    for index, name in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 22 if name in TEXT_COLUMNS else 14
    sheet.append([_bold(sheet, h) for h in headers])
    for row in rows:
        sheet.append([_out(sheet, v) for v in row])
    return _save(book)


def _bold(sheet: Any, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=plain(value))
    cell.font = Font(bold=True)
    return cell


def _text_cell(sheet: Any, value: str) -> WriteOnlyCell:
    """Formula-like text stored as text, marked so Excel never evaluates it."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type, cell.quotePrefix = "s", True
    return cell


def _out(sheet: Any, value: Any) -> Any:
    value = plain(value)
    if looks_like_formula(value):
        return _text_cell(sheet, value)
    if isinstance(value, date | datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str) and value.isdigit() and len(value) > 11:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "@"
        return cell
    return value


def errors_bytes(message: str, errors: list[dict[str, Any]]) -> bytes:
    """The preview's problems as a workbook: row, column, problem."""
    rows: list[list[Any]] = [["—", "（整个文件）", message]] if message else []
    rows.extend([e["row"], e["column"], e["problem"]] for e in errors)
    return table_bytes("错误明细", ["行号", "列", "问题"], rows)
