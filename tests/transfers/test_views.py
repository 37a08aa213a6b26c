"""Issue 10, transfers over HTTP: each role does its own step in its own township; the county
page and the public letter check show only what they may."""

import io
from datetime import date

from sqlalchemy import func, select

from tenants.context import tenant_context
from tenants.models import Township
from tests.directory.helpers import add_organisation
from tests.factories import login, valid_id_number
from tests.transfers.helpers import (
    TODAY,
    advance,
    draft,
    entry_for,
    incoming_of,
    issued_to,
    load,
    officer,
)
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.members.models import Gender, Member, MemberStatus
from webapp.transfers.models import IncomingTransfer, Letter, Step, Transfer, TransferStatus


def _status(tw, transfer_id) -> TransferStatus:
    return load(tw, Transfer, transfer_id).status


def test_each_side_does_its_own_step_over_http(app, world):
    home, receiver = world.a, world.a2
    with app.app_context():
        entry = entry_for(receiver, receiver.branch.id)
    sender, secretary, host = app.test_client(), app.test_client(), app.test_client()
    login(sender, officer(home))
    login(secretary, home.users[Role.BRANCH_SECRETARY])
    login(host, officer(receiver))
    base = f"/t/{home.township.slug}/transfers"
    created = sender.post(
        f"{base}/members/{home.member.id}/new", data={"organisation_id": entry, "reason": "定居"}
    )
    assert created.status_code == 302
    transfer_id = int(created.location.rstrip("/").rsplit("/", 1)[-1])
    assert sender.post(f"{base}/{transfer_id}/submit").status_code == 302
    # the officer cannot take the branch's step; the secretary can
    sender.post(f"{base}/{transfer_id}/decide", data={"decision": "approve"})
    assert _status(home, transfer_id) == TransferStatus.PENDING_BRANCH
    queue = secretary.get(f"{base}/queue?step=branch").get_data(as_text=True)
    assert home.member.name in queue
    secretary.post(f"{base}/{transfer_id}/decide", data={"decision": "approve"})
    assert _status(home, transfer_id) == TransferStatus.PENDING_TOWNSHIP
    sender.post(f"{base}/{transfer_id}/decide", data={"decision": "approve"})
    assert _status(home, transfer_id) == TransferStatus.ISSUED

    listing = host.get(f"/t/{receiver.township.slug}/incoming/").get_data(as_text=True)
    assert home.member.name in listing and home.member.id_number not in listing
    with app.app_context():
        row = incoming_of(receiver, transfer_id)
    received = host.post(f"/t/{receiver.township.slug}/incoming/{row.id}/receive")
    assert received.status_code == 302
    again = host.post(f"/t/{receiver.township.slug}/incoming/{row.id}/receive")
    assert again.status_code == 422 and "不能再办理" in again.get_data(as_text=True)
    with app.app_context():
        assert load(home, Member, home.member.id).status == MemberStatus.TRANSFERRED_OUT
        with tenant_context(receiver.township.id):
            count = db.session.scalar(
                select(func.count(Member.id)).where(
                    Member.id_number_index == home.member.id_number_index
                )
            )
            db.session.remove()
        assert count == 1
    stub = sender.get(f"/t/{home.township.slug}/members/{home.member.id}").get_data(as_text=True)
    assert 'id="stub"' in stub
    assert sender.post(f"{base}/{transfer_id}/confirm-receipt").status_code == 302
    assert _status(home, transfer_id) == TransferStatus.RECEIPTED


def test_return_for_edits_needs_a_note_and_shows_it(app, world):
    home = world.a
    with app.app_context():
        transfer_id = draft(home, entry_for(world.a2, world.a2.branch.id))
        advance(home, transfer_id)
    secretary = app.test_client()
    login(secretary, home.users[Role.BRANCH_SECRETARY])
    url = f"/t/{home.township.slug}/transfers/{transfer_id}"
    page = secretary.post(f"{url}/decide", data={"decision": "return"}, follow_redirects=True)
    assert "退回修改时请写明" in page.get_data(as_text=True)
    assert _status(home, transfer_id) == TransferStatus.PENDING_BRANCH
    secretary.post(f"{url}/decide", data={"decision": "return", "note": "请写明定居地址"})
    assert _status(home, transfer_id) == TransferStatus.RETURNED
    assert "请写明定居地址" in secretary.get(url).get_data(as_text=True)


def test_county_approves_only_its_townships_transfers(app, world):
    home = world.a
    with app.app_context():
        transfer_id = draft(home, entry_for(world.b, world.b.branch.id))
        advance(home, transfer_id, Step.BRANCH, Step.TOWNSHIP)
    outsider, coordinator = app.test_client(), app.test_client()
    login(outsider, world.coordinator_b)
    login(coordinator, world.coordinator_a)
    assert home.member.name not in outsider.get("/county/transfers/").get_data(as_text=True)
    refused = outsider.post(f"/county/transfers/{transfer_id}/decide", data={"decision": "approve"})
    assert refused.status_code == 404
    assert _status(home, transfer_id) == TransferStatus.PENDING_COUNTY
    page = coordinator.get("/county/transfers/").get_data(as_text=True)
    assert home.member.name in page and 'id="county-transfers"' in page
    coordinator.post(f"/county/transfers/{transfer_id}/decide", data={"decision": "approve"})
    assert _status(home, transfer_id) == TransferStatus.ISSUED


def test_public_letter_check_shows_number_validity_and_status_only(app, world):
    home, receiver = world.a, world.a2
    with app.app_context():
        transfer_id = issued_to(home, receiver)
        with tenant_context(home.township.id):
            token = db.session.scalar(select(Letter.token).where(Letter.transfer_id == transfer_id))
            db.session.remove()
        transfer = load(home, Transfer, transfer_id)
    anonymous = app.test_client()
    page = anonymous.get(f"/l/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "有效" in body
    assert transfer.letter_number in body and str(transfer.valid_until) in body
    for secret in (home.member.name, home.member.id_number, home.township.name):
        assert secret not in body
    assert anonymous.get("/l/not-a-token").status_code == 404
    sender = app.test_client()
    login(sender, officer(home))
    sender.post(f"/t/{home.township.slug}/transfers/{transfer_id}/reissue")
    assert "已作废" in anonymous.get(f"/l/{token}").get_data(as_text=True)


def test_off_platform_receipt_upload_checks_the_file(app, world):
    home = world.a
    with app.app_context():
        transfer_id = draft(home, add_organisation(home).id)
        advance(home, transfer_id, Step.BRANCH, Step.TOWNSHIP)
        advance(home, transfer_id, Step.COUNTY, coordinator=world.coordinator_a)
        number = load(home, Transfer, transfer_id).letter_number
    sender = app.test_client()
    login(sender, officer(home))
    url = f"/t/{home.township.slug}/transfers/receipt"
    data = {"letter_number": number, "received_on": str(TODAY), "reference": "南山回执15号"}
    bad = sender.post(
        url,
        data={**data, "scan": (io.BytesIO(b"MZ..."), "receipt.exe")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "PDF、JPG或PNG" in bad.get_data(as_text=True)
    assert _status(home, transfer_id) == TransferStatus.ISSUED
    good = sender.post(
        url,
        data={**data, "scan": (io.BytesIO(b"%PDF-1.4 scan"), "receipt.pdf")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    assert _status(home, transfer_id) == TransferStatus.RECEIPTED
    scan = sender.get(f"/t/{home.township.slug}/transfers/{transfer_id}/scan")
    assert scan.data == b"%PDF-1.4 scan" and scan.mimetype == "application/pdf"


def test_inbound_registration_names_each_bad_field_and_writes_nothing(app, world):
    tw = world.a2
    host = app.test_client()
    login(host, officer(tw))
    url = f"/t/{tw.township.slug}/incoming/register"
    with app.app_context(), tenant_context(tw.township.id):
        before = db.session.scalar(select(func.count(IncomingTransfer.id)))
        db.session.remove()
    bad = host.post(url, data={"name": "", "gender": "male", "id_number": "123", "status": "full"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for message in ("请填写介绍信编号", "请填写开具介绍信的组织", "请填写姓名"):
        assert message in body
    born = date(1990, 3, 3)
    good = host.post(
        url,
        data={
            "letter_number": "外省转字第7号",
            "from_name": "某省某县某镇党委",
            "issued_on": str(TODAY),
            "name": "李转入",
            "gender": "female",
            "id_number": valid_id_number(born, Gender.FEMALE),
            "birth_date": str(born),
            "ethnicity": "汉族",
            "join_date": "2015-07-01",
            "branch_id": str(tw.branch.id),
            "status": "full",
        },
    )
    assert good.status_code == 302, good.get_data(as_text=True)[-3000:]
    with app.app_context(), tenant_context(tw.township.id):
        after = db.session.scalar(select(func.count(IncomingTransfer.id)))
        db.session.remove()
    assert after == before + 1


def test_the_stub_cannot_be_edited(app, world):
    home = world.a
    with app.app_context():
        transfer_id = issued_to(home, world.a2)
        row = incoming_of(world.a2, transfer_id)
    host, sender = app.test_client(), app.test_client()
    login(host, officer(world.a2))
    login(sender, officer(home))
    host.post(f"/t/{world.a2.township.slug}/incoming/{row.id}/receive")
    edit = sender.post(
        f"/t/{home.township.slug}/members/{home.member.id}/edit",
        data={"name": "改名", "gender": "male", "status": "full", "join_date": "2010-07-01"},
    )
    assert edit.status_code == 422 and "只保留转出记录" in edit.get_data(as_text=True)
    with app.app_context():
        assert load(home, Member, home.member.id).name == home.member.name


def test_county_export_lists_only_the_coordinators_townships(app, world):
    from openpyxl import load_workbook

    with app.app_context():
        issued_to(world.a, world.a2)
    coordinator = app.test_client()
    login(coordinator, world.coordinator_a)
    response = coordinator.get("/county/transfers/export")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {world.a.township.name, world.a2.township.name}
    assert rows[world.a.township.name][2] == 1  # 已开具
    assert rows[world.a2.township.name][7] == 1  # 待接收转入


def test_issued_letters_are_chosen_on_the_list_and_printed_in_one_document(app, world):
    from tests.factories import make_member
    from webapp.transfers.letter_models import LetterPrint

    home = world.a
    with app.app_context():
        ids = [
            issued_to(home, world.a2, make_member(home.township, home.branch).id) for _ in (1, 2)
        ]
    sender = app.test_client()
    login(sender, officer(home))
    listing = sender.get(f"/t/{home.township.slug}/transfers/?status=issued").get_data(as_text=True)
    assert 'id="print-selected"' in listing and f'value="{ids[0]}" form="print-selected"' in listing
    done = sender.post(
        f"/t/{home.township.slug}/transfers/letters/print", data={"ids": ids, "mode": "full"}
    )
    assert done.status_code == 302
    with app.app_context(), tenant_context(home.township.id):
        job = db.session.scalars(select(LetterPrint).order_by(LetterPrint.id.desc())).first()
        assert sorted(job.transfer_ids) == sorted(ids)
        db.session.remove()


def test_fill_print_positions_are_adjusted_per_township_and_bad_values_change_nothing(app, world):
    from webapp.transfers.letters import DEFAULT_POSITIONS, positions

    tw = world.a
    client = app.test_client()
    login(client, officer(tw))
    url = f"/t/{tw.township.slug}/transfers/letters/positions"
    assert "存根·姓名" in client.get(url).get_data(as_text=True)
    bad = client.post(url, data={"stub.name.x": "300", "stub.name.y": "abc"})
    assert bad.status_code == 422 and "存根·姓名：横向应为0至210" in bad.get_data(as_text=True)
    assert client.post(url, data={"stub.name.x": "30", "stub.name.y": "36.5"}).status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        township = db.session.get(Township, tw.township.id)
        assert township.settings["letter_positions"] == {"stub.name": [30.0, 36.5]}
        assert positions(township)["letter.name"] == DEFAULT_POSITIONS["letter.name"]
        db.session.remove()
    assert client.post(url, data={"reset": "1"}).status_code == 302
    with app.app_context(), tenant_context(tw.township.id):
        assert db.session.get(Township, tw.township.id).settings["letter_positions"] == {}
        db.session.remove()
    secretary = app.test_client()
    login(secretary, tw.users[Role.BRANCH_SECRETARY])
    assert secretary.post(url, data={"reset": "1"}).status_code == 403
