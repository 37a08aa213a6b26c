"""The development channel: records what would have been sent, sends nothing."""

import logging
import threading
from typing import ClassVar

from notifications.channels import Outcome, Outgoing, Result, Transport
from notifications.models import Channel
from notifications.redact import mask_address, scrub

log = logging.getLogger(__name__)


class DevChannel(Transport):
    """Keeps the last messages in memory (this process) and logs them, numbers masked."""

    name = "dev"
    idempotent = True
    LIMIT = 1000
    sent: ClassVar[list[Outgoing]] = []
    _lock = threading.Lock()

    def __init__(self, kind: Channel) -> None:
        self.kind = kind

    def send(self, message: Outgoing) -> Result:
        """Record the message."""
        with self._lock:
            self.sent.append(message)
            del self.sent[: -self.LIMIT]
        log.info(
            "dev %s %s to %s: %s",
            self.kind.value,
            message.message_id,
            mask_address(message.address),
            scrub(message.subject or message.body[:40]),
        )
        return Result(Outcome.SENT, self.name, ref=f"dev-{message.message_id}")
