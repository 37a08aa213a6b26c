"""Roster import jobs: upload (queued after commit), validate into a preview, import; idempotent."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from tenants.access import get_in_tenant
from tenants.db import utcnow
from tenants.models import Township
from webapp.audit.services import record, snapshot
from webapp.auth.models import User
from webapp.departures.services import open_trip
from webapp.imports.excel import RosterFileError, Sheet, read_roster
from webapp.imports.models import FINISHED, ImportJob, ImportMode, ImportStatus
from webapp.imports.rows import Lookups, RowCheck, check_row, lookups_for
from webapp.jobs import enqueue_after_commit
from webapp.members.models import Member
from webapp.members.rules import clean_member_data

VALIDATE_TASK = "workers.tasks.imports.validate_import"
IMPORT_TASK = "workers.tasks.imports.run_import"
BATCH = 200
MAX_FILENAME = 255
UNREADABLE = lazy_gettext(
    "此文件无法读取：处理它的程序连续 {n} 次意外中断，系统已停止处理此文件，以免影响其他工作。"
    "请在 Excel 中打开文件，另存为新的 .xlsx 文件后重新上传；如仍无法导入，请联系县级管理员"
)


class ImportRefused(ValueError):
    """An import step that cannot be taken now; the message says why, in Chinese."""


def list_imports() -> Select[tuple[ImportJob]]:
    """Import jobs in scope, newest first."""
    return select(ImportJob).order_by(ImportJob.created_at.desc(), ImportJob.id.desc())


def do_upload(
    session: Session, actor: Any, township: Township, filename: str, content: bytes
) -> ImportJob:
    """Store the uploaded file and queue its validation (after commit)."""
    if not content:
        raise ImportRefused(_("上传的文件是空的，请选择填写好的 Excel 文件"))
    job = ImportJob(
        tenant_id=township.id,
        filename=(filename or _("花名册.xlsx"))[-MAX_FILENAME:],
        size=len(content),
        content=content,
        uploaded_by=getattr(actor, "id", None),
        counts={},
        errors=[],
        warnings=[],
    )
    session.add(job)
    session.flush()
    record(
        session,
        actor,
        "roster.uploaded",
        "import",
        job.id,
        tenant_id=township.id,
        after={"filename": job.filename, "size": job.size},
    )
    enqueue_after_commit(session, VALIDATE_TASK, township.id, job.id)
    session.commit()
    return job


def _duplicates(sheet: Sheet) -> dict[int, list[int]]:
    """Row -> every row of the file that carries the same ID number (only when more than one)."""
    by_number: dict[str, list[int]] = defaultdict(list)
    for row, values in sheet.rows:
        number = str(values.get("身份证号") or "").strip().replace(" ", "").upper()
        if number:
            by_number[number].append(row)
    return {r: rows for rows in by_number.values() if len(rows) > 1 for r in rows}


def _check_all(
    session: Session, job: ImportJob, sheet: Sheet, span: tuple[int, int]
) -> list[RowCheck]:
    """Check every row, committing the job's progress (within span) every BATCH rows."""
    township = session.get(Township, job.tenant_id)
    lookups = lookups_for(session, _duplicates(sheet))
    checks = []
    for start in range(0, len(sheet.rows), BATCH):
        batch = sheet.rows[start : start + BATCH]
        lookups.load_members(session, batch)
        checks.extend(check_row(session, township, row, values, lookups) for row, values in batch)
        job.progress = span[0] + (span[1] - span[0]) * (start + len(batch)) // len(sheet.rows)
        session.commit()
    return checks


def _finish(job: ImportJob, status: ImportStatus) -> None:
    """Done or failed: the file is not needed any more, and its personal data goes with it."""
    job.status, job.finished_at, job.content = status, utcnow(), b""


def _fail(session: Session, job: ImportJob, message: str) -> ImportJob:
    _finish(job, ImportStatus.FAILED)
    job.message = message[:500]
    session.commit()
    return job


def validate_job(session: Session, job_id: int) -> ImportJob:
    """Read and check the file, writing only the preview; a finished preview is left alone."""
    job = get_in_tenant(session, ImportJob, job_id)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.VALIDATING):
        return job
    job.status, job.progress = ImportStatus.VALIDATING, 0
    session.commit()
    try:
        sheet = read_roster(job.content)
    except RosterFileError as exc:
        return _fail(session, job, str(exc))
    checks = _check_all(session, job, sheet, (0, 99))
    valid = [c for c in checks if c.ok]
    job.total_rows, job.valid_rows = len(checks), len(valid)
    job.error_rows = len(checks) - len(valid)
    job.errors = [e for c in checks for e in c.error_dicts()]
    job.warnings = sheet.notes()
    job.counts = {
        "preview": {
            "new": sum(1 for c in valid if c.existing is None),
            "update": sum(1 for c in valid if c.existing is not None),
            "departures": sum(
                1 for c in valid if c.departure_data is not None and not c.departure_known
            ),
            "departures_known": sum(1 for c in valid if c.departure_known),
        }
    }
    job.status, job.progress = ImportStatus.PREVIEWED, 100
    session.commit()
    return job


def do_start_import(session: Session, actor: Any, job: ImportJob, mode: str) -> ImportJob:
    """Queue the import in the chosen mode; refused unless the preview is ready and allows it."""
    try:
        chosen = ImportMode(mode)
    except ValueError:
        raise ImportRefused(_("请选择导入方式")) from None
    if job.status != ImportStatus.PREVIEWED:
        raise ImportRefused(_("该文件尚未校验完成，或已经导入过，不能再次导入"))
    if chosen == ImportMode.ALL_OR_NOTHING and job.error_rows:
        raise ImportRefused(
            _(
                "文件中有 %(error_rows)s 行有误。选择“全部无误才导入”时不会导入任何数据；请修改后重新上传，或选择“只导入无误的行”",
                error_rows=job.error_rows,
            )
        )
    if not job.valid_rows:
        raise ImportRefused(_("没有可以导入的行：每一行都有错误，请修改后重新上传"))
    claimed = session.execute(
        update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status == ImportStatus.PREVIEWED)
        .values(
            status=ImportStatus.IMPORTING,
            mode=chosen,
            imported_by=getattr(actor, "id", None),
            progress=0,
            rows_done=0,
            errors=[],
        )
    )
    if claimed.rowcount != 1:
        session.rollback()
        raise ImportRefused(_("该文件正在导入或已经导入"))
    record(
        session,
        actor,
        "roster.import_started",
        "import",
        job.id,
        tenant_id=job.tenant_id,
        after={"filename": job.filename, "mode": chosen.value},
    )
    enqueue_after_commit(session, IMPORT_TASK, job.tenant_id, job.id)
    session.commit()
    session.refresh(job)
    return job


def _member_view(member: Member) -> dict[str, Any]:
    view = snapshot(member, Member.AUDIT_FIELDS)
    view["id_number"], view["phone"] = member.id_number_masked, member.phone_masked
    return view


@dataclass
class Staged:
    """A valid row's member, created or changed in the session, waiting for the batch's flush."""

    check: RowCheck
    member: Member
    outcome: str
    before: dict[str, Any] | None = None


def stage_row(session: Session, township: Township, check: RowCheck) -> Staged:
    """Create or update the member of a valid row (not flushed: the batch flushes once)."""
    clean = clean_member_data(check.member_data)
    member = check.existing
    if member is None:
        member = Member(tenant_id=township.id, **clean)
        member.set_id_number(check.id_number)
        session.add(member)
        return Staged(check, member, "created")
    if not any(getattr(member, k) != v for k, v in clean.items()):
        return Staged(check, member, "unchanged")
    before = _member_view(member)
    for key, value in clean.items():
        setattr(member, key, value)
    return Staged(check, member, "updated", before)


def write_row(session: Session, actor: Any, township: Township, staged: Staged) -> Counter:
    """After the flush: audit the member's change, and register the row's departure once."""
    outcome: Counter[str] = Counter({staged.outcome: 1})
    member, check = staged.member, staged.check
    if staged.outcome != "unchanged":
        record(
            session,
            actor,
            f"member.{staged.outcome}",
            "member",
            member.id,
            tenant_id=township.id,
            before=staged.before,
            after=_member_view(member),
        )
    if check.departure_data is not None and not check.departure_known:
        open_trip(session, actor, township, member, check.departure_data, check.departure_fields)
        outcome["departures"] += 1
    return outcome


def _locked(session: Session, job_id: int) -> ImportJob | None:
    """The job, re-read and locked for this transaction (two deliveries take turns)."""
    stmt = select(ImportJob).where(ImportJob.id == job_id).with_for_update()
    return session.scalar(stmt.execution_options(populate_existing=True))


def _import_batch(
    session: Session, job_id: int, sheet: Sheet, lookups: Lookups
) -> ImportJob | None:
    """Import the next batch in one transaction; None when the job is not importing any more."""
    job = _locked(session, job_id)
    if job is None or job.status != ImportStatus.IMPORTING:
        session.rollback()
        return None
    township = session.get(Township, job.tenant_id)
    actor = session.get(User, job.imported_by) if job.imported_by else None
    whole = job.mode == ImportMode.ALL_OR_NOTHING
    end = len(sheet.rows) if whole else min(job.rows_done + BATCH, len(sheet.rows))
    counts: Counter[str] = Counter(job.counts.get("result", {}))
    errors = list(job.errors or [])
    staged = []
    rows = sheet.rows[job.rows_done : end]
    lookups.load_members(session, rows)
    for row, values in rows:
        check = check_row(session, township, row, values, lookups)
        if not check.ok:
            if whole:
                session.rollback()
                job = get_in_tenant(session, ImportJob, job_id)
                job.errors = check.error_dicts()
                return _fail(
                    session,
                    job,
                    _("第%(row)s行在校验后发生了变化，不再有效；未导入任何数据", row=row),
                )
            errors.extend(check.error_dicts())
            counts["skipped"] += 1
            continue
        staged.append(stage_row(session, township, check))
    session.flush()
    for item in staged:
        counts.update(write_row(session, actor, township, item))
    job.rows_done = end
    job.counts = {**job.counts, "result": dict(counts)}
    job.errors = errors
    job.progress = (50 if whole else 0) + (50 if whole else 100) * end // len(sheet.rows)
    if end >= len(sheet.rows):
        _finish(job, ImportStatus.DONE)
        job.progress = 100
        record(
            session,
            actor,
            "roster.imported",
            "import",
            job.id,
            tenant_id=job.tenant_id,
            after={"filename": job.filename, "mode": job.mode.value, **counts},
        )
    session.commit()
    return job


def run_import(session: Session, job_id: int) -> ImportJob:
    """Import the rows that are valid now; running it again (or twice at once) adds nothing."""
    job = get_in_tenant(session, ImportJob, job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    try:
        sheet = read_roster(job.content)
    except RosterFileError as exc:
        return _fail(session, job, str(exc))
    lookups = lookups_for(session, _duplicates(sheet))
    if job.mode == ImportMode.ALL_OR_NOTHING and job.rows_done == 0:
        bad = [c for c in _check_all(session, job, sheet, (0, 50)) if not c.ok]
        if bad:
            job.errors = [e for c in bad for e in c.error_dicts()]
            return _fail(
                session, job, _("有 %(n_bad)s 行在校验后发生了变化，未导入任何数据", n_bad=len(bad))
            )
        job.progress = 50
        session.commit()
    while (current := _import_batch(session, job_id, sheet, lookups)) is not None:
        job = current
        if job.status != ImportStatus.IMPORTING:
            break
    session.refresh(job)
    return job


def mark_failed(session: Session, job_id: int, message: str) -> None:
    """Record a failure the officer can see (a finished job is left alone)."""
    session.rollback()
    job = get_in_tenant(session, ImportJob, job_id)
    if job.status in FINISHED:
        return
    _fail(session, job, message)


def mark_unreadable(session: Session, job_id: int, attempts: int) -> None:
    """Dead-letter the job: its file took the worker down attempts times; the township sees
    "此文件无法读取", the file is dropped, and nothing more is done with it."""
    session.rollback()
    job = get_in_tenant(session, ImportJob, job_id)
    if job.status in FINISHED:
        return
    before = {"status": job.status.value}
    _finish(job, ImportStatus.UNREADABLE)
    job.message = UNREADABLE.format(n=attempts)
    record(
        session,
        None,
        "roster.unreadable",
        "import",
        job.id,
        tenant_id=job.tenant_id,
        before=before,
        after={"filename": job.filename, "status": job.status.value, "attempts": attempts},
    )
    session.commit()
