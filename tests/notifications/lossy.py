"""Outside-world stand-ins that lose answers after doing the work, real over the wire.

- LossyGateway speaks the generic http_sms contract (notifications.channels.http_sms) and can
  be told, request by request, to deliver and then time out, to deliver and then answer 500, or
  to answer 500 without looking; otherwise it serves normally and dedupes by idempotency key. It
  counts what it really handed to the phone network (`deliveries`).
- SlowMailbox is an aiosmtpd handler that takes its time over each message and can look at the
  database before it accepts the next one.
"""

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.notifications.fakes import HTTP_TOKEN, Mailbox, free_port


class LossyGateway:
    """The generic SMS gateway at /http on 127.0.0.1, with scripted failures."""

    def __init__(self, late: float = 1.0) -> None:
        self.late = late  # how long a "deliver_then_timeout" answer takes
        self.actions: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.answered: dict[str, str] = {}  # key -> the id its delivery got
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "LossyGateway":
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, provider: str = "http") -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{provider}"

    def delivered_to(self, phone: str) -> int:
        with self.lock:
            return sum(1 for d in self.deliveries if d["to"] == phone)

    def answer(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any], float]:
        """(status, JSON body, seconds to wait before answering) for one request."""
        if headers.get("Authorization") != f"Bearer {HTTP_TOKEN}":
            return 401, {"error": "unauthorized"}, 0.0
        payload = json.loads(body)
        key = headers.get("Idempotency-Key", "")
        with self.lock:
            self.requests.append({"key": key, "payload": payload})
            action = self.actions.pop(0) if self.actions else "serve"
            if action == "500":
                return 500, {"error": "internal", "message": "try again"}, 0.0
            if key in self.answered:  # seen before: the stored answer, nothing sent again
                return 200, {"id": self.answered[key]}, 0.0
            ref = str(uuid.uuid4())
            self.answered[key] = ref
            self.deliveries.append({"to": payload["to"], "key": key, "text": payload["text"]})
        if action == "deliver_then_500":
            return 500, {"error": "internal", "message": "upstream reset"}, 0.0
        if action == "deliver_then_timeout":
            return 200, {"id": ref}, self.late
        return 200, {"id": ref}, 0.0

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer, wait = gateway.answer(self.headers, body)
                time.sleep(wait)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler


class SlowMailbox(Mailbox):
    """A Mailbox that spends `delay` seconds on each message, then (when given) calls
    before_accept(message_id) and accepts it; what it raises is kept in `problems`."""

    def __init__(
        self, delay: float = 0.0, before_accept: Callable[[str], None] | None = None
    ) -> None:
        super().__init__()
        self.delay = delay
        self.before_accept = before_accept
        self.problems: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        await asyncio.sleep(self.delay)
        if self.before_accept is not None:
            content = envelope.content.decode(errors="replace")
            header = next(
                (line for line in content.splitlines() if line.lower().startswith("message-id:")),
                "",
            )
            try:
                self.before_accept(header.partition(":")[2].strip())
            except Exception as exc:  # reported to the test, never to the client
                self.problems.append(f"{type(exc).__name__}: {exc}")
        return await super().handle_DATA(server, session, envelope)


class SlowSmtpServer:
    """A real SMTP server on 127.0.0.1 with a SlowMailbox, for the length of a with-block."""

    def __init__(self, mailbox: SlowMailbox) -> None:
        self.mailbox = mailbox
        self.port = free_port()
        self.controller = Controller(mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SlowSmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()
