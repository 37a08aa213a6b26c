"""Shared by the reminder tests and the cross-tenant matrix: a message in a township's log."""

from datetime import UTC, date, datetime
from typing import Any

from notifications.models import Channel, Message, RecipientKind, State
from tenants.context import tenant_context
from webapp.extensions import db

# Tuesday 10 March 2026, 10:00 in Shanghai
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def at(day: date) -> datetime:
    """10:00 in Shanghai on day."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def failed_message(township_id: int, member: Any, rule: str = "departure.overdue") -> Message:
    """A failed SMS reminder to member (resendable), committed."""
    with tenant_context(township_id):
        message = Message(
            tenant_id=township_id,
            rule=rule,
            recipient_kind=RecipientKind.MEMBER,
            recipient_id=member.id,
            recipient_name=member.name,
            period=f"failed-{member.id}",
            channel=Channel.SMS,
            address=member.phone,
            body=f"{member.name}同志：请报告去向。",
            state=State.FAILED,
            reason="isv.MOBILE_NUMBER_ILLEGAL",
            error_code="isv.MOBILE_NUMBER_ILLEGAL",
            attempts=1,
        )
        db.session.add(message)
        db.session.commit()
    return message


def victim_message_rows(victim: Any) -> dict[str, int]:
    """A failed message in the victim township, for the cross-tenant matrix."""
    return {"message_id": failed_message(victim.township.id, victim.member).id}
