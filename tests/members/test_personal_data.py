"""ID numbers: checksum, encryption at rest, blind-index lookup, masking, audited reveal, key rotation."""

import logging
from datetime import date

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import String, select, text, type_coerce

from tenants.context import system_context_unsafe, tenant_context
from tests.factories import login, valid_id_number
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.crypto import keyring
from webapp.extensions import db
from webapp.idnumber import check_digit, id_number_problem, mask_id_number, mask_phone
from webapp.keys import reencrypt_all
from webapp.members.models import Member


def test_gb11643_checksum() -> None:
    assert check_digit("11010519491231002") == "X"  # the standard's own example
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("110105194912310021") == "身份证号校验位不正确，请核对"
    assert id_number_problem("110105194913310020") == "身份证号中的出生日期无效"
    assert id_number_problem("12345") == "身份证号应为18位，前17位为数字，最后一位为数字或X"


def test_masks() -> None:
    assert mask_id_number("11010519491231002X") == "110105************"
    assert mask_phone("13812345678") == "138****5678"


def test_id_number_is_encrypted_at_rest(app, world) -> None:
    with app.app_context(), system_context_unsafe():
        member = db.session.get(Member, world.a.member.id)
        clear = member.id_number
        raw = db.session.execute(
            select(type_coerce(Member.__table__.c.id_number, String)).where(Member.id == member.id)
        ).scalar()
        assert clear not in raw and raw.startswith("gAAAA")
        dumped = " ".join(
            str(v)
            for v in db.session.execute(
                text("SELECT * FROM members WHERE id = :id"), {"id": member.id}
            ).one()
        )
        assert clear not in dumped
        db.session.rollback()


def test_lookup_by_id_number_uses_the_blind_index(app, client, world) -> None:
    with app.app_context(), tenant_context(world.a.township.id):
        number = db.session.get(Member, world.a.member.id).id_number
        found = db.session.scalar(
            select(Member).where(Member.id_number_index == keyring.blind_index(number))
        )
        assert found.id == world.a.member.id
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    body = client.get(f"/t/{world.a.township.slug}/members/?q={number}").get_data(as_text=True)
    table = body[body.index("<table") : body.index("</table>")]
    assert world.a.member.name in table
    assert number not in table and mask_id_number(number) in table  # the list shows it masked


def test_numbers_are_redacted_from_log_records(caplog) -> None:
    logger = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info(
            '"GET /t/x/members/?q=%s HTTP/1.1" 200 phone %s', "11010519491231002X", "13812345678"
        )
    assert "11010519491231002X" not in caplog.text and "13812345678" not in caplog.text
    assert "110105************" in caplog.text and "138****5678" in caplog.text


def test_reveal_is_permitted_audited_and_masked_otherwise(app, client, world, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with app.app_context(), tenant_context(world.a.township.id):
        number = db.session.get(Member, world.a.member.id).id_number
    url = f"/t/{world.a.township.slug}/members/{world.a.member.id}"
    login(client, world.a.users[Role.COMMITTEE_MEMBER])
    page = client.get(url).get_data(as_text=True)
    assert number not in page and mask_id_number(number) in page and "13912345678" not in page
    assert client.post(url + "/reveal").status_code == 403
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    page = client.post(url + "/reveal").get_data(as_text=True)
    assert number in page and "13912345678" in page
    with app.app_context(), tenant_context(world.a.township.id):
        entry = db.session.scalar(
            select(AuditLog).where(
                AuditLog.action == "member.revealed", AuditLog.entity_id == world.a.member.id
            )
        )
        assert entry.actor_id == world.a.users[Role.TOWNSHIP_ADMIN].id
    assert number not in caplog.text and "13912345678" not in caplog.text


def test_audit_entries_hold_masked_numbers(app, client, world) -> None:
    login(client, world.a.users[Role.TOWNSHIP_ADMIN])
    born = date(1990, 2, 3)
    number = valid_id_number(born)
    client.post(
        f"/t/{world.a.township.slug}/members/new",
        data={
            "name": "审计测试",
            "gender": "male",
            "id_number": number,
            "birth_date": born.isoformat(),
            "join_date": "2015-07-01",
            "branch_id": str(world.a.branch.id),
            "status": "full",
            "phone": "13700001111",
        },
    )
    with app.app_context(), tenant_context(world.a.township.id):
        entry = db.session.scalar(
            select(AuditLog).where(AuditLog.action == "member.created").order_by(AuditLog.id.desc())
        )
        assert entry.after["id_number"] == mask_id_number(number)
        assert entry.after["phone"] == "137****1111"


def test_key_rotation_reencrypts_and_old_key_can_be_retired(app, world) -> None:
    old_keys = list(app.config["DATA_KEYS"])
    new_key = Fernet.generate_key().decode()
    with app.app_context(), tenant_context(world.a.township.id):
        number = db.session.get(Member, world.a.member.id).id_number
    try:
        keyring.configure([new_key, *old_keys], app.config["INDEX_KEY"])
        with app.app_context():
            assert reencrypt_all(db.session) >= 1
        keyring.configure([new_key], app.config["INDEX_KEY"])  # old key retired
        with app.app_context(), tenant_context(world.a.township.id):
            db.session.expire_all()
            assert db.session.get(Member, world.a.member.id).id_number == number
    finally:
        keyring.configure([new_key, *old_keys], app.config["INDEX_KEY"])
        with app.app_context():
            keyring.configure([*old_keys, new_key], app.config["INDEX_KEY"])
            reencrypt_all(db.session)
        keyring.configure(old_keys, app.config["INDEX_KEY"])


@pytest.mark.parametrize("bad", ["", "123", "11010519491231002A", "110105194912310021"])
def test_invalid_id_numbers_rejected(bad: str) -> None:
    assert id_number_problem(bad) if bad else True
