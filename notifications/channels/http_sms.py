"""A generic HTTP SMS gateway: POST JSON to a configurable URL (SMS_ENDPOINT).

The contract, for whoever runs the gateway:
  request  {"to", "text", "sign_name", "template_id", "params", "reference", "idempotency_key"}
           with "Authorization: Bearer <SMS_SECRET>" (when set) and "Idempotency-Key: <key>";
           the key is the message's for its whole life: every retry (after a timeout, a 5xx or
           a crash) sends the same one, so the gateway must deliver a key's message once;
  answer   2xx (optionally {"id": "..."}) sent; 409 the key was seen before (already sent);
           429 rate-limited (Retry-After in seconds); 400/422 refused for good
           ({"error": "invalid_number"} marks the number invalid); 5xx try again later.
  receipts POST [{"id", "status": "delivered"|"failed", "code", "to"}] to the township's
           callback URL (notifications.receipts).
"""

import json
import logging
from collections.abc import Mapping
from typing import Any

from notifications.channels import ChannelNotConfigured, Outcome, Outgoing, Result, Transport
from notifications.channels._http import Client
from notifications.models import Channel
from notifications.redact import mask_phone, scrub

log = logging.getLogger(__name__)


def classify(status: int, body: bytes, headers: Mapping[str, str]) -> Result:
    """The gateway's answer as a Result."""
    try:
        data = json.loads(body) if body else {}
        if not isinstance(data, dict):
            data = {}
    except ValueError:
        data = None
    if 200 <= status < 300:
        return Result(
            Outcome.SENT, "http", ref=str((data or {}).get("id", ""))[:64], code=str(status)
        )
    if data is None:
        return Result(
            Outcome.TRANSIENT, "http", code="unparseable", detail=f"HTTP {status}: 无法解析的应答"
        )
    error = str(data.get("error", ""))[:64]
    detail = scrub(str(data.get("message", error)))[:150]
    if status == 409:
        return Result(Outcome.DUPLICATE, "http", code=str(status), detail=detail)
    if status == 429:
        try:
            wait = float(headers.get("retry-after", 60))
        except ValueError:
            wait = 60.0
        return Result(
            Outcome.TRANSIENT, "http", code=error or "429", detail=detail, retry_after=wait
        )
    if status >= 500:
        return Result(Outcome.TRANSIENT, "http", code=error or str(status), detail=detail)
    return Result(
        Outcome.PERMANENT,
        "http",
        code=error or str(status),
        detail=detail,
        address_invalid=error == "invalid_number",
    )


class HttpSms(Transport):
    """POST JSON to SMS_ENDPOINT."""

    name = "http"
    kind = Channel.SMS
    idempotent = True

    def __init__(self, endpoint: str, token: str = "", sign_name: str = "", timeout: float = 10.0):
        if not endpoint:
            raise ChannelNotConfigured("通用短信网关需要 SMS_ENDPOINT")
        self.token, self.sign_name = token, sign_name
        self.client = Client(endpoint, timeout)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "HttpSms":
        """From SMS_* settings."""
        return cls(
            config.get("SMS_ENDPOINT", ""),
            config.get("SMS_SECRET", ""),
            config.get("SMS_SIGN_NAME", ""),
            float(config.get("SMS_TIMEOUT", 10)),
        )

    def send(self, message: Outgoing) -> Result:
        """POST the message; classify the answer."""
        sms = message.sms
        payload = {
            "to": message.address,
            "text": message.body,
            "sign_name": message.sign_name or self.sign_name,
            "template_id": sms.template_id if sms else "",
            "params": sms.values(message.values) if sms else {},
            "reference": str(message.message_id),
            "idempotency_key": message.key,
        }
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.key,
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        answer = self.client.post(json.dumps(payload, ensure_ascii=False).encode(), headers)
        if not answer.reached:
            result = Result(
                Outcome.TRANSIENT, self.name, code=answer.error, detail="网关无应答", definite=False
            )
        else:
            result = classify(answer.status, answer.body, answer.headers or {})
        if not result.ok:
            log.warning(
                "http sms %s to %s: %s %s",
                message.message_id,
                mask_phone(message.address),
                result.code,
                result.detail,
            )
        return result

    def close(self) -> None:
        self.client.close()
