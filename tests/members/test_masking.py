"""Findings 1 and 14: a masked ID number cannot be filled back in from what the same viewer sees."""

from datetime import date

from sqlalchemy import select

from tenants.context import tenant_context
from tenants.models import Township
from tests.factories import login, token_for
from tests.imports.util import read_xlsx
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.idnumber import mask_id_number
from webapp.members.models import Member
from webapp.members.services import do_update_member
from webapp.reports.models import Report
from webapp.reports.services import render_roster, roster_html


def _hidden(masked: str) -> int:
    return masked.count("*")


def _birth_strings(born: date) -> list[str]:
    """Every way a page or file could spell the full birth date."""
    return [
        born.isoformat(),
        f"{born:%Y%m%d}",
        f"{born:%Y/%m/%d}",
        f"{born.year}年{born.month}月{born.day}日",
        f"{born:%Y年%m月%d日}",
    ]


def _numbers(app, member_id: int, tenant_id: int) -> tuple[str, date, str]:
    with app.app_context(), tenant_context(tenant_id):
        member = db.session.get(Member, member_id)
        return member.id_number, member.birth_date, member.phone


def _assert_cannot_rebuild(text: str, number: str, born: date) -> None:
    masked = mask_id_number(number)
    assert number not in text
    assert masked in text and _hidden(masked) >= 12
    for spelled in _birth_strings(born):
        assert spelled not in text, spelled


def test_finding_1_mask_hides_birth_date_sequence_and_check_digit() -> None:
    masked = mask_id_number("11010519491231002X")
    assert masked == "110105************"
    assert _hidden(masked) == 12 and "1949" not in masked and "X" not in masked


def test_finding_1_mask_only_viewers_see_the_birth_year_on_pages(app, client, world) -> None:
    tw = world.a
    number, born, _ = _numbers(app, tw.member.id, tw.township.id)
    url = f"/t/{tw.township.slug}/members/{tw.member.id}"
    for viewer in (tw.users[Role.COMMITTEE_MEMBER], world.coordinator_a, world.platform_admin):
        login(client, viewer)
        for page_url in (url, f"/t/{tw.township.slug}/members/?q={tw.member.name}"):
            page = client.get(page_url)
            assert page.status_code == 200
            _assert_cannot_rebuild(page.get_data(as_text=True), number, born)
        assert str(born.year) in client.get(url).get_data(as_text=True)
    edit = client.get(url + "/edit").get_data(as_text=True)  # the platform admin edits, no reveal
    _assert_cannot_rebuild(edit, number, born)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    assert born.isoformat() in client.get(url).get_data(as_text=True)


def test_finding_1_audit_history_keeps_only_the_birth_year(app, client, world) -> None:
    tw = world.a
    number, born, _ = _numbers(app, tw.member.id, tw.township.id)
    with app.app_context(), tenant_context(tw.township.id):
        member = db.session.get(Member, tw.member.id)
        data = {
            "name": "改名之后",
            "gender": member.gender.value,
            "id_number": number,
            "birth_date": born,
            "join_date": member.join_date,
            "branch_id": member.branch_id,
            "status": member.status.value,
            "phone": member.phone,
        }
        do_update_member(db.session, tw.users[Role.TOWNSHIP_ADMIN], member, data)
        entry = db.session.scalar(
            select(AuditLog).where(AuditLog.action == "member.updated").order_by(AuditLog.id.desc())
        )
        assert entry.after["birth_year"] == born.year and "birth_date" not in entry.after
    login(client, tw.users[Role.COMMITTEE_MEMBER])
    page = client.get(f"/t/{tw.township.slug}/members/{tw.member.id}").get_data(as_text=True)
    assert "改名之后" in page
    _assert_cannot_rebuild(page, number, born)


def test_finding_1_api_gives_the_birth_year_to_mask_only_callers(app, client, world) -> None:
    tw = world.a
    number, born, _ = _numbers(app, tw.member.id, tw.township.id)
    base = f"/api/v1/t/{tw.township.slug}/members"
    for viewer in (tw.users[Role.COMMITTEE_MEMBER], world.coordinator_a):
        with app.app_context():
            headers = {"Authorization": f"Bearer {token_for(viewer)}"}
        one = client.get(f"{base}/{tw.member.id}", headers=headers)
        assert one.status_code == 200
        body = one.get_json()
        assert body["birth_date"] is None and body["birth_year"] == born.year
        _assert_cannot_rebuild(one.get_data(as_text=True), number, born)
        listing = client.get(f"{base}?q={tw.member.name}", headers=headers)
        _assert_cannot_rebuild(listing.get_data(as_text=True), number, born)
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for(tw.users[Role.TOWNSHIP_ADMIN])}"}
    body = client.get(f"{base}/{tw.member.id}", headers=headers).get_json()
    assert body["birth_date"] == born.isoformat()


def test_finding_1_masked_export_has_the_birth_year_only(app, client, world) -> None:
    tw = world.a
    login(client, world.platform_admin)  # may export, may not reveal
    response = client.get(f"/t/{tw.township.slug}/imports/export")
    assert response.status_code == 200
    table = read_xlsx(response.data)
    text = repr(table)
    for member in (tw.member, tw.other_member):
        number, born, _ = _numbers(app, member.id, tw.township.id)
        _assert_cannot_rebuild(text, number, born)
        assert repr(born) not in text  # no date cell
        row = next(r for r in table if r[0] == member.name)
        assert row[table[0].index("出生日期")] == f"{born.year}年"


def test_finding_1_roster_pdf_has_the_birth_year_only(app, world) -> None:
    tw = world.a
    with app.app_context(), tenant_context(tw.township.id):
        report = Report(
            tenant_id=tw.township.id,
            title="测试花名册",
            branch_id=None,
            requested_by=tw.users[Role.TOWNSHIP_ADMIN].id,
        )
        db.session.add(report)
        db.session.commit()
        text = roster_html(db.session, report, db.session.get(Township, tw.township.id))
        assert render_roster(db.session, report.id).pdf.startswith(b"%PDF")
    assert "出生年份" in text
    for member in (tw.member, tw.other_member):
        number, born, _ = _numbers(app, member.id, tw.township.id)
        _assert_cannot_rebuild(text, number, born)
        assert f"<td>{born.year}</td>" in text


def test_finding_14_edit_form_hides_the_phone_from_an_editor_without_reveal(
    app, client, world
) -> None:
    tw = world.a
    number, born, phone = _numbers(app, tw.member.id, tw.township.id)
    url = f"/t/{tw.township.slug}/members/{tw.member.id}/edit"
    login(client, world.platform_admin)
    page = client.get(url).get_data(as_text=True)
    assert phone not in page and "139****5678" in page
    response = client.post(
        url,
        data={
            "name": "平台改名",
            "gender": "male",
            "id_number": "",
            "birth_date": "",
            "phone": "",
            "ethnicity": "汉族",
            "email": "",
            "join_date": f"{born.year + 20}-07-01",
            "branch_id": str(tw.branch.id),
            "status": "full",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context(), tenant_context(tw.township.id):
        member = db.session.get(Member, tw.member.id)
        assert member.name == "平台改名" and member.phone == phone
        assert member.birth_date == born and member.id_number == number
        assert not db.session.scalars(
            select(AuditLog).where(
                AuditLog.action == "member.revealed", AuditLog.entity_id == tw.member.id
            )
        ).all()


def test_finding_14_edit_form_shows_the_phone_to_a_revealer_and_audits_it(
    app, client, world
) -> None:
    tw = world.a
    _, _, phone = _numbers(app, tw.member.id, tw.township.id)
    login(client, tw.users[Role.BRANCH_SECRETARY])
    page = client.get(f"/t/{tw.township.slug}/members/{tw.member.id}/edit")
    assert page.status_code == 200 and phone in page.get_data(as_text=True)
    with app.app_context(), tenant_context(tw.township.id):
        entry = db.session.scalar(
            select(AuditLog).where(
                AuditLog.action == "member.revealed", AuditLog.entity_id == tw.member.id
            )
        )
        assert entry.actor_id == tw.users[Role.BRANCH_SECRETARY].id
        assert entry.after == {"shown": ["phone"]}


def test_finding_14_spaced_and_hyphenated_id_numbers_are_redacted_in_urls() -> None:
    from webapp.redaction import redact

    for typed in (
        "/t/x/members/?q=330602+19800101+1034",
        "/t/x/members/?q=330602%2019800101%201034",
        "/t/x/members/?q=%20330602-19800101-1034",
        "/t/x/members/?q=330602 1980 0101 1034",
        "/t/x/members/?q=330602%2D19800101%2D1034",
    ):
        line = redact(f'"GET {typed} HTTP/1.1" 200 -')
        digits = "".join(c for c in line.split("?q=")[1] if c.isdigit())
        assert "19800101" not in digits and "1034" not in digits, line
        assert "330602************" in line
    assert redact("call 138 1234 5678 or 138-1234-5678") == "call 138****5678 or 138****5678"
    assert redact("2026-12-07 02:45:44 200 1234") == "2026-12-07 02:45:44 200 1234"


def test_finding_14_spaced_id_number_finds_the_member(app, client, world) -> None:
    tw = world.a
    number, _, _ = _numbers(app, tw.member.id, tw.township.id)
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    spaced = f"{number[:6]} {number[6:14]}-{number[14:]}"
    page = client.get(f"/t/{tw.township.slug}/members/", query_string={"q": spaced})
    assert tw.member.name in page.get_data(as_text=True)


def test_finding_14_duplicate_in_another_branch_does_not_name_the_holder(
    app, client, world
) -> None:
    tw = world.a
    other_number, other_born, _ = _numbers(app, tw.other_member.id, tw.township.id)
    own_number, own_born, _ = _numbers(app, tw.member.id, tw.township.id)
    login(client, tw.users[Role.BRANCH_SECRETARY])

    def register(number: str, born: date) -> str:
        response = client.post(
            f"/t/{tw.township.slug}/members/new",
            data={
                "name": "重复登记",
                "gender": "male",
                "id_number": number,
                "birth_date": born.isoformat(),
                "join_date": "2010-07-01",
                "branch_id": str(tw.branch.id),
                "status": "full",
            },
        )
        assert response.status_code == 422
        return response.get_data(as_text=True)

    page = register(other_number, other_born)
    assert tw.other_member.name not in page and tw.other_branch.name not in page
    assert "该身份证号已在其他支部登记，请联系乡镇党委核实" in page
    assert tw.member.name in register(own_number, own_born)
    headers = {"Authorization": f"Bearer {_token(app, tw.users[Role.BRANCH_SECRETARY])}"}
    api = client.post(
        f"/api/v1/t/{tw.township.slug}/members",
        json={
            "name": "接口重复",
            "gender": "male",
            "id_number": other_number,
            "birth_date": other_born.isoformat(),
            "join_date": "2010-07-01",
            "branch_id": tw.branch.id,
        },
        headers=headers,
    )
    assert api.status_code == 422 and tw.other_member.name not in api.get_data(as_text=True)


def _token(app, user) -> str:
    with app.app_context():
        return token_for(user)
