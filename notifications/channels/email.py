"""E-mail over SMTP (smtplib): one connection per sending thread, reused within a batch.

SMTP has no idempotency key; the Message-ID is derived from it instead, so the rare retry after
an unknown outcome produces a copy that mail clients recognise as the same message. Being not
`idempotent`, e-mail is sent one message at a time, each outcome recorded before the next goes
(notifications.dispatch): a crash repeats at most the one message in flight.
"""

import contextlib
import logging
import smtplib
import threading
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from notifications.channels import Outcome, Outgoing, Result, Transport
from notifications.models import Channel
from notifications.redact import mask_email

log = logging.getLogger(__name__)
# mailbox unknown, not accepted, syntax error in the address: the address is wrong, not the day
BAD_ADDRESS = {501, 550, 551, 553}


class SmtpChannel(Transport):
    """Send through MAIL_SERVER:MAIL_PORT (STARTTLS with MAIL_USE_TLS, TLS with MAIL_USE_SSL)."""

    name = "smtp"
    kind = Channel.EMAIL
    idempotent = False

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        ssl: bool = False,
        timeout: float = 10.0,
        sender_name: str = "连心",
    ) -> None:
        self.host, self.port, self.sender, self.sender_name = host, port, sender, sender_name
        self.username, self.password = username, password
        self.starttls, self.ssl, self.timeout = starttls, ssl, timeout
        self._local = threading.local()
        self._open: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "SmtpChannel":
        """From MAIL_* settings."""
        return cls(
            config.get("MAIL_SERVER", "localhost"),
            int(config.get("MAIL_PORT", 25)),
            config.get("MAIL_DEFAULT_SENDER", "lianxin@localhost"),
            config.get("MAIL_USERNAME", ""),
            config.get("MAIL_PASSWORD", ""),
            bool(config.get("MAIL_USE_TLS")),
            bool(config.get("MAIL_USE_SSL")),
            float(config.get("MAIL_TIMEOUT", 10)),
        )

    def _connection(self) -> smtplib.SMTP:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            factory = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
            conn = factory(self.host, self.port, timeout=self.timeout)
            if self.starttls and not self.ssl:
                conn.starttls()
            if self.username:
                conn.login(self.username, self.password)
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def compose(self, message: Outgoing) -> EmailMessage:
        """The e-mail: plain UTF-8 text, a Message-ID derived from the idempotency key."""
        mail = EmailMessage()
        mail["From"] = formataddr((self.sender_name, self.sender))
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        domain = self.sender.rpartition("@")[2] or "lianxin.local"
        mail["Message-ID"] = f"<{message.key or message.message_id}.lianxin@{domain}>"
        mail.set_content(message.body)
        return mail

    def send(self, message: Outgoing) -> Result:
        """Hand the message to the SMTP server; classify its answer."""
        try:
            conn = self._connection()
            conn.send_message(self.compose(message))
            result = Result(Outcome.SENT, self.name, code="250")
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            result = self._refused(code, text, address=True)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            result = self._refused(exc.smtp_code, exc.smtp_error, address=False)
        except smtplib.SMTPAuthenticationError as exc:
            result = Result(
                Outcome.PERMANENT, self.name, code=str(exc.smtp_code), detail="SMTP 登录失败"
            )
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self._drop()
            result = Result(
                Outcome.TRANSIENT,
                self.name,
                code=type(exc).__name__,
                detail="邮件服务器无应答",
                definite=False,
            )
        if not result.ok:
            log.warning(
                "smtp mail %s to %s: %s %s",
                message.message_id,
                mask_email(message.address),
                result.code,
                result.detail,
            )
        return result

    def _refused(self, code: int, text: bytes | str, address: bool) -> Result:
        detail = (text.decode(errors="replace") if isinstance(text, bytes) else str(text))[:150]
        if code >= 500:
            return Result(
                Outcome.PERMANENT,
                self.name,
                code=str(code),
                detail=detail,
                address_invalid=address and code in BAD_ADDRESS,
            )
        return Result(Outcome.TRANSIENT, self.name, code=str(code), detail=detail)

    def close(self) -> None:
        with self._lock:
            for conn in self._open:
                try:
                    conn.quit()
                except (smtplib.SMTPException, OSError):
                    conn.close()
            self._open.clear()
