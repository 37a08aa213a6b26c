"""Each channel against a real server: SMTP (aiosmtpd) and the fake SMS gateway over HTTP."""

import logging

import pytest

from notifications.channels import ChannelNotConfigured, Outcome, Outgoing, build
from notifications.channels.aliyun import AliyunSms, signature, string_to_sign
from notifications.channels.tencent import authorization
from notifications.models import Channel
from notifications.templates import SmsTemplate
from tests.notifications.conftest import (
    SMS_TEMPLATES,
    TENCENT_SMS_TEMPLATES,
    mail_config,
    sms_config,
)

PHONE = "13912345678"


def _sms(provider: str, phone: str = PHONE, key: str = "key-1", **kw) -> Outgoing:
    mapping = (TENCENT_SMS_TEMPLATES if provider == "tencent" else SMS_TEMPLATES)["test.rule"]
    return Outgoing(
        message_id=kw.get("message_id", 1),
        channel=Channel.SMS,
        rule="test.rule",
        address=phone,
        subject="",
        body="张三同志：请报告去向。",
        values={"name": "张三", "date": "2026-03-01"},
        sms=SmsTemplate.from_dict(kw.get("mapping", mapping)),
        key=key,
    )


# -- Aliyun -------------------------------------------------------------------------------------


def test_aliyun_signature_matches_the_documented_example() -> None:
    """The worked example of Aliyun's SMS signature documentation (GET, testSecret)."""
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert string_to_sign(params, "GET").startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms"
    )
    assert signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_sends_with_template_code_params_and_sign_name(gateway) -> None:
    channel = build(Channel.SMS, sms_config(gateway, "aliyun"))
    result = channel.send(_sms("aliyun"))
    assert result.outcome == Outcome.SENT and result.ref.endswith("^0")
    assert gateway.bad_signatures == 0
    (taken,) = gateway.accepted
    assert taken["values"] == {"name": "张三", "date": "2026-03-01"}
    # the message's key is both the nonce and the OutId Aliyun echoes in receipts
    assert taken["sign"] == "连心测试" and taken["out_id"] == "key-1"
    assert gateway.requests[-1]["params"]["SignatureNonce"] == "key-1"


def test_aliyun_error_codes_are_classified(gateway) -> None:
    channel = build(Channel.SMS, sms_config(gateway, "aliyun"))
    gateway.script(PHONE, "invalid", "limit", "busy")
    invalid = channel.send(_sms("aliyun", key="a"))
    assert (invalid.outcome, invalid.code, invalid.address_invalid) == (
        Outcome.PERMANENT,
        "isv.MOBILE_NUMBER_ILLEGAL",
        True,
    )
    limited = channel.send(_sms("aliyun", key="b"))
    assert limited.outcome == Outcome.TRANSIENT and limited.code == "isv.BUSINESS_LIMIT_CONTROL"
    assert limited.retry_after == 24 * 3600  # 天级流控: not before tomorrow
    busy = channel.send(_sms("aliyun", key="c"))
    assert busy.outcome == Outcome.TRANSIENT and busy.code == "isp.SYSTEM_ERROR" and busy.definite
    missing = channel.send(
        _sms("aliyun", key="d", mapping={"template_id": "SMS_465001", "params": {"name": "name"}})
    )
    assert (missing.outcome, missing.code) == (Outcome.PERMANENT, "isv.TEMPLATE_MISSING_PARAMETERS")
    assert gateway.count() == 0


def test_aliyun_wrong_secret_is_permanent(gateway) -> None:
    channel = build(Channel.SMS, sms_config(gateway, "aliyun", SMS_SECRET="wrong"))
    result = channel.send(_sms("aliyun"))
    assert (result.outcome, result.code) == (Outcome.PERMANENT, "SignatureDoesNotMatch")


def test_aliyun_replayed_nonce_is_recognised_as_a_duplicate(gateway) -> None:
    channel = build(Channel.SMS, sms_config(gateway, "aliyun"))
    assert channel.send(_sms("aliyun", key="same")).outcome == Outcome.SENT
    again = channel.send(_sms("aliyun", key="same"))
    assert (again.outcome, again.code) == (Outcome.DUPLICATE, "SignatureNonceUsed")
    assert gateway.count() == 1


def test_aliyun_timeout_is_transient_and_not_definite(gateway) -> None:
    channel = build(Channel.SMS, sms_config(gateway, "aliyun", SMS_TIMEOUT=0.3))
    gateway.script(PHONE, ("sleep", 1.0))
    result = channel.send(_sms("aliyun"))
    assert result.outcome == Outcome.TRANSIENT and not result.definite and result.code == "timeout"


def test_unparseable_answer_is_transient_and_logged_without_the_number(gateway, caplog) -> None:
    caplog.set_level(logging.WARNING)
    for provider in ("aliyun", "tencent", "http"):
        channel = build(Channel.SMS, sms_config(gateway, provider))
        gateway.script(PHONE, "garbage")
        result = channel.send(_sms(provider, key=f"g-{provider}"))
        assert result.outcome == Outcome.TRANSIENT, provider
        assert result.code == "unparseable" and PHONE not in result.detail
    assert caplog.records and all(PHONE not in r.getMessage() for r in caplog.records)
    assert "139****5678" in caplog.text


def test_aliyun_needs_keys_and_a_template() -> None:
    with pytest.raises(ChannelNotConfigured):
        AliyunSms("", "", "签名")
    channel = AliyunSms("key", "secret", "签名", endpoint="http://127.0.0.1:9/")
    result = channel.send(_sms("aliyun", mapping={}))
    assert (result.outcome, result.code) == (Outcome.PERMANENT, "template_missing")


# -- Tencent ------------------------------------------------------------------------------------


def test_tencent_authorization_shape() -> None:
    header = authorization("AKIDx", "key", "sms.tencentcloudapi.com", "{}", 1551113065)
    assert header.startswith("TC3-HMAC-SHA256 Credential=AKIDx/2019-02-25/sms/tc3_request, ")
    assert "SignedHeaders=content-type;host, Signature=" in header
    assert len(header.rsplit("=", 1)[1]) == 64


def test_tencent_sends_and_classifies(gateway) -> None:
    channel = build(Channel.SMS, sms_config(gateway, "tencent"))
    assert channel.send(_sms("tencent")).outcome == Outcome.SENT
    assert gateway.accepted[-1]["values"] == ["张三", "2026-03-01"]  # TemplateParamSet in order
    gateway.script(PHONE, "invalid", "limit", "busy")
    invalid = channel.send(_sms("tencent"))
    assert invalid.address_invalid and invalid.code == "InvalidParameterValue.IncorrectPhoneNumber"
    limited = channel.send(_sms("tencent"))
    assert limited.outcome == Outcome.TRANSIENT and limited.retry_after == 24 * 3600
    busy = channel.send(_sms("tencent"))
    assert busy.outcome == Outcome.TRANSIENT and busy.code.startswith("InternalError")
    assert gateway.bad_signatures == 0 and gateway.count() == 1


def test_tencent_wrong_key_is_permanent(gateway) -> None:
    channel = build(Channel.SMS, sms_config(gateway, "tencent", SMS_SECRET="wrong"))
    result = channel.send(_sms("tencent"))
    assert (result.outcome, result.code) == (Outcome.PERMANENT, "AuthFailure.SignatureFailure")


# -- the generic HTTP provider ------------------------------------------------------------------


def test_http_provider_contract(gateway) -> None:
    channel = build(Channel.SMS, sms_config(gateway, "http"))
    assert channel.send(_sms("http", key="k1")).outcome == Outcome.SENT
    assert gateway.accepted[-1]["text"] == "张三同志：请报告去向。"
    assert channel.send(_sms("http", key="k1")).outcome == Outcome.DUPLICATE
    gateway.script(PHONE, "limit", "invalid", "busy")
    limited = channel.send(_sms("http", key="k2"))
    assert limited.outcome == Outcome.TRANSIENT and limited.retry_after == 3600
    invalid = channel.send(_sms("http", key="k3"))
    assert invalid.outcome == Outcome.PERMANENT and invalid.address_invalid
    assert channel.send(_sms("http", key="k4")).outcome == Outcome.TRANSIENT
    assert gateway.count() == 1


# -- e-mail -------------------------------------------------------------------------------------


def _mail(address: str, key: str = "mail-key") -> Outgoing:
    return Outgoing(
        7,
        Channel.EMAIL,
        "test.rule",
        address,
        "请报告您的去向",
        "张三同志：\n请报告去向。",
        key=key,
    )


def test_email_through_a_real_smtp_server(smtp) -> None:
    channel = build(Channel.EMAIL, mail_config(smtp))
    try:
        assert channel.send(_mail("zhang@example.org")).outcome == Outcome.SENT
        assert channel.send(_mail("li@example.org", key="k2")).outcome == Outcome.SENT
    finally:
        channel.close()
    first, second = smtp.messages
    assert first["to"] == ["zhang@example.org"] and first["subject"] == "请报告您的去向"
    assert "请报告去向" in first["body"] and first["message_id"] == "<mail-key.lianxin@example.org>"
    assert second["to"] == ["li@example.org"]


def test_email_refusals_are_classified(smtp) -> None:
    smtp.mailbox.refuse = {
        "nobody@example.org": "550 5.1.1 mailbox unavailable",
        "full@example.org": "452 4.2.2 mailbox full",
    }
    channel = build(Channel.EMAIL, mail_config(smtp))
    try:
        bad = channel.send(_mail("nobody@example.org"))
        assert (bad.outcome, bad.code, bad.address_invalid) == (Outcome.PERMANENT, "550", True)
        full = channel.send(_mail("full@example.org"))
        assert full.outcome == Outcome.TRANSIENT and not full.address_invalid
        assert channel.send(_mail("ok@example.org")).outcome == Outcome.SENT
    finally:
        channel.close()
    assert [m["to"] for m in smtp.messages] == [["ok@example.org"]]


def test_email_server_down_is_transient() -> None:
    from tests.notifications.fakes import free_port

    channel = build(
        Channel.EMAIL,
        {
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": free_port(),
            "MAIL_TIMEOUT": 1,
        },
    )
    result = channel.send(_mail("zhang@example.org"))
    assert result.outcome == Outcome.TRANSIENT and not result.definite


def test_dev_and_inapp_channels() -> None:
    from notifications.channels.dev import DevChannel

    dev = build(Channel.SMS, {"SMS_PROVIDER": "dev"})
    assert dev.send(_sms("aliyun", key="dev")).outcome == Outcome.SENT
    assert DevChannel.sent[-1].key == "dev"
    inapp = build(Channel.INAPP, {})
    assert inapp.send(_mail("")).outcome == Outcome.DELIVERED
    with pytest.raises(ChannelNotConfigured):
        build(Channel.SMS, {"SMS_PROVIDER": "carrier-pigeon"})
