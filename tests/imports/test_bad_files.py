"""Files that are not rosters get a clear Chinese message, never a 500 or a hang."""

import io
import re
import zipfile

from tests.conftest import make_app
from tests.factories import login
from tests.imports.util import counts, job_of, person, upload, validate, xlsx
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.imports import excel
from webapp.imports.models import ImportStatus


def _failed_with(app, client, world, content: bytes, name: str = "花名册.xlsx") -> str:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    slug, tid = world.a.township.slug, world.a.township.id
    before = counts(app, tid)
    job_id = upload(client, slug, content, name)
    validate(tid, job_id)
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.FAILED, job.status
    assert counts(app, tid) == before
    page = client.get(f"/t/{slug}/imports/{job_id}")
    assert page.status_code == 200 and job.message in page.get_data(as_text=True)
    assert "只导入无误的行" not in page.get_data(as_text=True)
    return job.message


def test_text_file_renamed_xlsx(app, client, world) -> None:
    message = _failed_with(app, client, world, "姓名,身份证号\n张三,1\n".encode())
    assert message == excel.NOT_EXCEL


def test_old_xls_and_foreign_zip(app, client, world) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert _failed_with(app, client, world, ole, "花名册.xls") == excel.OLD_EXCEL
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert _failed_with(app, client, world, out.getvalue()) == excel.NOT_EXCEL
    truncated = xlsx([person(world.a.branch.name)])[:300]
    assert _failed_with(app, client, world, truncated) == excel.NOT_EXCEL


def test_wrong_headers_name_the_missing_columns(app, client, world) -> None:
    content = xlsx([{"名字": "张三", "证件": "1"}], headers=["名字", "证件", "备注"])
    message = _failed_with(app, client, world, content)
    assert message.startswith(
        "缺少必填列：姓名、性别、身份证号、出生日期、入党日期、所在支部、党员状态"
    )


def test_some_required_headers_missing(app, client, world) -> None:
    headers = [h for h in excel.HEADERS if h not in ("入党日期", "党员状态")]
    content = xlsx([person(world.a.branch.name)], headers=headers)
    assert _failed_with(app, client, world, content).startswith("缺少必填列：入党日期、党员状态。")


def test_duplicate_header(app, client, world) -> None:
    content = xlsx([person(world.a.branch.name)], headers=[*excel.HEADERS, "姓名"])
    assert "表头重复：姓名" in _failed_with(app, client, world, content)


def test_empty_sheet_and_header_only(app, client, world) -> None:
    assert _failed_with(app, client, world, xlsx([], headers=[])) == excel.EMPTY_SHEET
    assert _failed_with(app, client, world, xlsx([])) == excel.NO_ROWS


def test_too_many_rows(app, client, world, monkeypatch) -> None:
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    content = xlsx([person(world.a.branch.name) for _ in range(4)])
    assert "请拆分为多个文件分批导入" in _failed_with(app, client, world, content)


def _with_empty_rows(content: bytes, empty_rows: int) -> bytes:
    """The workbook with empty but formatted rows after its data, and one row far below them."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                last = max(int(n) for n in re.findall(r'<row r="(\d+)"', xml))
                cells = "".join(f'<c r="{c}{{n}}" s="0"/>' for c in "ABCDEFGHIJKLMNOPQRST")
                padding = "".join(
                    f'<row r="{n}">{cells.format(n=n)}</row>'
                    for n in range(last + 1, last + 1 + empty_rows)
                )
                far = last + empty_rows + 1
                tail = f'<row r="{far}"><c r="A{far}" t="inlineStr"><is><t>遗漏</t></is></c></row>'
                xml = xml.replace("</sheetData>", padding + tail + "</sheetData>")
                xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:T{far}"', xml)
                data = xml.encode()
            target.writestr(info, data)
    return out.getvalue()


def test_fifty_megabytes_of_empty_rows(app, client, world) -> None:
    row = person(world.a.branch.name)
    content = _with_empty_rows(xlsx([row]), 120_000)
    assert len(content) < app.config["MAX_CONTENT_LENGTH"]  # compressed: under the limit
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 50 * 1024 * 1024
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    tid = world.a.township.id
    job_id = upload(client, world.a.township.slug, content)
    validate(tid, job_id)  # how fast: benchmarks/, not a timed test on a shared machine
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.PREVIEWED
    assert (job.total_rows, job.valid_rows) == (1, 1)
    assert any("从第3行起连续500行为空，已停止读取" in w for w in job.warnings)


def test_unknown_columns_are_reported_not_fatal(app, client, world) -> None:
    content = xlsx(
        [{**person(world.a.branch.name), "备注": "x"}], headers=[*excel.HEADERS, "备注", "籍贯"]
    )
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    tid = world.a.township.id
    job_id = upload(client, world.a.township.slug, content)
    validate(tid, job_id)
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.PREVIEWED and job.valid_rows == 1
    assert job.warnings == ["以下列不是花名册的列，已忽略：备注、籍贯"]


def test_missing_and_empty_upload(app, client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    url = f"/t/{world.a.township.slug}/imports/"
    page = client.post(url, data={}, follow_redirects=True).get_data(as_text=True)
    assert "请选择要上传的 Excel 文件" in page
    empty = client.post(
        url,
        data={"file": (io.BytesIO(b""), "空.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "上传的文件是空的" in empty


def test_upload_over_the_limit_is_413(database_url, world) -> None:
    small = make_app(database_url, MAX_CONTENT_LENGTH=4096)
    try:
        client = small.test_client()
        login(client, world.a.users[Role.TOWNSHIP_ADMIN])
        response = client.post(
            f"/t/{world.a.township.slug}/imports/",
            data={"file": (io.BytesIO(b"PK" + b"\0" * 10_000), "大.xlsx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 413
        assert "上传内容过大" in response.get_data(as_text=True)
    finally:
        db.session.remove()
