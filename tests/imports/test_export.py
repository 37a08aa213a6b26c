"""Roster export: masked unless the user may reveal, audited, limited to a secretary's branch."""

from datetime import date, timedelta

from sqlalchemy import select

from tenants.context import tenant_context
from tests.factories import login
from tests.imports.util import job_of, read_xlsx, upload, validate
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.departures.services import do_register_departure
from webapp.extensions import db
from webapp.idnumber import mask_id_number, mask_phone
from webapp.imports.excel import HEADERS
from webapp.members.models import Member


def _export(client, slug: str, query: str = ""):
    return client.get(f"/t/{slug}/imports/export{query}")


def _entries(app, tid: int) -> list[AuditLog]:
    with app.app_context(), tenant_context(tid):
        rows = db.session.scalars(
            select(AuditLog)
            .where(AuditLog.tenant_id == tid, AuditLog.action.like("roster.export%"))
            .order_by(AuditLog.id)
        ).all()
        db.session.expunge_all()
        db.session.remove()
        return list(rows)


def _away(app, world) -> None:
    """world.a.member is away in Shanghai."""
    tw = world.a
    with app.app_context(), tenant_context(tw.township.id):
        member = db.session.get(Member, tw.member.id)
        do_register_departure(
            db.session,
            None,
            tw.township,
            member,
            {
                "departed_on": date.today() - timedelta(days=30),
                "address": "上海市闵行区",
                "occupation": "电工",
                "phone": "13811112222",
            },
        )
        db.session.remove()


def _by_id(table: list[tuple]) -> dict[str, dict[str, object]]:
    header, *rows = table
    return {r[2]: dict(zip(header, r, strict=True)) for r in rows}


def test_township_admin_sees_full_numbers_and_is_audited(app, client, world) -> None:
    _away(app, world)
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    response = _export(client, tw.township.slug)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    table = read_xlsx(response.data)
    assert list(table[0]) == HEADERS
    rows = _by_id(table)
    assert set(rows) == {tw.member.id_number, tw.other_member.id_number}
    mine = rows[tw.member.id_number]
    assert mine["姓名"] == tw.member.name and mine["手机号"] == tw.member.phone
    assert mine["所在支部"] == tw.branch.name and mine["党员状态"] == "正式党员"
    assert mine["去向地址"] == "上海市闵行区" and mine["从事职业"] == "电工"
    assert mine["联系电话"] == "13811112222"
    assert mine["外出日期"].date() == date.today() - timedelta(days=30)
    assert rows[tw.other_member.id_number]["外出日期"] is None
    (entry,) = _entries(app, tw.township.id)
    assert entry.action == "roster.exported_full"
    assert entry.actor_id == tw.users[Role.TOWNSHIP_ADMIN].id
    assert entry.after["members"] == len(rows) and entry.after["unmasked"] == len(rows)


def test_platform_admin_gets_masked_numbers(app, client, world) -> None:
    _away(app, world)
    tw = world.a
    login(client, world.platform_admin)
    table = read_xlsx(_export(client, tw.township.slug).data)
    body = repr(table)
    for member in (tw.member, tw.other_member):
        assert member.id_number not in body and member.phone not in body
        assert mask_id_number(member.id_number) in body
    assert "13811112222" not in body and mask_phone("13811112222") in body
    (entry,) = _entries(app, tw.township.id)
    assert entry.action == "roster.exported" and entry.after["unmasked"] == 0


def test_branch_secretary_exports_own_branch_only(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.BRANCH_SECRETARY])
    rows = _by_id(read_xlsx(_export(client, tw.township.slug).data))
    assert set(rows) == {tw.member.id_number}  # own branch only, and may reveal it
    assert rows[tw.member.id_number]["手机号"] == tw.member.phone
    assert _export(client, tw.township.slug, f"?branch={tw.branch.id}").status_code == 200
    assert _export(client, tw.township.slug, f"?branch={tw.other_branch.id}").status_code == 403
    assert _export(client, tw.township.slug, f"?branch={world.b.branch.id}").status_code == 404
    assert _export(client, tw.township.slug, "?branch=x").status_code == 400


def test_committee_member_and_coordinator_may_not_export(app, client, world) -> None:
    tw = world.a
    for user in (tw.users[Role.COMMITTEE_MEMBER], world.coordinator_a):
        login(client, user)
        response = _export(client, tw.township.slug)
        assert response.status_code == 403
        assert "您没有执行此操作的权限" in response.get_data(as_text=True)
    assert _entries(app, tw.township.id) == []


def test_export_imports_back_as_updates(app, client, world) -> None:
    """A township admin's export is itself a valid import file: every row is an update."""
    _away(app, world)
    tw = world.a
    with app.app_context(), tenant_context(tw.township.id):
        for member in db.session.scalars(select(Member)):  # factory members may join too young
            member.join_date = member.birth_date + timedelta(days=365 * 20)
        db.session.commit()
        db.session.remove()
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    content = _export(client, tw.township.slug).data
    job_id = upload(client, tw.township.slug, content, "导出.xlsx")
    validate(tw.township.id, job_id)
    job = job_of(app, tw.township.id, job_id)
    assert job.errors == [], job.errors
    preview = job.counts["preview"]
    assert preview["new"] == 0 and preview["update"] == job.total_rows
    assert preview["departures"] == 0 and preview["departures_known"] == 1
