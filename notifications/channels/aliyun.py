"""Aliyun SMS (dysmsapi SendSms, API version 2017-05-25), signed with the RPC HMAC-SHA1 method.

The message's idempotency key travels as SignatureNonce (and as OutId, which Aliyun echoes in
receipts and send details): Aliyun refuses a nonce it has seen in the last 15 minutes with
SignatureNonceUsed, so a retry after a timeout or an error cannot send twice. A refusal that
proves nothing went (flow control) has spent the nonce all the same: its retry waits out the
nonce window, or it would be taken for the duplicate of an attempt that never went.
"""

import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from notifications.channels import ChannelNotConfigured, Outcome, Outgoing, Result, Transport
from notifications.channels._http import Client
from notifications.models import Channel
from notifications.redact import mask_phone, scrub

log = logging.getLogger(__name__)

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
INVALID_NUMBER = {"isv.MOBILE_NUMBER_ILLEGAL"}
TRANSIENT = {"isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "ServiceUnavailable", "InternalError"}
THROTTLED = {"Throttling", "Throttling.User", "Throttling.Api", "SDK.ServerUnreachable"}
# how long Aliyun remembers a SignatureNonce, and a margin
NONCE_WINDOW = 16 * 60.0


_UNRESERVED = re.compile(r"^[A-Za-z0-9_.~-]*$")


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun specifies it: space %20, * %2A, ~ kept."""
    # most names and values need no encoding, and quote() is slow: it runs for every message
    return value if _UNRESERVED.match(value) else quote(value, safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    """The parameters sorted by name, each name and value percent-encoded, joined with &."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def string_to_sign(params: Mapping[str, str], method: str = "POST") -> str:
    """METHOD&%2F&percentEncode(canonicalized query string)."""
    return _to_sign(canonical_query(params), method)


def _to_sign(canonical: str, method: str) -> str:
    # the canonical query holds only unreserved characters and %, = and &: encoding it again
    # is these three replacements (quote() over the whole string costs more than the HMAC)
    encoded = canonical.replace("%", "%25").replace("=", "%3D").replace("&", "%26")
    return f"{method}&%2F&{encoded}"


def _sign(to_sign: str, secret: str) -> str:
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    """Base64(HMAC-SHA1(secret + "&", StringToSign)); params exclude Signature itself."""
    return _sign(string_to_sign(params, method), secret)


def _limit_wait(code: str, message: str) -> float:
    """How long Aliyun's flow control keeps this number closed (分钟级/小时级/天级)."""
    if code == "isv.DAY_LIMIT_CONTROL" or "天级" in message:
        return 24 * 3600.0
    if "小时级" in message:
        return 3600.0
    return NONCE_WINDOW  # minute-level control; the retry reuses the nonce this request spent


def classify(status: int, body: bytes) -> Result:
    """A SendSms answer as a Result."""
    try:
        data = json.loads(body)
        code = str(data["Code"])
    except (ValueError, KeyError, TypeError):
        return Result(
            Outcome.TRANSIENT, "aliyun", code="unparseable", detail=f"HTTP {status}: 无法解析的应答"
        )
    message = scrub(str(data.get("Message", "")))[:150]
    if code == "OK":
        return Result(Outcome.SENT, "aliyun", ref=str(data.get("BizId", "")), code=code)
    if code == "SignatureNonceUsed":
        return Result(Outcome.DUPLICATE, "aliyun", code=code, detail=message)
    if code in INVALID_NUMBER:
        return Result(Outcome.PERMANENT, "aliyun", code=code, detail=message, address_invalid=True)
    if code in ("isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL") or code in THROTTLED:
        wait = _limit_wait(code, message)
        return Result(Outcome.TRANSIENT, "aliyun", code=code, detail=message, retry_after=wait)
    if code in TRANSIENT or code.startswith("isp.") or status >= 500:
        return Result(Outcome.TRANSIENT, "aliyun", code=code, detail=message)
    # isv.* (template, signature, parameters, balance) and authentication errors need a person
    return Result(Outcome.PERMANENT, "aliyun", code=code, detail=message)


class AliyunSms(Transport):
    """dysmsapi.aliyuncs.com SendSms."""

    name = "aliyun"
    kind = Channel.SMS
    idempotent = True

    def __init__(
        self,
        access_key: str,
        secret: str,
        sign_name: str,
        endpoint: str = ENDPOINT,
        timeout: float = 10.0,
        region: str = "cn-hangzhou",
    ) -> None:
        if not (access_key and secret):
            raise ChannelNotConfigured("阿里云短信需要 SMS_ACCESS_KEY 和 SMS_SECRET")
        self.access_key, self.secret, self.sign_name = access_key, secret, sign_name
        self.region = region
        self.client = Client(endpoint or ENDPOINT, timeout)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "AliyunSms":
        """From SMS_* settings."""
        return cls(
            config.get("SMS_ACCESS_KEY", ""),
            config.get("SMS_SECRET", ""),
            config.get("SMS_SIGN_NAME", ""),
            config.get("SMS_ENDPOINT") or ENDPOINT,
            float(config.get("SMS_TIMEOUT", 10)),
            config.get("SMS_REGION") or "cn-hangzhou",
        )

    def params(self, message: Outgoing, now: datetime | None = None) -> dict[str, str]:
        """Every request parameter, Signature included."""
        assert message.sms is not None
        stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {
            "AccessKeyId": self.access_key,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": message.key,
            "SignatureVersion": "1.0",
            "Timestamp": stamp,
            "Version": "2017-05-25",
            "PhoneNumbers": message.address.removeprefix("+86"),
            "SignName": message.sign_name or self.sign_name,
            "TemplateCode": message.sms.template_id,
            "TemplateParam": json.dumps(
                message.sms.values(message.values), ensure_ascii=False, separators=(",", ":")
            ),
            "OutId": message.key or str(message.message_id),
        }
        params["Signature"] = signature(params, self.secret)
        return params

    def send(self, message: Outgoing) -> Result:
        """POST the signed form; classify the answer."""
        if message.sms is None or not message.sms.template_id:
            return Result(
                Outcome.PERMANENT,
                self.name,
                code="template_missing",
                detail="未配置阿里云短信模板编号",
            )
        params = self.params(message)
        signed = params.pop("Signature")
        # the canonical query is also a valid form body: encode once, append the signature
        body = f"{canonical_query(params)}&Signature={percent_encode(signed)}"
        answer = self.client.post(
            body.encode(), {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        )
        if not answer.reached:
            result = Result(
                Outcome.TRANSIENT,
                self.name,
                code=answer.error,
                detail="服务商无应答",
                definite=False,
            )
        else:
            result = classify(answer.status, answer.body)
        if not result.ok:
            log.warning(
                "aliyun sms %s to %s: %s %s",
                message.message_id,
                mask_phone(message.address),
                result.code,
                result.detail,
            )
        return result

    def close(self) -> None:
        self.client.close()
