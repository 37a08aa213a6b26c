"""Channels behind one interface: each sends one message and says how it went.

A channel never raises for a provider's answer: it returns a Result whose outcome says whether
the message went (SENT, DELIVERED), went before (DUPLICATE: the provider recognised the
idempotency key of an earlier attempt), may go on a later try (TRANSIENT) or never will
(PERMANENT). `definite` is False when the provider's answer was never seen (a timeout, a
dropped connection).

Every attempt of a message carries the same idempotency key (Outgoing.key, the message's for its
whole life), whatever the last answer was: a 5xx proves no more than a timeout that the message
did not go. The providers that honour a key (`idempotent = True`) make a retry of a request that
got through a no-op; for the others (SMTP, Tencent) the dispatcher records each outcome before
it sends the next message, so a crash repeats at most the one message in flight.
"""

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from notifications.models import Channel
from notifications.templates import SmsTemplate


class Outcome(enum.StrEnum):
    """How one attempt went."""

    SENT = "sent"
    DELIVERED = "delivered"
    DUPLICATE = "duplicate"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Outgoing:
    """One message as a channel sees it: plain values, no ORM objects (it runs in a thread)."""

    message_id: int
    channel: Channel
    rule: str
    address: str
    subject: str
    body: str
    values: dict[str, Any] = field(default_factory=dict)
    sms: SmsTemplate | None = None
    sign_name: str = ""
    key: str = ""


@dataclass(frozen=True)
class Result:
    """What the provider said, classified; detail never holds a number in clear."""

    outcome: Outcome
    provider: str
    ref: str = ""
    code: str = ""
    detail: str = ""
    definite: bool = True
    address_invalid: bool = False
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SENT, Outcome.DELIVERED)


class Transport:
    """The interface every channel implements."""

    name = "base"
    kind = Channel.SMS
    idempotent = False

    def send(self, message: Outgoing) -> Result:
        """Send one message; classify the answer instead of raising."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections held between sends."""


class ChannelNotConfigured(ValueError):
    """The deployment names a provider this package does not know, or leaves out its keys."""


def sms_templates_setting(value: Any) -> dict[str, Any]:
    """The SMS_TEMPLATES setting (a JSON object or a dict) as a dict."""
    if isinstance(value, Mapping):
        return dict(value)
    try:
        parsed = json.loads(value or "{}")
    except (TypeError, ValueError) as exc:
        raise ChannelNotConfigured("SMS_TEMPLATES 不是有效的 JSON") from exc
    return parsed if isinstance(parsed, dict) else {}


def build(kind: Channel, config: Mapping[str, Any]) -> Transport:
    """The transport for kind, as the deployment's settings (from the environment) configure it."""
    from notifications.channels import aliyun, dev, email, http_sms, inapp, tencent

    if kind == Channel.INAPP:
        return inapp.InAppChannel()
    if kind == Channel.EMAIL:
        backend = config.get("MAIL_BACKEND", "dev")
        if backend == "smtp":
            return email.SmtpChannel.from_config(config)
        if backend == "dev":
            return dev.DevChannel(Channel.EMAIL)
        raise ChannelNotConfigured(f"unknown MAIL_BACKEND {backend!r}")
    provider = config.get("SMS_PROVIDER", "dev")
    makers = {
        "aliyun": aliyun.AliyunSms.from_config,
        "tencent": tencent.TencentSms.from_config,
        "http": http_sms.HttpSms.from_config,
    }
    if provider == "dev":
        return dev.DevChannel(Channel.SMS)
    if provider not in makers:
        raise ChannelNotConfigured(f"unknown SMS_PROVIDER {provider!r}")
    return makers[provider](config)
