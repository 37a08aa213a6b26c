"""Delivery receipts over HTTP, in each provider's documented shape: sent -> delivered or failed,
idempotent, malformed pushes refused whole, wrong keys 404, one township never touches another's
messages; the admin's callback URL on the settings page."""

import json
import logging
import random
from typing import Any

import pytest
from sqlalchemy import func, select

from notifications.dispatch import dispatch
from notifications.models import Channel, Message, RecipientKind, State
from notifications.receipts import same_phone
from notifications.service import notify
from tenants.context import system_context_unsafe, tenant_context
from tenants.models import Township
from tests.conftest import make_app
from tests.factories import login
from tests.notifications.conftest import DAYTIME, sms_config
from tests.notifications.test_dispatch import notice, person
from webapp.audit.models import AuditLog
from webapp.auth.models import Role
from webapp.extensions import db
from webapp.reminders.receipts import do_rotate_secret

PHONE = "13912345678"


def _secret(app, township_id: int) -> str:
    with app.app_context(), system_context_unsafe():
        secret = do_rotate_secret(db.session, None, db.session.get(Township, township_id))
        db.session.remove()
    return secret


def _sent(app, township_id: int, provider: str, ref: str, phone: str = PHONE) -> int:
    with app.app_context(), tenant_context(township_id):
        message = Message(
            tenant_id=township_id,
            rule="departure.overdue",
            recipient_kind=RecipientKind.MEMBER,
            recipient_id=random.randrange(10**9),
            recipient_name="张三",
            period=f"p-{ref}",
            channel=Channel.SMS,
            address=phone,
            body="请报告去向",
            state=State.SENT,
            provider=provider,
            provider_ref=ref,
            attempts=1,
        )
        db.session.add(message)
        db.session.commit()
        db.session.remove()
    return message.id


def _row(app, township_id: int, message_id: int) -> dict[str, Any]:
    with app.app_context(), tenant_context(township_id):
        m = db.session.get(Message, message_id)
        row = {
            "state": m.state,
            "code": m.error_code,
            "reason": m.reason,
            "delivered_at": m.delivered_at,
        }
        db.session.remove()
    return row


def _push(client, provider: str, slug: str, secret: str, payload: Any) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False)
    return client.post(
        f"/hooks/sms/{provider}/{slug}/{secret}", data=body, content_type="application/json"
    )


def _aliyun(biz_id: str, success: bool = True, code: str = "DELIVERED", phone: str = PHONE):
    return {
        "phone_number": phone,
        "send_time": "2026-03-10 10:00:00",
        "report_time": "2026-03-10 10:00:05",
        "success": success,
        "err_code": code,
        "err_msg": "用户接收成功" if success else "空号",
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": "42",
    }


def _tencent(sid: str, status: str = "SUCCESS", errmsg: str = "DELIVRD", phone: str = PHONE):
    return {
        "user_receive_time": "2026-03-10 10:00:05",
        "nationcode": "86",
        "mobile": phone,
        "report_status": status,
        "errmsg": errmsg,
        "description": "用户短信送达成功" if status == "SUCCESS" else "用户短信送达失败",
        "sid": sid,
    }


def _sent_through_gateway(app, township_id: int, gateway, provider: str) -> Message:
    """An SMS queued and sent through the fake provider: the row holds the provider's own ref."""
    with app.app_context(), tenant_context(township_id):
        notify(db.session, township_id, [notice(person(PHONE))], DAYTIME)
        db.session.commit()
        dispatch(db.session, township_id, sms_config(gateway, provider), DAYTIME)
        message = db.session.scalars(select(Message).where(Message.provider == provider)).one()
        db.session.remove()
    assert message.state == State.SENT and message.provider_ref
    return message


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_real_send_is_marked_delivered_by_its_receipt(app, client, world, gateway, provider):
    tw = world.a
    secret = _secret(app, tw.township.id)
    message = _sent_through_gateway(app, tw.township.id, gateway, provider)
    payload = (
        [_aliyun(message.provider_ref)]
        if provider == "aliyun"
        else [_tencent(message.provider_ref)]
    )
    response = _push(client, provider, tw.township.slug, secret, payload)
    body = response.get_json()
    assert response.status_code == 200
    if provider == "aliyun":
        assert (body["code"], body["msg"]) == (0, "成功")
    else:
        assert (body["result"], body["errmsg"]) == (0, "OK")
    assert body["applied"] == 1
    row = _row(app, tw.township.id, message.id)
    assert row["state"] == State.DELIVERED and row["delivered_at"] is not None


def test_aliyun_batch_delivers_fails_and_counts_unknown_refs(app, client, world) -> None:
    tw = world.a
    secret = _secret(app, tw.township.id)
    ok = _sent(app, tw.township.id, "aliyun", "900001^0")
    bad = _sent(app, tw.township.id, "aliyun", "900002^0", phone="13800001111")
    payload = [
        _aliyun("900001^0"),
        _aliyun("900002^0", success=False, code="MK:0001", phone="13800001111"),
        _aliyun("999999^0"),
    ]
    response = _push(client, "aliyun", tw.township.slug, secret, payload)
    assert response.status_code == 200
    assert response.get_json() == {
        "code": 0,
        "msg": "成功",
        "received": 3,
        "applied": 2,
        "unchanged": 0,
        "unknown": 1,
        "mismatched": 0,
    }
    assert _row(app, tw.township.id, ok)["state"] == State.DELIVERED
    failed = _row(app, tw.township.id, bad)
    assert failed["state"] == State.FAILED and failed["code"] == "MK:0001"
    assert "MK:0001" in failed["reason"] and failed["delivered_at"] is None


def test_tencent_and_generic_failure_reports(app, client, world) -> None:
    tw = world.a
    secret = _secret(app, tw.township.id)
    serial = "2433:458923407512345678901234"
    tencent = _sent(app, tw.township.id, "tencent", serial)
    generic = _sent(app, tw.township.id, "http", "gw-77")
    response = _push(
        client, "tencent", tw.township.slug, secret, [_tencent(serial, "FAIL", "DB:0141")]
    )
    assert response.status_code == 200 and response.get_json()["result"] == 0
    response = _push(
        client,
        "http",
        tw.township.slug,
        secret,
        [{"id": "gw-77", "status": "failed", "code": "absent", "to": "+86" + PHONE}],
    )
    assert response.status_code == 200 and response.get_json()["ok"] is True
    assert _row(app, tw.township.id, tencent)["code"] == "DB:0141"
    row = _row(app, tw.township.id, generic)
    assert row["state"] == State.FAILED and row["code"] == "absent"


def test_the_same_receipt_twice_changes_nothing(app, client, world) -> None:
    tw = world.a
    secret = _secret(app, tw.township.id)
    mid = _sent(app, tw.township.id, "aliyun", "700001^0")
    first = _push(client, "aliyun", tw.township.slug, secret, [_aliyun("700001^0")])
    delivered = _row(app, tw.township.id, mid)
    again = _push(client, "aliyun", tw.township.slug, secret, [_aliyun("700001^0")])
    late_failure = _push(
        client, "aliyun", tw.township.slug, secret, [_aliyun("700001^0", False, "MK:0005")]
    )
    assert first.get_json()["applied"] == 1
    for response in (again, late_failure):
        assert response.status_code == 200
        assert (response.get_json()["applied"], response.get_json()["unchanged"]) == (0, 1)
    assert _row(app, tw.township.id, mid) == delivered


def test_another_number_is_not_credited(app, client, world) -> None:
    tw = world.a
    secret = _secret(app, tw.township.id)
    mid = _sent(app, tw.township.id, "tencent", "2433:1")
    wrong = _push(
        client, "tencent", tw.township.slug, secret, [_tencent("2433:1", phone="13700009999")]
    )
    assert wrong.get_json()["mismatched"] == 1
    assert _row(app, tw.township.id, mid)["state"] == State.SENT
    masked = _push(
        client, "tencent", tw.township.slug, secret, [_tencent("2433:1", phone="1391234****")]
    )
    assert masked.get_json()["applied"] == 1
    assert _row(app, tw.township.id, mid)["state"] == State.DELIVERED


@pytest.mark.parametrize(
    ("reported", "same"),
    [
        ("13912345678", True),
        ("+8613912345678", True),
        ("008613912345678", True),
        ("1391234****", True),
        ("139****5678", True),
        ("", True),
        ("13912345679", False),
        ("1381234****", False),
        ("+85213912345678", False),
    ],
)
def test_number_comparison(reported: str, same: bool) -> None:
    assert same_phone(PHONE, reported) is same


def test_wrong_keys_all_answer_the_same_404(app, client, world) -> None:
    a, b = world.a, world.b
    secret_a, secret_b = _secret(app, a.township.id), _secret(app, b.township.id)
    mid = _sent(app, a.township.id, "aliyun", "600001^0")
    payload = [_aliyun("600001^0")]
    answers = [
        _push(client, "aliyun", a.township.slug, secret_a + "x", payload),
        _push(client, "aliyun", a.township.slug, secret_b, payload),
        _push(client, "aliyun", b.township.slug + "-no", secret_b, payload),
        _push(client, "sms77", a.township.slug, secret_a, payload),
        _push(client, "aliyun", world.a2.township.slug, "", payload),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.get_data() for r in answers}) == 1
    assert client.get(f"/hooks/sms/aliyun/{a.township.slug}/{secret_a}").status_code == 405
    assert _row(app, a.township.id, mid)["state"] == State.SENT


def test_one_townships_secret_never_touches_anothers_messages(app, client, world) -> None:
    a, b = world.a, world.b
    secret_a, secret_b = _secret(app, a.township.id), _secret(app, b.township.id)
    victim = _sent(app, a.township.id, "aliyun", "500001^0")
    response = _push(client, "aliyun", b.township.slug, secret_b, [_aliyun("500001^0")])
    assert response.status_code == 200 and response.get_json()["unknown"] == 1
    assert (
        _push(client, "aliyun", b.township.slug, secret_a, [_aliyun("500001^0")]).status_code == 404
    )
    assert _row(app, a.township.id, victim)["state"] == State.SENT
    own = _push(client, "aliyun", a.township.slug, secret_a, [_aliyun("500001^0")])
    assert own.get_json()["applied"] == 1


@pytest.mark.parametrize(
    ("provider", "payload", "says"),
    [
        ("aliyun", b"{not json", "不是有效的 JSON"),
        ("aliyun", {"biz_id": "400001^0", "success": True}, "JSON 数组"),
        ("aliyun", [{"biz_id": "400001^0", "success": True}, "x"], "第2条回执不是 JSON 对象"),
        ("aliyun", [_aliyun("400001^0"), {"success": True}], "第2条回执缺少 biz_id"),
        ("aliyun", [_aliyun("400001^0") | {"success": "maybe"}], "success 应为 true 或 false"),
        ("tencent", [_tencent("400001^0", status="DELIVERED")], "SUCCESS 或 FAIL"),
        ("http", [{"id": "400001^0", "status": True}], "delivered 或 failed"),
        ("http", [{"id": ["400001^0"], "status": "delivered"}], "id 应为字符串"),
    ],
)
def test_malformed_push_is_refused_whole(app, client, world, provider, payload, says) -> None:
    tw = world.a
    secret = _secret(app, tw.township.id)
    mid = _sent(app, tw.township.id, provider, "400001^0")
    response = _push(client, provider, tw.township.slug, secret, payload)
    body = response.get_json()
    assert response.status_code == 400
    message = {"aliyun": "msg", "tencent": "errmsg", "http": "message"}[provider]
    assert says in body[message]
    assert body.get("code", body.get("result", 1)) != 0
    assert _row(app, tw.township.id, mid)["state"] == State.SENT


def test_receipts_need_no_csrf_token_and_log_no_numbers(database_url, world, caplog) -> None:
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    tw = world.a
    secret = _secret(app, tw.township.id)
    mid = _sent(app, tw.township.id, "aliyun", "300001^0")
    caplog.set_level(logging.INFO)
    payload = [_aliyun("300001^0"), _aliyun("300002^0", phone="13611112222")]
    response = _push(app.test_client(), "aliyun", tw.township.slug, secret, payload)
    _push(app.test_client(), "aliyun", tw.township.slug, secret, [{"phone_number": PHONE}])
    assert response.status_code == 200
    assert _row(app, tw.township.id, mid)["state"] == State.DELIVERED
    assert "receipts for township" in caplog.text
    assert PHONE not in caplog.text and "13611112222" not in caplog.text


def test_admin_makes_and_changes_the_callback_url(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = client.get(f"/t/{tw.township.slug}/reminders/settings").get_data(as_text=True)
    assert "尚未生成回执地址" in page
    made = client.post(f"/t/{tw.township.slug}/reminders/settings/receipts")
    assert made.status_code == 302
    page = client.get(f"/t/{tw.township.slug}/reminders/settings").get_data(as_text=True)
    prefix = f"http://localhost/hooks/sms/aliyun/{tw.township.slug}/"
    assert prefix in page and "/hooks/sms/tencent/" in page and "/hooks/sms/http/" in page
    secret = page.split(prefix, 1)[1].split("<", 1)[0]
    mid = _sent(app, tw.township.id, "aliyun", "200001^0")
    assert _push(client, "aliyun", tw.township.slug, secret, []).status_code == 200
    client.post(f"/t/{tw.township.slug}/reminders/settings/receipts")
    assert (
        _push(client, "aliyun", tw.township.slug, secret, [_aliyun("200001^0")]).status_code == 404
    )
    assert _row(app, tw.township.id, mid)["state"] == State.SENT
    with app.app_context(), system_context_unsafe():
        entries = db.session.scalars(
            select(AuditLog).where(
                AuditLog.tenant_id == tw.township.id,
                AuditLog.action == "reminders.receipt_secret_rotated",
            )
        ).all()
        stored = json.dumps(db.session.get(Township, tw.township.id).settings)
        db.session.remove()
    assert len(entries) == 2 and entries[0].after == {"configured": True}
    assert secret not in stored and all(secret not in json.dumps(e.after) for e in entries)


def test_only_a_township_admin_may_change_the_callback_url(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.BRANCH_SECRETARY])
    response = client.post(f"/t/{tw.township.slug}/reminders/settings/receipts")
    assert response.status_code in (403, 404)
    with app.app_context(), system_context_unsafe():
        count = db.session.scalar(
            select(func.count(AuditLog.id)).where(
                AuditLog.tenant_id == tw.township.id,
                AuditLog.action == "reminders.receipt_secret_rotated",
            )
        )
        db.session.remove()
    assert count == 0
