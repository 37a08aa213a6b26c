"""Message rows (the outbox and the delivery log in one table) and each recipient's choices."""

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, Timestamped, str_enum, utcnow
from tenants.scoping import TenantScoped


class Channel(enum.StrEnum):
    """How a message reaches its recipient."""

    SMS = "sms"
    EMAIL = "email"
    INAPP = "inapp"


class State(enum.StrEnum):
    """Where a message stands; queued and retrying rows are due once next_attempt_at passes."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    RETRYING = "retrying"
    SUPPRESSED = "suppressed"


CHANNEL_LABELS = {
    Channel.SMS: lazy_gettext("短信"),
    Channel.EMAIL: lazy_gettext("电子邮件"),
    Channel.INAPP: lazy_gettext("站内消息"),
}
STATE_LABELS = {
    State.QUEUED: lazy_gettext("待发送"),
    State.SENDING: lazy_gettext("发送中"),
    State.SENT: lazy_gettext("已发送"),
    State.DELIVERED: lazy_gettext("已送达"),
    State.FAILED: lazy_gettext("失败"),
    State.RETRYING: lazy_gettext("等待重试"),
    State.SUPPRESSED: lazy_gettext("未发送"),
}
# states a dispatcher may still pick up; the others are final (a resend re-opens a failed one)
PENDING = (State.QUEUED, State.RETRYING, State.SENDING)
DONE_OK = (State.SENT, State.DELIVERED)


class RecipientKind(enum.StrEnum):
    """Who a message is for: a member on a register, or a user account (an officer)."""

    MEMBER = "member"
    USER = "user"


class Message(TenantScoped, Timestamped, Base):
    """One reminder to one recipient over one channel: exists once per (rule, recipient, period)."""

    __tablename__ = "notification_messages"
    __table_args__ = (
        UniqueConstraint(
            "rule",
            "recipient_kind",
            "recipient_id",
            "period",
            "channel",
            name="uq_notification_messages_once",
        ),
        Index("ix_notification_messages_due", "tenant_id", "state", "next_attempt_at"),
        Index("ix_notification_messages_log", "tenant_id", "created_at"),
        Index("ix_notification_messages_address", "tenant_id", "channel", "address"),
        Index("ix_notification_messages_inbox", "recipient_kind", "recipient_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))
    recipient_kind: Mapped[RecipientKind] = mapped_column(str_enum(RecipientKind, 16))
    recipient_id: Mapped[int]
    recipient_name: Mapped[str] = mapped_column(String(64), default="")
    period: Mapped[str] = mapped_column(String(32))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 16))
    # the phone number or e-mail address at the time the message was queued ("" for in-app)
    address: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # placeholder values, for SMS providers that take a template id and parameters
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # where to go when SMS fails for good: {"address", "subject", "body"} of the e-mail, or None
    fallback: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(default=False)
    state: Mapped[State] = mapped_column(str_enum(State, 16), default=State.QUEUED)
    reason: Mapped[str] = mapped_column(String(200), default="")
    error_code: Mapped[str] = mapped_column(String(64), default="")
    provider: Mapped[str] = mapped_column(String(32), default="")
    provider_ref: Mapped[str] = mapped_column(String(64), default="", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
    # the message's idempotency key, given by its first claim (before the provider is called)
    # and sent with every attempt on every channel that takes one; a 5xx, a timeout or a crash
    # keep it (the attempt may have gone), only a definite refusal of the content clears it
    send_key: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    fallback_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_messages.id", ondelete="SET NULL")
    )

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    @property
    def address_masked(self) -> str:
        from notifications.redact import mask_address

        return mask_address(self.address)

    @property
    def resendable(self) -> bool:
        return self.state in (State.FAILED, State.SUPPRESSED)


class Preference(TenantScoped, Base):
    """A recipient's channel, whether they take non-essential reminders, and bad addresses."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("recipient_kind", "recipient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_kind: Mapped[RecipientKind] = mapped_column(str_enum(RecipientKind, 16))
    recipient_id: Mapped[int]
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel, 16))
    declines_optional: Mapped[bool] = mapped_column(default=False)
    # the number or address a provider refused for good: while the recipient still has it,
    # messages to it are suppressed instead of being sent and failing again
    invalid_phone: Mapped[str] = mapped_column(String(20), default="")
    invalid_email: Mapped[str] = mapped_column(String(120), default="")
    invalid_reason: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
