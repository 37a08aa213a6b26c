"""Tencent Cloud SMS (SendSms, API version 2021-01-11), signed with TC3-HMAC-SHA256.

Tencent has no idempotency key: a retry after an unknown outcome (a timeout) may send twice.
The key travels as SessionContext, which Tencent echoes in receipts, so such a pair can be
recognised afterwards; and, being not `idempotent`, these SMS go one at a time, each outcome
recorded before the next is sent, so a crash repeats at most the one in flight.
"""

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from notifications.channels import ChannelNotConfigured, Outcome, Outgoing, Result, Transport
from notifications.channels._http import Client
from notifications.models import Channel
from notifications.redact import mask_phone, scrub

log = logging.getLogger(__name__)

ENDPOINT = "https://sms.tencentcloudapi.com/"
SERVICE, ACTION, VERSION = "sms", "SendSms", "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
INVALID_NUMBER = {"InvalidParameterValue.IncorrectPhoneNumber"}
# LimitExceeded.* are Tencent's frequency limits: how long each keeps the number closed
LIMIT_WAIT = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30.0,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600.0,
    "LimitExceeded.PhoneNumberDailyLimit": 24 * 3600.0,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": 24 * 3600.0,
    "LimitExceeded.DailyLimit": 24 * 3600.0,
    "LimitExceeded.AppDailyLimit": 24 * 3600.0,
    "RequestLimitExceeded": 60.0,
}
TRANSIENT_PREFIXES = ("InternalError", "FailedOperation.ServiceUnavailable")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def authorization(secret_id: str, secret_key: str, host: str, payload: str, timestamp: int) -> str:
    """The Authorization header of TC3-HMAC-SHA256 over content-type and host."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload.encode()).hexdigest(),
        ]
    )
    scope = f"{day}/{SERVICE}/tc3_request"
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    signing = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), day), SERVICE), "tc3_request")
    sig = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={sig}"
    )


def _code_result(code: str, message: str, ref: str = "") -> Result:
    if code == "Ok":
        return Result(Outcome.SENT, "tencent", ref=ref, code=code)
    if code in INVALID_NUMBER:
        return Result(Outcome.PERMANENT, "tencent", code=code, detail=message, address_invalid=True)
    if code in LIMIT_WAIT:
        wait = LIMIT_WAIT[code]
        return Result(Outcome.TRANSIENT, "tencent", code=code, detail=message, retry_after=wait)
    if code.startswith(TRANSIENT_PREFIXES):
        return Result(Outcome.TRANSIENT, "tencent", code=code, detail=message)
    return Result(Outcome.PERMANENT, "tencent", code=code, detail=message)


def classify(status: int, body: bytes) -> Result:
    """A SendSms answer (request error, or the one number's SendStatus) as a Result."""
    try:
        response = json.loads(body)["Response"]
        error = response.get("Error")
        if error is None:
            status_set = response["SendStatusSet"][0]
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return Result(
            Outcome.TRANSIENT,
            "tencent",
            code="unparseable",
            detail=f"HTTP {status}: 无法解析的应答",
        )
    if error is not None:
        return _code_result(str(error.get("Code")), scrub(str(error.get("Message", "")))[:150])
    return _code_result(
        str(status_set.get("Code")),
        scrub(str(status_set.get("Message", "")))[:150],
        str(status_set.get("SerialNo", "")),
    )


class TencentSms(Transport):
    """sms.tencentcloudapi.com SendSms."""

    name = "tencent"
    kind = Channel.SMS
    idempotent = False

    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        app_id: str,
        sign_name: str,
        endpoint: str = ENDPOINT,
        timeout: float = 10.0,
        region: str = "ap-guangzhou",
    ) -> None:
        if not (secret_id and secret_key and app_id):
            raise ChannelNotConfigured("腾讯云短信需要 SMS_ACCESS_KEY、SMS_SECRET 和 SMS_APP_ID")
        self.secret_id, self.secret_key, self.app_id = secret_id, secret_key, app_id
        self.sign_name, self.region = sign_name, region
        self.host = urlsplit(endpoint or ENDPOINT).netloc
        self.client = Client(endpoint or ENDPOINT, timeout)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "TencentSms":
        """From SMS_* settings (SMS_ACCESS_KEY is the SecretId, SMS_APP_ID the SmsSdkAppId)."""
        return cls(
            config.get("SMS_ACCESS_KEY", ""),
            config.get("SMS_SECRET", ""),
            str(config.get("SMS_APP_ID", "")),
            config.get("SMS_SIGN_NAME", ""),
            config.get("SMS_ENDPOINT") or ENDPOINT,
            float(config.get("SMS_TIMEOUT", 10)),
            config.get("SMS_REGION") or "ap-guangzhou",
        )

    def request(
        self, message: Outgoing, timestamp: int | None = None
    ) -> tuple[str, dict[str, str]]:
        """The JSON payload and the signed headers."""
        assert message.sms is not None
        phone = message.address if message.address.startswith("+") else "+86" + message.address
        payload = json.dumps(
            {
                "PhoneNumberSet": [phone],
                "SmsSdkAppId": self.app_id,
                "SignName": message.sign_name or self.sign_name,
                "TemplateId": message.sms.template_id,
                "TemplateParamSet": message.sms.ordered(message.values),
                "SessionContext": message.key,
            },
            ensure_ascii=False,
        )
        stamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Authorization": authorization(
                self.secret_id, self.secret_key, self.host, payload, stamp
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": self.host,
            "X-TC-Action": ACTION,
            "X-TC-Timestamp": str(stamp),
            "X-TC-Version": VERSION,
            "X-TC-Region": self.region,
        }
        return payload, headers

    def send(self, message: Outgoing) -> Result:
        """POST the signed JSON; classify the answer."""
        if message.sms is None or not message.sms.template_id:
            return Result(
                Outcome.PERMANENT,
                self.name,
                code="template_missing",
                detail="未配置腾讯云短信模板ID",
            )
        payload, headers = self.request(message)
        answer = self.client.post(payload.encode(), headers)
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
                "tencent sms %s to %s: %s %s",
                message.message_id,
                mask_phone(message.address),
                result.code,
                result.detail,
            )
        return result

    def close(self) -> None:
        self.client.close()
