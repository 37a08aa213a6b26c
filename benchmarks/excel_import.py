"""Excel import of 10,000 rows (webapp.imports): upload, validate, import, beside a bulk-insert floor.

This section was a placeholder until webapp.imports offered services to call; it still prints
"not yet available" when that package (or one of the services used here) is missing.
"""

import importlib.util
import io
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from benchmarks.timing import watch_sql
from tenants.context import system_context_unsafe, tenant_context
from tenants.models import County, Township
from webapp.auth.models import Role
from webapp.auth.services import do_create_user
from webapp.branches.models import Branch
from webapp.demo import chinese_name, id_number_for
from webapp.departures.article import JOBS
from webapp.extensions import db
from webapp.members.models import Gender
from webapp.scale import MIX, MOBILE_SHARE, generate, home_counties, pick_destination

ROWS = 10_000
GOAL_S = 30.0
BRANCHES = 20
NOT_AVAILABLE = "not yet available"


@dataclass
class ImportResult:
    """Seconds per step of one import, and the bulk-insert floor for the same number of members."""

    upload: float
    validate: float
    imported: float
    floor: float
    counts: dict[str, Any]
    sql: list[str]

    @property
    def total(self) -> float:
        return self.upload + self.validate + self.imported

    def line(self) -> str:
        """One console line."""
        return (
            f"{ROWS:,} rows in {self.total:.1f} s ({ROWS / self.total:,.0f} rows/s: upload "
            f"{self.upload:.1f} s, validate {self.validate:.1f} s, import {self.imported:.1f} s) | "
            f"bulk-insert floor {self.floor:.1f} s | ratio {self.total / self.floor:.0f}× | "
            f"result {self.counts} | goal < {GOAL_S:.0f} s: "
            f"{'met' if self.total < GOAL_S else 'MISSED'}"
        )


def available() -> bool:
    """True when webapp.imports has the upload, validate and import services."""
    if importlib.util.find_spec("webapp.imports") is None:
        return False
    try:
        from webapp.imports import services
    except ImportError:
        return False
    return all(hasattr(services, n) for n in ("do_upload", "validate_job", "run_import"))


def roster(rng: random.Random, code: str, branches: list[str], today: date) -> bytes:
    """A 10,000-row roster workbook: new members, ~20% of them registered as away."""
    from openpyxl import Workbook

    from webapp.imports.excel import HEADERS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(HEADERS)
    used: set[str] = set()
    for i in range(ROWS):
        gender = Gender.MALE if rng.random() < 0.72 else Gender.FEMALE
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
        number = id_number_for(rng, code, born, gender)
        while number in used:
            number = id_number_for(rng, code, born, gender)
        used.add(number)
        row: dict[str, Any] = {
            "姓名": chinese_name(rng),
            "性别": "男" if gender == Gender.MALE else "女",
            "身份证号": number,
            "出生日期": born,
            "民族": "汉族",
            "手机号": f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
            "入党日期": min(born + timedelta(days=365 * 19 + rng.randrange(0, 7000)), today),
            "所在支部": branches[i % len(branches)],
            "党员状态": "预备党员" if rng.random() < 0.03 else "正式党员",
        }
        if rng.random() < MOBILE_SHARE:
            category = rng.choices([c for c, _ in MIX[:4]], [w for _, w in MIX[:4]])[0]
            occupation, industry = rng.choice(JOBS)
            row.update(
                {
                    "外出日期": today - timedelta(days=rng.randrange(20, 330)),
                    "去向地址": pick_destination(rng, code, category)[0],
                    "从事职业": occupation,
                    "所在行业": industry,
                }
            )
        sheet.append([row.get(h) for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _township(session: Session, rng: random.Random) -> tuple[Township, Any, list[str]]:
    """A new, empty township (in a county of its own) with branches and an admin."""
    with system_context_unsafe():
        home = home_counties(session, 1, rng)[0]
        county = County(name=home.name, code=home.code)
        session.add(county)
        session.flush()
        town = Township(
            county_id=county.id,
            name="导入测试镇",
            slug=f"bench-import-{home.code}",
            division_code=home.code,
            settings={},
        )
        session.add(town)
        session.flush()
        names = [f"导入第{i + 1}党支部" for i in range(BRANCHES)]
        session.add_all(Branch(tenant_id=town.id, name=n) for n in names)
        actor = do_create_user(
            session,
            username=f"bench_import_{town.id}",
            display_name="导入测试 组织委员",
            password="bench2026pass",
            role=Role.TOWNSHIP_ADMIN,
            tenant_id=town.id,
        )
        session.commit()
    return town, actor, names


def measure(app: Flask, seed: int = 10_000) -> ImportResult:
    """Upload, validate and import a 10,000-row roster into a new township; then the floor."""
    from webapp.imports.services import do_start_import, do_upload, run_import, validate_job

    rng = random.Random(seed)
    today = date.today()
    with app.app_context():
        session = db.session
        town, actor, branches = _township(session, rng)
        content = roster(rng, town.division_code, branches, today)
        with tenant_context(town.id), watch_sql(db.engine) as log:  # type: ignore[arg-type]
            start = time.perf_counter()
            job = do_upload(session, actor, town, "花名册.xlsx", content)
            uploaded = time.perf_counter()
            job = validate_job(session, job.id)
            validated = time.perf_counter()
            job = do_start_import(session, actor, job, "valid_only")
            job = run_import(session, job.id)
            done = time.perf_counter()
            counts = dict(job.counts.get("result", {}), status=job.status.value)
        floor_start = time.perf_counter()
        generate(session, ROWS, township_size=ROWS, per_county=1, prefix="bench-floor", echo=_quiet)
        floor = time.perf_counter() - floor_start
    sql = [
        f"{log.count:,} SQL statements ({log.count / ROWS:.1f} per row), {log.total_ms / 1000:.1f} s"
    ]
    return ImportResult(
        uploaded - start, validated - uploaded, done - validated, floor, counts, sql + log.summary()
    )


def _quiet(_line: str) -> None:
    """Discard the generator's progress lines."""


def excel_import_benchmark(app: Flask) -> tuple[str, ImportResult | None]:
    """The result line, or "not yet available" while webapp.imports lacks the services."""
    if not available():
        return NOT_AVAILABLE, None
    try:
        result = measure(app)
    except Exception as exc:  # the import is someone else's work in progress: report, go on
        return f"failed: {type(exc).__name__}: {exc}"[:300], None
    return result.line(), result
