"""Issue 10, transfers: both directions, on and off the platform, and the bad input that changes
nothing. Each test reads the database afterwards, on both sides."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tenants.context import system_context_unsafe, tenant_context
from tests.certificates.helpers import issue
from tests.directory.helpers import add_organisation
from tests.factories import valid_id_number
from tests.placements.helpers import publish
from tests.transfers.helpers import TODAY, advance, draft, incoming_of, issued_to, load
from webapp.auth.models import Role, User
from webapp.certificates.models import Certificate, CertificateStatus
from webapp.dues.services import do_record_payment
from webapp.duties.assignments import do_assign
from webapp.duties.models import ContactAssignment
from webapp.extensions import db
from webapp.members.models import Member, MemberStatus
from webapp.members.rules import ELSEWHERE, MemberInvalid
from webapp.transfers import crossing
from webapp.transfers.crossing import CrossingRefused
from webapp.transfers.incoming import do_register_inbound
from webapp.transfers.models import IncomingStatus, IncomingTransfer, Step, Transfer, TransferStatus
from webapp.transfers.receipts import do_confirm_receipt, do_record_receipt
from webapp.transfers.services import (
    TransferInvalid,
    do_create,
    do_decide,
    do_reissue,
    do_withdraw,
)


def _active(id_index: str) -> list[tuple[int, str]]:
    with system_context_unsafe():
        rows = db.session.execute(
            select(Member.tenant_id, Member.status).where(
                Member.id_number_index == id_index,
                Member.status.in_((MemberStatus.FULL, MemberStatus.PROBATIONARY)),
            )
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _receive(receiver, transfer_id, today=TODAY) -> Member:
    row = incoming_of(receiver, transfer_id)
    with tenant_context(receiver.township.id):
        row = db.session.get(IncomingTransfer, row.id)
        member = crossing.receive(db.session, None, receiver.township, row, today)
        db.session.expunge(member)
        db.session.remove()
    return member


def test_on_platform_transfer_moves_the_member_and_closes_the_sending_side(app, world):
    home, receiver = world.a, world.a2
    with app.app_context():
        issue(app, home)
        with tenant_context(home.township.id):
            do_record_payment(
                db.session,
                None,
                db.session.get(Member, home.member.id),
                {
                    "first_month": date(2026, 9, 1),
                    "months": 3,
                    "amount": "30.00",
                    "paid_on": TODAY,
                },
            )
            committee = home.users[Role.COMMITTEE_MEMBER]
            member = db.session.get(Member, home.member.id)
            do_assign(db.session, None, member, committee.id, TODAY - timedelta(days=30))
            db.session.remove()
        transfer_id = issued_to(home, receiver)
        transfer = load(home, Transfer, transfer_id)
        assert transfer.status == TransferStatus.ISSUED and not transfer.needs_county
        assert transfer.letter_number.endswith(f"{transfer_id:06d}")
        # 转出中: still on the sending register until the receiver accepts
        assert load(home, Member, home.member.id).status == MemberStatus.FULL
        incoming = incoming_of(receiver, transfer_id)
        assert incoming.member_name == home.member.name
        assert transfer.dues_paid_to == incoming.dues_paid_to == "2026-11"  # 党费交至
        assert incoming.status == IncomingStatus.WAITING

        arrived = _receive(receiver, transfer_id)

        assert arrived.tenant_id == receiver.township.id
        assert arrived.branch_id == receiver.branch.id
        assert arrived.id_number_index == home.member.id_number_index
        assert arrived.join_date == home.member.join_date
        stub = load(home, Member, home.member.id)
        assert stub.status == MemberStatus.TRANSFERRED_OUT
        assert _active(home.member.id_number_index) == [(receiver.township.id, MemberStatus.FULL)]
        assert load(home, Transfer, transfer_id).status == TransferStatus.RECEIVED
        with tenant_context(home.township.id):
            assignment = db.session.scalar(
                select(ContactAssignment).where(ContactAssignment.member_id == home.member.id)
            )
            assert assignment.valid_to == TODAY
            certificate = db.session.scalar(
                select(Certificate).where(Certificate.member_id == home.member.id)
            )
            assert certificate.status == CertificateStatus.RETURNED
            # the member's own login follows them
            login = db.session.get(User, home.users[Role.MEMBER].id)
            assert (login.tenant_id, login.member_id) == (receiver.township.id, arrived.id)
            do_confirm_receipt(db.session, None, db.session.get(Transfer, transfer_id), TODAY)
            db.session.remove()
        assert load(home, Transfer, transfer_id).status == TransferStatus.RECEIPTED


def test_between_counties_the_county_approves_after_the_township(app, world):
    home, receiver = world.a, world.b
    with app.app_context():
        transfer_id = draft(home, publish(receiver, receiver.branch.id))
        assert load(home, Transfer, transfer_id).needs_county
        advance(home, transfer_id, Step.BRANCH, Step.TOWNSHIP)
        assert load(home, Transfer, transfer_id).status == TransferStatus.PENDING_COUNTY
        assert incoming_of(receiver, transfer_id) is None  # nothing issued yet
        advance(home, transfer_id, Step.COUNTY, coordinator=world.coordinator_a)
        assert load(home, Transfer, transfer_id).status == TransferStatus.ISSUED
        assert incoming_of(receiver, transfer_id) is not None


def test_skipping_an_approval_or_acting_twice_changes_nothing(app, world):
    home = world.a
    with app.app_context():
        transfer_id = draft(home, publish(world.a2, world.a2.branch.id))
        advance(home, transfer_id)
        with tenant_context(home.township.id):
            transfer = db.session.get(Transfer, transfer_id)
            with pytest.raises(TransferInvalid, match="党支部"):
                do_decide(
                    db.session,
                    None,
                    home.township,
                    transfer,
                    Step.TOWNSHIP,
                    {"approve": True},
                    TODAY,
                )
            with pytest.raises(TransferInvalid, match="退回修改时请写明"):
                do_decide(db.session, None, home.township, transfer, Step.BRANCH, {}, TODAY)
            do_decide(
                db.session, None, home.township, transfer, Step.BRANCH, {"approve": True}, TODAY
            )
            with pytest.raises(TransferInvalid, match="不能由党支部审批"):
                do_decide(
                    db.session, None, home.township, transfer, Step.BRANCH, {"approve": True}, TODAY
                )
            with pytest.raises(TransferInvalid, match="不能撤回"):
                do_withdraw(db.session, None, transfer)
            db.session.remove()
        assert load(home, Transfer, transfer_id).status == TransferStatus.PENDING_TOWNSHIP


def test_returned_for_edits_then_resubmitted_and_withdrawn_before_approval(app, world):
    home = world.a
    with app.app_context():
        transfer_id = draft(home, publish(world.a2, world.a2.branch.id))
        advance(home, transfer_id)
        with tenant_context(home.township.id):
            transfer = db.session.get(Transfer, transfer_id)
            do_decide(
                db.session,
                None,
                home.township,
                transfer,
                Step.BRANCH,
                {"note": "请补充转接原因"},
                TODAY,
            )
            assert transfer.status == TransferStatus.RETURNED
            assert transfer.returned_note == "请补充转接原因"
            do_withdraw(db.session, None, transfer)
            db.session.remove()
        assert load(home, Transfer, transfer_id).status == TransferStatus.WITHDRAWN
        # a withdrawn transfer no longer blocks a new one
        assert draft(home, publish(world.a2, world.a2.other_branch.id)) != transfer_id


def test_bad_targets_are_refused_by_name_and_write_nothing(app, world):
    home = world.a
    with app.app_context():
        own = publish(home, home.branch.id)
        same_township = publish(home, home.other_branch.id)
        closed = add_organisation(home, name="暂停接收的党支部", accepting=False)
        elsewhere = publish(world.a2, world.a2.branch.id)
        with tenant_context(home.township.id):
            member = db.session.get(Member, home.member.id)
            before = db.session.scalar(select(func.count(Transfer.id)))
            cases = {
                own: "本支部",
                same_township: "本镇支部之间",
                closed.id: "目前不接收",
                999999: "请从组织目录中选择",
            }
            for organisation_id, message in cases.items():
                with pytest.raises(TransferInvalid, match=message):
                    do_create(
                        db.session,
                        None,
                        home.township,
                        member,
                        {"organisation_id": organisation_id},
                    )
            do_create(db.session, None, home.township, member, {"organisation_id": elsewhere})
            with pytest.raises(TransferInvalid, match="未办结"):
                do_create(db.session, None, home.township, member, {"organisation_id": elsewhere})
            assert db.session.scalar(select(func.count(Transfer.id))) == before + 1
            db.session.remove()


def test_an_expired_letter_is_not_received_until_reissued(app, world):
    home, receiver = world.a, world.a2
    with app.app_context():
        transfer_id = issued_to(home, receiver)
        late = load(home, Transfer, transfer_id).valid_until + timedelta(days=1)
        with pytest.raises(CrossingRefused, match="已过有效期"):
            _receive(receiver, transfer_id, late)
        assert load(home, Transfer, transfer_id).status == TransferStatus.ISSUED
        assert load(home, Member, home.member.id).status == MemberStatus.FULL
        with tenant_context(home.township.id):
            transfer = db.session.get(Transfer, transfer_id)
            assert transfer.expired(late)
            do_reissue(db.session, None, home.township, transfer, late)
            assert transfer.version == 2
            db.session.remove()
        assert _receive(receiver, transfer_id, late).tenant_id == receiver.township.id


def test_refused_letter_leaves_the_member_at_home(app, world):
    home, receiver = world.a, world.a2
    with app.app_context():
        transfer_id = issued_to(home, receiver)
        row = incoming_of(receiver, transfer_id)
        with tenant_context(receiver.township.id):
            row = db.session.get(IncomingTransfer, row.id)
            with pytest.raises(CrossingRefused, match="原因"):
                crossing.refuse(db.session, None, receiver.township, row, " ", TODAY)
            crossing.refuse(db.session, None, receiver.township, row, "本支部已撤销", TODAY)
            with pytest.raises(CrossingRefused, match="不能再办理"):
                crossing.receive(db.session, None, receiver.township, row, TODAY)
            db.session.remove()
        transfer = load(home, Transfer, transfer_id)
        assert transfer.status == TransferStatus.REFUSED
        assert "本支部已撤销" in transfer.refused_reason
        assert _active(home.member.id_number_index) == [(home.township.id, MemberStatus.FULL)]


def test_off_platform_receiver_receipt_is_recorded_by_hand(app, world):
    home = world.a
    with app.app_context():
        shenzhen = add_organisation(home)
        transfer_id = draft(home, shenzhen.id)
        assert load(home, Transfer, transfer_id).needs_county  # 440305 is not this county
        advance(home, transfer_id, Step.BRANCH, Step.TOWNSHIP)
        advance(home, transfer_id, Step.COUNTY, coordinator=world.coordinator_a)
        number = load(home, Transfer, transfer_id).letter_number
        data = {
            "letter_number": number,
            "received_on": TODAY,
            "reference": "南山组回〔2026〕15号",
            "scan": b"%PDF-1.4 receipt",
            "scan_name": "receipt.pdf",
        }
        with tenant_context(home.township.id):
            with pytest.raises(TransferInvalid, match="没有这个编号"):
                do_record_receipt(
                    db.session, None, {**data, "letter_number": "2026-000000-000000"}, TODAY
                )
            with pytest.raises(TransferInvalid, match="扫描件"):
                do_record_receipt(db.session, None, {**data, "scan": b""}, TODAY)
            do_record_receipt(db.session, None, data, TODAY)
            with pytest.raises(TransferInvalid, match="已经登记"):
                do_record_receipt(db.session, None, data, TODAY)
            db.session.remove()
        transfer = load(home, Transfer, transfer_id)
        assert transfer.status == TransferStatus.RECEIPTED
        assert transfer.receipt_scan == b"%PDF-1.4 receipt"
        assert load(home, Member, home.member.id).status == MemberStatus.TRANSFERRED_OUT
        assert _active(home.member.id_number_index) == []


def _inbound(tw, id_number: str, **changes) -> dict:
    return {
        "letter_number": "深南组转〔2026〕88号",
        "from_name": "深圳市南山区某科技公司党支部",
        "issued_on": TODAY - timedelta(days=3),
        "name": "王转入",
        "gender": "male",
        "id_number": id_number,
        "birth_date": date(1985, 6, 15),
        "ethnicity": "汉族",
        "education": "大学本科",
        "join_date": date(2010, 7, 1),
        "full_on": date(2011, 7, 1),
        "phone": "13800001111",
        "branch_id": tw.branch.id,
        "status": "full",
        **changes,
    }


def test_inbound_from_off_the_platform_registers_the_member_once(app, world):
    tw = world.a2
    with app.app_context():
        number = valid_id_number(date(1985, 6, 15))
        with tenant_context(tw.township.id):
            member = do_register_inbound(db.session, None, tw.township, _inbound(tw, number), TODAY)
            assert member.education == "大学本科" and member.full_on == date(2011, 7, 1)
            with pytest.raises(MemberInvalid) as again:
                do_register_inbound(db.session, None, tw.township, _inbound(tw, number), TODAY)
            assert "letter_number" in again.value.errors
            db.session.remove()
        # active in a2: township b may not register the same person; the message names no one
        with tenant_context(world.b.township.id):
            data = _inbound(world.b, number, letter_number="另一封信")
            with pytest.raises(MemberInvalid) as elsewhere:
                do_register_inbound(db.session, None, world.b.township, data, TODAY)
            assert elsewhere.value.errors == {"id_number": ELSEWHERE}
            db.session.remove()


def test_the_database_keeps_one_active_register_when_the_code_check_is_bypassed(app, world):
    with app.app_context():
        source = load(world.a, Member, world.a.member.id)
        with tenant_context(world.b.township.id), pytest.raises(IntegrityError):
            db.session.execute(
                insert(Member).values(
                    tenant_id=world.b.township.id,
                    branch_id=world.b.branch.id,
                    name="绕过检查",
                    gender="male",
                    birth_date=source.birth_date,
                    ethnicity="汉族",
                    id_number=source.id_number,
                    id_number_index=source.id_number_index,
                    join_date=source.join_date,
                    status="full",
                )
            )
            db.session.flush()
        db.session.rollback()
        db.session.remove()
        assert _active(source.id_number_index) == [(world.a.township.id, MemberStatus.FULL)]
