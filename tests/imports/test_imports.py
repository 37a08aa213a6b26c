"""Roster import: template round trip, preview errors, the two modes, re-import, idempotent tasks."""

import io
from datetime import date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import LargeBinary, func, select, type_coerce

from tenants.context import tenant_context
from tests.factories import login
from tests.imports.util import (
    TODAY,
    away,
    counts,
    job_of,
    person,
    problems,
    read_xlsx,
    run,
    start,
    upload,
    validate,
    xlsx,
)
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.branches.models import Branch
from webapp.crypto import keyring
from webapp.departures.models import Departure, FlowCategory, Whereabouts
from webapp.extensions import db
from webapp.idnumber import id_number_problem
from webapp.imports.excel import HEADERS
from webapp.imports.models import ImportJob, ImportStatus
from webapp.imports.services import run_import, validate_job
from webapp.members.models import Member, MemberStatus


def _admin(client, world):
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    return world.a.township.slug, world.a.township.id


def _member(app, tid: int, id_number: str) -> Member | None:
    with app.app_context(), tenant_context(tid):
        member = db.session.scalar(
            select(Member).where(Member.id_number_index == keyring.blind_index(id_number))
        )
        if member is not None:
            db.session.expunge(member)
        db.session.remove()
        return member


def _actions(app, tid: int) -> list[str]:
    with app.app_context(), tenant_context(tid):
        rows = db.session.scalars(
            select(AuditLog.action).where(
                AuditLog.tenant_id == tid, AuditLog.action.like("roster.%")
            )
        ).all()
        db.session.remove()
        return list(rows)


def test_template_round_trip(app, client, world) -> None:
    slug, tid = _admin(client, world)
    response = client.get(f"/t/{slug}/imports/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "花名册"
    sheet = book["花名册"]
    assert [c.value for c in sheet[1]] == HEADERS
    branch_names = [r[0] for r in book["支部列表"].iter_rows(min_row=2, values_only=True)]
    assert world.a.branch.name in branch_names and world.a.other_branch.name in branch_names

    first = person(world.a.branch.name)
    second = person(world.a.other_branch.name, **away())
    for row in (first, second):
        sheet.append([row.get(h) for h in HEADERS])
    out = io.BytesIO()
    book.save(out)

    before = counts(app, tid)
    job_id = upload(client, slug, out.getvalue())
    assert counts(app, tid) == before, "nothing is written before the officer confirms"
    validate(tid, job_id)
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.PREVIEWED and job.progress == 100
    assert (job.total_rows, job.valid_rows, job.error_rows) == (2, 2, 0)
    assert job.errors == []
    assert job.counts["preview"] == {"new": 2, "update": 0, "departures": 1, "departures_known": 0}
    page = client.get(f"/t/{slug}/imports/{job_id}").get_data(as_text=True)
    assert "全部行校验通过" in page and "只导入无误的行" in page and "全部无误才导入" in page

    assert "已开始导入" in start(client, slug, job_id, "all_or_nothing")
    run(tid, job_id)
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.DONE and job.progress == 100
    assert job.counts["result"] == {"created": 2, "departures": 1}
    assert counts(app, tid) == (before[0] + 2, before[1] + 1)

    member = _member(app, tid, second["身份证号"])
    assert member.name == second["姓名"] and member.phone == second["手机号"]
    assert member.birth_date == second["出生日期"] and member.status == MemberStatus.FULL
    with app.app_context(), tenant_context(tid):
        stint = db.session.scalar(select(Whereabouts).where(Whereabouts.member_id == member.id))
        assert stint.flow_category == FlowCategory.CROSS_PROVINCE
        assert stint.occupation == "厨师" and stint.phone == "13811112222"
        db.session.remove()
    assert _actions(app, tid) == ["roster.uploaded", "roster.import_started", "roster.imported"]


def test_preview_lists_row_column_problem(app, client, world) -> None:
    slug, tid = _admin(client, world)
    branch = world.a.branch.name
    good = person(branch, 出生日期=None, 入党日期="2010年7月1日")
    good["出生日期"] = "{}/{}/{}".format(*_born_of(good["身份证号"]))
    bad_checksum = person(branch)
    bad_checksum["身份证号"] = bad_checksum["身份证号"][:-1] + (
        "0" if bad_checksum["身份证号"][-1] != "0" else "1"
    )
    unknown_branch = person("没有这个支部")
    back_early = person(branch, **away(预计返回日期=TODAY - timedelta(days=90)))
    future = person(branch, **away(外出日期=TODAY + timedelta(days=10), 预计返回日期=None))
    twin = person(branch)
    twin_again = person(branch, 身份证号=twin["身份证号"], 姓名="李四")
    bad_date = person(branch, 入党日期="2010-02-30", 性别="未知")
    rows = [good, bad_checksum, unknown_branch, back_early, future, twin, twin_again, bad_date]

    before = counts(app, tid)
    job_id = upload(client, slug, xlsx(rows))
    validate(tid, job_id)
    job = job_of(app, tid, job_id)
    assert counts(app, tid) == before
    assert (job.total_rows, job.valid_rows, job.error_rows) == (8, 1, 7)
    found = problems(job)
    assert (3, "身份证号", "身份证号校验位不正确，请核对") in found
    assert (4, "所在支部", "本乡镇没有名为“没有这个支部”的支部，请核对支部名称") in found
    assert (5, "预计返回日期", "预计返回日期不能早于外出日期") in found
    assert (6, "外出日期", "外出日期不能晚于今天") in found
    assert (7, "身份证号", "与本文件第8行的身份证号重复") in found
    assert (8, "身份证号", "与本文件第7行的身份证号重复") in found
    assert (9, "入党日期", "日期不存在：2010-02-30") in found
    assert (9, "性别", "性别应填写“男”或“女”") in found
    assert not any(row == 2 for row, _c, _p in found), found

    page = client.get(f"/t/{slug}/imports/{job_id}").get_data(as_text=True)
    assert "与本文件第8行的身份证号重复" in page and "下载错误明细" in page
    download = client.get(f"/t/{slug}/imports/{job_id}/errors.xlsx")
    assert download.status_code == 200
    table = read_xlsx(download.data)
    assert table[0] == ("行号", "列", "问题")
    assert (5, "预计返回日期", "预计返回日期不能早于外出日期") in table[1:]
    assert len(table) - 1 == len(job.errors)


def _born_of(id_number: str) -> tuple[int, int, int]:
    return int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])


def test_dates_in_every_accepted_form(app, client, world) -> None:
    slug, tid = _admin(client, world)
    row = person(world.a.branch.name)
    y, m, d = _born_of(row["身份证号"])
    row["出生日期"] = f"{y}年{m}月{d}日"
    row["入党日期"] = datetime(2011, 7, 1)
    other = person(world.a.branch.name, 入党日期="2012/7/1")
    other["出生日期"] = date(*_born_of(other["身份证号"])).isoformat()
    job_id = upload(client, slug, xlsx([row, other]))
    validate(tid, job_id)
    assert job_of(app, tid, job_id).errors == []
    start(client, slug, job_id, "valid_only")
    run(tid, job_id)
    member = _member(app, tid, row["身份证号"])
    assert member.birth_date == date(y, m, d) and member.join_date == date(2011, 7, 1)
    assert _member(app, tid, other["身份证号"]).join_date == date(2012, 7, 1)


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(app, client, world) -> None:
    slug, tid = _admin(client, world)
    rows = [person(world.a.branch.name), person("不存在的支部"), person(world.a.branch.name)]
    job_id = upload(client, slug, xlsx(rows))
    validate(tid, job_id)
    before = counts(app, tid)
    page = start(client, slug, job_id, "all_or_nothing")
    assert "文件中有 1 行有误" in page and "不会导入任何数据" in page
    assert job_of(app, tid, job_id).status == ImportStatus.PREVIEWED
    run(tid, job_id)  # a stray delivery of the task does nothing either
    assert counts(app, tid) == before


def test_all_or_nothing_rechecks_at_import_time(app, client, world) -> None:
    """The file was clean at preview; a branch renamed since makes one row invalid: nothing."""
    slug, tid = _admin(client, world)
    rows = [person(world.a.branch.name) for _ in range(3)] + [person(world.a.empty_branch.name)]
    job_id = upload(client, slug, xlsx(rows))
    validate(tid, job_id)
    assert job_of(app, tid, job_id).error_rows == 0
    start(client, slug, job_id, "all_or_nothing")
    with app.app_context(), tenant_context(tid):
        db.session.get(Branch, world.a.empty_branch.id).name += "（已改名）"
        db.session.commit()
        db.session.remove()
    before = counts(app, tid)
    run(tid, job_id)
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.FAILED and "未导入任何数据" in job.message
    assert {(r, c) for r, c, _p in problems(job)} == {(5, "所在支部")}
    assert counts(app, tid) == before


def test_valid_only_writes_the_good_rows(app, client, world) -> None:
    slug, tid = _admin(client, world)
    good = [person(world.a.branch.name), person(world.a.other_branch.name, **away())]
    bad = person(world.a.branch.name, 手机号="12345")
    job_id = upload(client, slug, xlsx([good[0], bad, good[1]]))
    validate(tid, job_id)
    before = counts(app, tid)
    start(client, slug, job_id, "valid_only")
    run(tid, job_id)
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.DONE
    assert job.counts["result"] == {"created": 2, "departures": 1, "skipped": 1}
    assert job.errors == [{"row": 3, "column": "手机号", "problem": "手机号应为11位数字，以1开头"}]
    assert counts(app, tid) == (before[0] + 2, before[1] + 1)
    assert _member(app, tid, bad["身份证号"]) is None
    page = client.get(f"/t/{slug}/imports/{job_id}").get_data(as_text=True)
    assert "新增 2 人" in page and "跳过有误的行 1 行" in page


def test_reimport_updates_instead_of_duplicating(app, client, world) -> None:
    slug, tid = _admin(client, world)
    rows = [person(world.a.branch.name, **away()), person(world.a.branch.name)]
    first = upload(client, slug, xlsx(rows))
    validate(tid, first)
    start(client, slug, first, "valid_only")
    run(tid, first)
    after_first = counts(app, tid)

    rows[1]["手机号"] = "13700001111"
    rows[1]["党员状态"] = "预备党员"
    second = upload(client, slug, xlsx(rows), "花名册-修改.xlsx")
    validate(tid, second)
    job = job_of(app, tid, second)
    assert job.errors == []
    assert job.counts["preview"] == {"new": 0, "update": 2, "departures": 0, "departures_known": 1}
    page = client.get(f"/t/{slug}/imports/{second}").get_data(as_text=True)
    assert "其中新党员</dt><dd>0</dd>" in page and "其中更新已登记的党员</dt><dd>2</dd>" in page
    assert "另有 1 次外出此前已登记，不再重复" in page
    start(client, slug, second, "all_or_nothing")
    run(tid, second)
    job = job_of(app, tid, second)
    assert job.counts["result"] == {"unchanged": 1, "updated": 1}
    assert counts(app, tid) == after_first
    member = _member(app, tid, rows[1]["身份证号"])
    assert member.phone == "13700001111" and member.status == MemberStatus.PROBATIONARY


def test_a_new_departure_date_while_away_is_an_error(app, client, world) -> None:
    slug, tid = _admin(client, world)
    row = person(world.a.branch.name, **away())
    job_id = upload(client, slug, xlsx([row]))
    validate(tid, job_id)
    start(client, slug, job_id, "valid_only")
    run(tid, job_id)
    row["外出日期"] = TODAY - timedelta(days=5)
    again = upload(client, slug, xlsx([row]))
    validate(tid, again)
    assert problems(job_of(app, tid, again)) == {
        (2, "外出日期", "该党员已在外，请先登记返回或登记去向变更")
    }


def test_tasks_are_idempotent(app, client, world) -> None:
    slug, tid = _admin(client, world)
    rows = [person(world.a.branch.name, **away()) for _ in range(3)]
    job_id = upload(client, slug, xlsx(rows))
    validate(tid, job_id)
    validate(tid, job_id)
    assert job_of(app, tid, job_id).valid_rows == 3
    before = counts(app, tid)
    start(client, slug, job_id, "valid_only")
    run(tid, job_id)
    run(tid, job_id)
    with app.app_context(), tenant_context(tid):
        run_import(db.session, job_id)
        validate_job(db.session, job_id)
        db.session.remove()
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.DONE
    assert job.counts["result"] == {"created": 3, "departures": 3}
    assert counts(app, tid) == (before[0] + 3, before[1] + 3)
    assert _actions(app, tid).count("roster.imported") == 1
    assert "该文件尚未校验完成，或已经导入过" in start(client, slug, job_id, "valid_only")


def test_resumes_after_a_crash_between_batches(app, client, world, monkeypatch) -> None:
    """Batches commit with their cursor: a redelivered task goes on where the last one stopped."""
    from webapp.imports import services

    monkeypatch.setattr(services, "BATCH", 2)
    slug, tid = _admin(client, world)
    rows = [person(world.a.branch.name, **away()) for _ in range(5)]
    job_id = upload(client, slug, xlsx(rows))
    validate(tid, job_id)
    start(client, slug, job_id, "valid_only")
    before = counts(app, tid)
    calls = {"n": 0}
    real = services.write_row

    def crash_on_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "write_row", crash_on_third)
    with app.app_context(), tenant_context(tid):
        try:
            run_import(db.session, job_id)
        except RuntimeError:
            db.session.rollback()
        db.session.remove()
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.IMPORTING and job.rows_done == 2
    assert 0 < job.progress < 100
    assert counts(app, tid) == (before[0] + 2, before[1] + 2)
    run(tid, job_id)
    job = job_of(app, tid, job_id)
    assert job.status == ImportStatus.DONE and job.rows_done == 5
    assert job.counts["result"] == {"created": 5, "departures": 5}
    assert counts(app, tid) == (before[0] + 5, before[1] + 5)


def test_departure_count_per_member(app, client, world) -> None:
    """Each imported trip is one Departure with one Whereabouts."""
    slug, tid = _admin(client, world)
    row = person(world.a.branch.name, **away())
    job_id = upload(client, slug, xlsx([row]))
    validate(tid, job_id)
    start(client, slug, job_id, "valid_only")
    run(tid, job_id)
    member = _member(app, tid, row["身份证号"])
    with app.app_context(), tenant_context(tid):
        trips = db.session.scalar(
            select(func.count(Departure.id)).where(Departure.member_id == member.id)
        )
        stints = db.session.scalar(
            select(func.count(Whereabouts.id)).where(Whereabouts.member_id == member.id)
        )
        db.session.remove()
    assert (trips, stints) == (1, 1)


def test_id_number_typed_as_a_number_gets_a_hint(app, client, world) -> None:
    slug, tid = _admin(client, world)
    row = person(world.a.branch.name)
    while id_number_problem(str(int(float(row["身份证号"][:-1] + "0")))) is None:
        row = person(world.a.branch.name)
    row["身份证号"] = float(row["身份证号"][:-1] + "0")  # as Excel stores it: the tail is lost
    job_id = upload(client, slug, xlsx([row]))
    validate(tid, job_id)
    ((_row, column, problem),) = problems(job_of(app, tid, job_id))
    assert column == "身份证号" and "请把该列设为文本格式" in problem


def test_uploaded_file_is_encrypted_at_rest_and_dropped_when_done(app, client, world) -> None:
    slug, tid = _admin(client, world)
    row = person(world.a.branch.name)
    content = xlsx([row])
    job_id = upload(client, slug, content)

    def stored() -> tuple[bytes, bytes]:
        with app.app_context(), tenant_context(tid):
            column = ImportJob.__table__.c.content
            raw = db.session.scalar(
                select(type_coerce(column, LargeBinary)).where(ImportJob.__table__.c.id == job_id)
            )
            clear = db.session.scalar(select(ImportJob.content).where(ImportJob.id == job_id))
            db.session.remove()
            return bytes(raw), clear

    raw, clear = stored()
    assert clear == content
    assert b"PK\x03\x04" not in raw and content not in raw
    validate(tid, job_id)
    start(client, slug, job_id, "valid_only")
    run(tid, job_id)
    assert stored()[1] == b""
    assert _member(app, tid, row["身份证号"]) is not None
