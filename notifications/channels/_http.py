"""A small HTTP client for the SMS providers: keep-alive per thread, errors as values."""

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Answer:
    """The provider's reply, or (status 0) why there was none."""

    status: int
    body: bytes = b""
    headers: dict[str, str] | None = None
    error: str = ""

    @property
    def reached(self) -> bool:
        return self.status != 0


class _Plain(http.client.HTTPConnection):
    """No Nagle delay: http.client writes the headers and the body separately."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Tls(http.client.HTTPSConnection):
    """No Nagle delay, over TLS."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Client:
    """POSTs to one endpoint, reusing a connection per thread (sends run in a thread pool)."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if self.https else 80)
        self.path = parts.path or "/"
        self.netloc = parts.netloc
        self.timeout = timeout
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.https:
                conn = _Tls(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                conn = _Plain(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def post(self, body: bytes, headers: dict[str, str]) -> Answer:
        """POST body; a timeout or a broken connection is an Answer with status 0, never raised."""
        conn = self._connection()
        try:
            conn.request("POST", self.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            answer = Answer(response.status, data, {k.lower(): v for k, v in response.getheaders()})
            if response.getheader("connection", "").lower() == "close":
                self._drop()
            return answer
        except TimeoutError:
            self._drop()
            return Answer(0, error="timeout")
        except (OSError, http.client.HTTPException) as exc:
            self._drop()
            return Answer(0, error=type(exc).__name__)

    def close(self) -> None:
        """Close every connection this client opened."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
