"""Issue 15, findings 3 and 4: crafted workbooks are refused before they are parsed, clearly.

Each file here is a real .xlsx (written by openpyxl) with one part rewritten the way an attacker
would; each goes through the upload and the validation task, and must fail with a Chinese message
naming the problem, with nothing written.
"""

import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable

import openpyxl
import pytest
from defusedxml import DefusedXmlException

from tests.factories import login
from tests.imports.util import away, counts, job_of, person, upload, validate, xlsx
from webapp.auth.models import Role
from webapp.imports import excel, limits
from webapp.imports.models import ImportStatus

SHEET = "xl/worksheets/sheet1.xml"
STYLES = "xl/styles.xml"
LAUGHS = "".join(
    ['<!DOCTYPE worksheet [<!ENTITY lol0 "lol">']
    + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    + ["]>"]
)


def crafted(
    rewrite: dict[str, Callable[[str], str]] | None = None,
    extra: dict[str, bytes] | None = None,
    rows: int = 1,
) -> bytes:
    """A valid roster of rows rows, with parts rewritten (name -> text -> text) or added."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([person("第一支部") for _ in range(rows)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if rewrite and info.filename in rewrite:
                data = rewrite[info.filename](data.decode()).encode()
            target.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def add_rows(xml_rows: str) -> Callable[[str], str]:
    return lambda xml: xml.replace("</sheetData>", xml_rows + "</sheetData>")


def refused(app, client, world, content: bytes) -> str:
    """Upload and validate content; it must fail with nothing written. Returns the message."""
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    slug, tid = world.a.township.slug, world.a.township.id
    before = counts(app, tid)
    job_id = upload(client, slug, content)
    validate(tid, job_id)
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.FAILED, (job.status, job.message)
    assert counts(app, tid) == before
    assert (job.total_rows, job.valid_rows, job.errors, job.counts) == (0, 0, [], {})
    page = client.get(f"/t/{slug}/imports/{job_id}")
    assert page.status_code == 200 and job.message in page.get_data(as_text=True)
    return job.message


def test_finding_3_openpyxl_parses_through_defusedxml() -> None:
    """The second line: openpyxl itself refuses entities, in the workbook and in a sheet."""
    assert openpyxl.DEFUSEDXML is True
    in_workbook = crafted(
        {"xl/workbook.xml": lambda xml: LAUGHS.replace("worksheet", "workbook") + xml}
    )
    with pytest.raises(ValueError) as refusal:  # openpyxl wraps what the parser raised
        openpyxl.load_workbook(io.BytesIO(in_workbook), read_only=True)
    assert isinstance(refusal.value.__cause__, DefusedXmlException)
    in_sheet = crafted({SHEET: lambda xml: LAUGHS + xml})
    with pytest.raises(ValueError) as refusal:  # read-only mode reads the sheet's dimension
        openpyxl.load_workbook(io.BytesIO(in_sheet), read_only=True)
    assert isinstance(refusal.value.__cause__, DefusedXmlException)


def test_finding_3_billion_laughs_xlsx_is_refused_with_a_clear_error(app, client, world) -> None:
    bomb = add_rows('<row r="3"><c r="A3" t="inlineStr"><is><t>&lol9;</t></is></c></row>')
    content = crafted({SHEET: lambda xml: LAUGHS + bomb(xml)})
    started = time.monotonic()
    assert refused(app, client, world, content) == limits.HOSTILE_XML
    assert time.monotonic() - started < 10
    in_styles = crafted({STYLES: lambda xml: LAUGHS.replace("worksheet", "styleSheet") + xml})
    assert refused(app, client, world, in_styles) == limits.HOSTILE_XML


def test_finding_4_huge_declared_dimension_is_refused(app, client, world) -> None:
    def huge(xml: str) -> str:
        return re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)

    message = refused(app, client, world, crafted({SHEET: huge}))
    assert message.startswith("工作表声明的范围 A1:XFD1048576 过大（1048576 行、16384 列；")
    assert "请删除多余的行、列和格式" in message


def test_finding_4_zip_members_beyond_the_unzipped_cap_are_refused(app, client, world) -> None:
    padding = b"\0" * (limits.MAX_UNZIPPED + 1024 * 1024)
    content = crafted(extra={"xl/media/image1.png": padding})
    assert len(content) < app.config["MAX_CONTENT_LENGTH"]
    message = refused(app, client, world, content)
    assert message.startswith("文件解压后有 101 MB，超过上限 100 MB。")


def test_finding_4_zip_bomb_ratio_is_refused(app, client, world) -> None:
    content = crafted(extra={"xl/media/image1.png": b"\0" * (4 * 1024 * 1024)})
    message = refused(app, client, world, content)
    assert message.startswith("文件中的部件“xl/media/image1.png”压缩比异常（")
    assert "上限 100:1" in message


def test_finding_4_a_small_upload_that_would_take_gigabytes_is_refused() -> None:
    """46 KB: one row of a million cells, which openpyxl would hold at once (650 MB, measured)."""
    content = crafted({SHEET: add_rows('<row r="3">' + '<c r="A3" s="0"/>' * 1_000_000 + "</row>")})
    assert len(content) < 60_000
    tracemalloc.start()
    try:
        with pytest.raises(excel.RosterFileError) as refusal:
            excel.read_roster(content)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "压缩比异常" in str(refusal.value)
    assert peak < 20 * 1024 * 1024


def test_finding_4_too_many_cells_in_one_row(app, client, world) -> None:
    """Distinct cells compress like real data, so the ratio passes; the row's size does not."""
    cells = "".join(
        f'<c r="{openpyxl.utils.get_column_letter(i)}3" s="0"/>' for i in range(1, 5001)
    )
    message = refused(app, client, world, crafted({SHEET: add_rows(f'<row r="3">{cells}</row>')}))
    assert message.startswith("工作表第3行包含的单元格和格式超过上限（4096 个）。")


def test_finding_4_too_many_rows_in_the_sheet(app, client, world, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_SHEET_ROWS", 5_000)
    rows = "".join(f'<row r="{n}"/>' for n in range(3, 5003))
    message = refused(app, client, world, crafted({SHEET: add_rows(rows)}))
    assert message.startswith("工作表超过 5000 行（含空行和带格式的行）。")


def test_finding_4_a_cell_longer_than_excel_allows(app, client, world) -> None:
    long_text = "党" * (limits.MAX_TEXT + 1)
    row = f'<row r="3"><c r="A3" t="inlineStr"><is><t>{long_text}</t></is></c></row>'
    message = refused(app, client, world, crafted({SHEET: add_rows(row)}))
    assert message.startswith("有单元格的内容超过 32767 个字符")


def test_finding_4_a_full_roster_passes_the_limits() -> None:
    """The limits leave room for the largest roster the import takes: MAX_ROWS rows, every
    column filled (the 50 MB of formatted empty rows of test_bad_files pass them too)."""
    rows = [person("第一支部", **away(), 电子邮箱="a@example.com") for _ in range(excel.MAX_ROWS)]
    limits.check_archive(xlsx(rows))
