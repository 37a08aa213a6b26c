"""The deployment-wide receipt hook for the shared SMS account: one URL for every township."""

import json
import random
from typing import Any

import pytest

from notifications.models import State
from tests.conftest import make_app
from tests.factories import login
from tests.notifications.test_receipts import _aliyun, _push, _row, _secret, _sent, _tencent
from webapp.auth.models import Role

# the deployment's shared SMS account: one receipt URL for every township

SHARED = "shared-receipt-key_0123456789"


def _shared(app, secret: str | None = SHARED) -> None:
    app.config["SMS_RECEIPT_SECRET"] = secret or ""


def _push_shared(client, provider: str, secret: str, payload: Any) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False)
    return client.post(
        f"/hooks/sms/{provider}/{secret}", data=body, content_type="application/json"
    )


def _ref(prefix: str = "") -> str:
    # the outbox is shared by every test's townships: a reference of this test alone
    return f"{prefix}{random.randrange(10**15)}^0"


def test_shared_hook_applies_one_push_to_two_townships(database_url, world, monkeypatch) -> None:
    monkeypatch.setenv("SMS_RECEIPT_SECRET", f" {SHARED} ")
    app = make_app(database_url)
    a, b = world.a.township.id, world.b.township.id
    ref_a, ref_b, stray = _ref(), _ref(), _ref()
    in_a = _sent(app, a, "aliyun", ref_a)
    in_b = _sent(app, b, "aliyun", ref_b, phone="13800001111")
    payload = [
        _aliyun(ref_a),
        _aliyun(ref_b, success=False, code="MK:0001", phone="13800001111"),
        _aliyun(stray),
    ]
    response = _push_shared(app.test_client(), "aliyun", SHARED, payload)
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
    assert _row(app, a, in_a)["state"] == State.DELIVERED
    failed = _row(app, b, in_b)
    assert failed["state"] == State.FAILED and failed["code"] == "MK:0001"


def test_shared_hook_wrong_or_missing_secret_is_the_townships_404(app, client, world) -> None:
    _shared(app)
    tw = world.a
    township_secret = _secret(app, tw.township.id)
    ref = _ref()
    mid = _sent(app, tw.township.id, "aliyun", ref)
    payload = [_aliyun(ref)]
    answers = [
        _push_shared(client, "aliyun", SHARED + "x", payload),
        _push_shared(client, "aliyun", SHARED[:-1], payload),
        _push_shared(client, "aliyun", township_secret, payload),
        _push_shared(client, "aliyun", "", payload),
        _push_shared(client, "sms77", SHARED, payload),
        _push(client, "aliyun", tw.township.slug, township_secret + "x", payload),
    ]
    assert {r.status_code for r in answers} == {404}
    assert len({r.get_data() for r in answers}) == 1
    assert client.get(f"/hooks/sms/aliyun/{SHARED}").status_code == 405
    assert _row(app, tw.township.id, mid)["state"] == State.SENT


def test_shared_hook_is_off_while_the_secret_is_unset(app, client, world) -> None:
    _shared(app, None)
    ref = _ref()
    mid = _sent(app, world.a.township.id, "tencent", ref)
    for secret in (SHARED, "-"):
        assert _push_shared(client, "tencent", secret, [_tencent(ref)]).status_code == 404
    assert _row(app, world.a.township.id, mid)["state"] == State.SENT


@pytest.mark.parametrize(
    ("provider", "tail", "says"),
    [
        ("aliyun", {"success": True}, "第2条回执缺少 biz_id"),
        ("tencent", {"sid": "x", "report_status": "DELIVERED"}, "SUCCESS 或 FAIL"),
        ("http", "x", "第2条回执不是 JSON 对象"),
    ],
)
def test_shared_hook_refuses_a_malformed_push_whole(app, client, world, provider, tail, says):
    _shared(app)
    ref = _ref()
    mid = _sent(app, world.b.township.id, provider, ref)
    good = {
        "aliyun": _aliyun(ref),
        "tencent": _tencent(ref),
        "http": {"id": ref, "status": "delivered"},
    }[provider]
    response = _push_shared(client, provider, SHARED, [good, tail])
    field = {"aliyun": "msg", "tencent": "errmsg", "http": "message"}[provider]
    assert response.status_code == 400 and says in response.get_json()[field]
    assert _row(app, world.b.township.id, mid)["state"] == State.SENT
    assert _push_shared(client, provider, SHARED, b"{not json").status_code == 400


def test_shared_hook_credits_no_other_number_and_no_shared_reference(app, client, world) -> None:
    _shared(app)
    a, b = world.a.township.id, world.b.township.id
    ref, twice = _ref(), _ref()
    mid = _sent(app, b, "tencent", ref)
    both = [_sent(app, a, "tencent", twice), _sent(app, b, "tencent", twice)]
    payload = [_tencent(ref, phone="13700009999"), _tencent(twice)]
    response = _push_shared(client, "tencent", SHARED, payload)
    assert (response.get_json()["mismatched"], response.get_json()["unknown"]) == (1, 1)
    assert _row(app, b, mid)["state"] == State.SENT
    assert [_row(app, t, m)["state"] for t, m in zip((a, b), both, strict=True)] == [State.SENT] * 2


def test_shared_hook_twice_changes_nothing(app, client, world) -> None:
    _shared(app)
    a, b = world.a.township.id, world.b.township.id
    ref_a, ref_b = _ref("2433:"), _ref("2433:")
    mids = [(a, _sent(app, a, "tencent", ref_a)), (b, _sent(app, b, "tencent", ref_b))]
    payload = [_tencent(ref_a), _tencent(ref_b, "FAIL", "DB:0141")]
    first = _push_shared(client, "tencent", SHARED, payload)
    rows = [_row(app, t, m) for t, m in mids]
    again = _push_shared(client, "tencent", SHARED, payload)
    assert first.get_json()["applied"] == 2
    assert (again.get_json()["applied"], again.get_json()["unchanged"]) == (0, 2)
    assert [_row(app, t, m) for t, m in mids] == rows
    assert [r["state"] for r in rows] == [State.DELIVERED, State.FAILED]


def test_settings_page_shows_the_shared_url_without_its_secret(app, client, world) -> None:
    tw = world.a
    login(client, tw.users[Role.TOWNSHIP_ADMIN])
    page = client.get(f"/t/{tw.township.slug}/reminders/settings").get_data(as_text=True)
    assert "未启用" in page and "SMS_RECEIPT_SECRET" in page
    _shared(app)
    page = client.get(f"/t/{tw.township.slug}/reminders/settings").get_data(as_text=True)
    assert "http://localhost/hooks/sms/aliyun/&lt;SMS_RECEIPT_SECRET&gt;" in page
    assert "共用短信账号" in page and SHARED not in page
