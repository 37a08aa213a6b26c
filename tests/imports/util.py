"""Building real .xlsx rosters with openpyxl, uploading them, and running the import steps."""

import io
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tenants.context import tenant_context
from tests.factories import valid_id_number
from webapp.departures.models import Departure
from webapp.extensions import db
from webapp.imports.excel import HEADERS
from webapp.imports.models import ImportJob
from webapp.members.models import Gender, Member
from workers.tasks.imports import import_roster, validate_import

TODAY = date.today()
_born = iter(date(1950, 1, 1) + timedelta(days=(37 * i) % (365 * 40)) for i in range(100_000))


def person(branch: str, **cells: Any) -> dict[str, Any]:
    """A valid row (header -> value) for a new member of branch; cells override or add."""
    born = next(_born)
    row = {
        "姓名": "王" + "一二三四五六七八九十"[born.day % 10] + "明",
        "性别": "男",
        "身份证号": valid_id_number(born, Gender.MALE),
        "出生日期": born,
        "民族": "汉族",
        "手机号": "139" + f"{born.toordinal() % 10**8:08d}",
        "电子邮箱": "",
        "入党日期": born + timedelta(days=365 * 25 + 30),
        "所在支部": branch,
        "党员状态": "正式党员",
    }
    row.update(cells)
    return row


def away(**cells: Any) -> dict[str, Any]:
    """Departure cells of a valid trip (override with cells)."""
    row = {
        "外出日期": TODAY - timedelta(days=60),
        "去向地址": "上海市闵行区莘庄镇",
        "预计返回日期": TODAY + timedelta(days=120),
        "从事职业": "厨师",
        "所在行业": "住宿和餐饮业",
        "工作单位": "某饭店",
        "联系电话": "13811112222",
        "微信号": "wx123",
    }
    row.update(cells)
    return row


def xlsx(rows: Iterable[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    """A workbook whose first sheet has headers in row 1 and one row per dict."""
    headers = HEADERS if headers is None else headers
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_xlsx(content: bytes) -> list[tuple[Any, ...]]:
    """Every row of the first sheet."""
    book = load_workbook(io.BytesIO(content))
    return list(book.worksheets[0].iter_rows(values_only=True))


def upload(client: FlaskClient, slug: str, content: bytes, name: str = "花名册.xlsx") -> int:
    """POST the file; returns the new job's id."""
    response = client.post(
        f"/t/{slug}/imports/",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def validate(tenant_id: int, job_id: int) -> None:
    """Run the validation task here (what the worker would do)."""
    validate_import(tenant_id, job_id)


def start(client: FlaskClient, slug: str, job_id: int, mode: str) -> str:
    """Confirm the import in mode; returns the page shown afterwards."""
    response = client.post(
        f"/t/{slug}/imports/{job_id}/run",
        data={"mode": mode, "confirm": "yes"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def run(tenant_id: int, job_id: int) -> None:
    """Run the import task here."""
    import_roster(tenant_id, job_id)


def job_of(app: Flask, tenant_id: int, job_id: int) -> ImportJob:
    """The job as the database has it now (errors loaded)."""
    with app.app_context(), tenant_context(tenant_id):
        job = db.session.get(ImportJob, job_id)
        _ = job.errors
        db.session.expunge(job)
        db.session.remove()
        return job


def problems(job: ImportJob) -> set[tuple[int, str, str]]:
    """(row, column, problem) of every error."""
    return {(e["row"], e["column"], e["problem"]) for e in job.errors}


def counts(app: Flask, tenant_id: int) -> tuple[int, int]:
    """(members, departures) of the township."""
    with app.app_context(), tenant_context(tenant_id):
        result = (
            db.session.scalar(select(func.count(Member.id))),
            db.session.scalar(select(func.count(Departure.id))),
        )
        db.session.remove()
        return result
