"""Stand-ins for the outside world, real over the wire: an SMTP server (aiosmtpd) and an SMS gateway
speaking Aliyun's, Tencent's and the generic provider's request and response shapes.

The gateway checks each request's signature with its own implementation of the providers'
published algorithms, remembers Aliyun nonces and generic idempotency keys as the real services
do, and can be scripted per number: refuse it, rate-limit it, answer garbage, sleep past the
client's timeout. `accepted` lists every SMS the gateway took, which is what a test counts.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from aiosmtpd.controller import Controller

ALIYUN_KEY, ALIYUN_SECRET = "LTAI5tTestKey", "aliyun-test-secret"
TENCENT_ID, TENCENT_KEY, TENCENT_APP = "AKIDtestsecretid", "tencent-test-key", "1400000001"
HTTP_TOKEN = "gateway-test-token"
# the provider templates the gateway "approved": id -> the variables each needs
ALIYUN_TEMPLATES = {"SMS_465001": {"name", "date"}}
TENCENT_TEMPLATES = {"2001001": 2}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_REENCODE = str.maketrans({"%": "%25", "=": "%3D", "&": "%26"})


def _aliyun_expected(params: dict[str, str], method: str) -> str:
    """Aliyun's RPC signature, written independently of notifications.channels.aliyun."""
    canonical = urlencode(sorted(params.items()), safe="~", quote_via=quote)
    # percentEncode of the canonical string: after urlencode only %, = and & need it
    to_sign = "&".join([method, quote("/", safe=""), canonical.translate(_REENCODE)])
    key = (ALIYUN_SECRET + "&").encode()
    return base64.b64encode(hmac.new(key, to_sign.encode(), "sha1").digest()).decode()


def _tencent_expected(headers: Any, body: bytes) -> str:
    """Tencent's TC3-HMAC-SHA256 Authorization, after the official demo's steps."""
    stamp = int(headers["X-TC-Timestamp"])
    day = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n"
    canonical_request = "POST\n/\n\n" + canonical_headers + "\ncontent-type;host\n"
    canonical_request += hashlib.sha256(body).hexdigest()
    scope = f"{day}/sms/tc3_request"
    string_to_sign = "TC3-HMAC-SHA256\n%d\n%s\n%s" % (  # noqa: UP031 - as the demo writes it
        stamp,
        scope,
        hashlib.sha256(canonical_request.encode()).hexdigest(),
    )

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    secret = sign(sign(sign(("TC3" + TENCENT_KEY).encode(), day), "sms"), "tc3_request")
    signature = hmac.new(secret, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={TENCENT_ID}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


class SmsGateway:
    """Aliyun at /aliyun, Tencent at /tencent, the generic provider at /http, on 127.0.0.1."""

    def __init__(self, delay: float = 0.0, daily_limit: int | None = None) -> None:
        self.delay = delay
        self.daily_limit = daily_limit
        self.accepted: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.scripts: dict[str, list[Any]] = {}
        self.nonces: set[str] = set()
        self.keys: set[str] = set()
        self.lock = threading.Lock()
        ThreadingHTTPServer.request_queue_size = 128  # many senders connect at once
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "SmsGateway":
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, provider: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{provider}"

    def script(self, phone: str, *actions: Any) -> None:
        """What to answer for phone, one action per request; then normal service.

        Actions: "invalid", "limit", "busy", "garbage", ("sleep", seconds)."""
        self.scripts[phone] = list(actions)

    def count(self, phone: str | None = None) -> int:
        with self.lock:
            return sum(1 for a in self.accepted if phone is None or a["phone"] == phone)

    def per_phone(self) -> Counter[str]:
        with self.lock:
            return Counter(a["phone"] for a in self.accepted)

    def _next_action(self, phone: str) -> Any:
        with self.lock:
            queue = self.scripts.get(phone)
            return queue.pop(0) if queue else None

    def _limited(self, phone: str) -> bool:
        return self.daily_limit is not None and self.count(phone) >= self.daily_limit

    def _take(self, provider: str, phone: str, **extra: Any) -> None:
        with self.lock:
            self.accepted.append({"provider": provider, "phone": phone, **extra})

    # -- providers ---------------------------------------------------------------------------

    def aliyun(self, headers: Any, body: bytes) -> tuple[int, Any]:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        given = params.pop("Signature", "")
        if params.get("AccessKeyId") != ALIYUN_KEY or given != _aliyun_expected(params, "POST"):
            self.bad_signatures += 1
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched.",
            }
        phone = params["PhoneNumbers"]
        self.requests.append({"provider": "aliyun", "phone": phone, "params": params})
        with self.lock:
            if params["SignatureNonce"] in self.nonces:
                return 400, {
                    "Code": "SignatureNonceUsed",
                    "Message": "Specified signature nonce was used already.",
                }
            self.nonces.add(params["SignatureNonce"])
        action = self._next_action(phone)
        if isinstance(action, tuple) and action[0] == "sleep":
            time.sleep(action[1])
            action = None
        if action == "garbage":
            return 200, f"<html><body>502 Bad Gateway for {phone}</body></html>"
        if action == "invalid" or not phone.isdigit() or len(phone) != 11:
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": f"非法手机号 {phone}"}
        if action == "busy":
            return 200, {"Code": "isp.SYSTEM_ERROR", "Message": "系统异常"}
        if action == "limit" or self._limited(phone):
            return 200, {
                "Code": "isv.BUSINESS_LIMIT_CONTROL",
                "Message": f"触发天级流控Permits:{self.daily_limit or 10}",
            }
        needed = ALIYUN_TEMPLATES.get(params.get("TemplateCode", ""))
        if needed is None:
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}
        given_vars = json.loads(params.get("TemplateParam") or "{}")
        if needed - set(given_vars):
            return 200, {"Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": "模板缺少变量"}
        self._take(
            "aliyun", phone, values=given_vars, sign=params["SignName"], out_id=params["OutId"]
        )
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "BizId": f"{uuid.uuid4().int % 10**15}^0",
            "RequestId": str(uuid.uuid4()),
        }

    def tencent(self, headers: Any, body: bytes) -> tuple[int, Any]:
        def error(code: str, message: str) -> tuple[int, Any]:
            return 200, {
                "Response": {
                    "Error": {"Code": code, "Message": message},
                    "RequestId": str(uuid.uuid4()),
                }
            }

        if headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
            return error("InvalidAction", "bad action or version")
        if headers.get("Authorization") != _tencent_expected(headers, body):
            self.bad_signatures += 1
            return error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        payload = json.loads(body)
        if payload.get("SmsSdkAppId") != TENCENT_APP:
            return error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify fail")
        number = payload["PhoneNumberSet"][0]
        phone = number.removeprefix("+86")
        self.requests.append({"provider": "tencent", "phone": phone, "payload": payload})
        action = self._next_action(phone)
        if isinstance(action, tuple) and action[0] == "sleep":
            time.sleep(action[1])
            action = None
        if action == "garbage":
            return 200, "not json at all " + phone

        def status(code: str, message: str) -> tuple[int, Any]:
            return 200, {
                "Response": {
                    "SendStatusSet": [
                        {
                            "SerialNo": str(uuid.uuid4()),
                            "PhoneNumber": number,
                            "Fee": 1 if code == "Ok" else 0,
                            "SessionContext": payload.get("SessionContext", ""),
                            "Code": code,
                            "Message": message,
                            "IsoCode": "CN",
                        }
                    ],
                    "RequestId": str(uuid.uuid4()),
                }
            }

        if action == "invalid" or len(phone) != 11:
            return status(
                "InvalidParameterValue.IncorrectPhoneNumber", f"incorrect phone number {number}"
            )
        if action == "busy":
            return error("InternalError.RequestTimeException", "internal error")
        if action == "limit" or self._limited(phone):
            return status(
                "LimitExceeded.PhoneNumberDailyLimit",
                "the number of sms messages sent from a single mobile number every day exceeds the upper limit",
            )
        wanted = TENCENT_TEMPLATES.get(payload.get("TemplateId", ""))
        if wanted is None or len(payload.get("TemplateParamSet", [])) != wanted:
            return status(
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "template is not approved or not exist",
            )
        self._take("tencent", phone, values=payload["TemplateParamSet"], sign=payload["SignName"])
        return status("Ok", "send success")

    def http(self, headers: Any, body: bytes) -> tuple[int, Any]:
        if headers.get("Authorization") != f"Bearer {HTTP_TOKEN}":
            return 401, {"error": "unauthorized"}
        key = headers.get("Idempotency-Key", "")
        with self.lock:
            if key and key in self.keys:
                return 409, {"error": "duplicate", "message": "idempotency key seen before"}
        payload = json.loads(body)
        phone = payload["to"]
        self.requests.append({"provider": "http", "phone": phone, "payload": payload})
        action = self._next_action(phone)
        if isinstance(action, tuple) and action[0] == "sleep":
            time.sleep(action[1])
            action = None
        if action == "garbage":
            return 502, f"<html>bad gateway {phone}</html>"
        if action == "invalid":
            return 422, {"error": "invalid_number", "message": f"{phone} is not a mobile number"}
        if action == "busy":
            return 503, {"error": "unavailable"}
        if action == "limit" or self._limited(phone):
            return 429, {"error": "rate_limited"}
        with self.lock:
            self.keys.add(key)
        self._take("http", phone, text=payload["text"], key=key)
        return 200, {"id": str(uuid.uuid4())}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add 40 ms to every keep-alive answer
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if gateway.delay:
                    time.sleep(gateway.delay)
                route = {
                    "/aliyun": gateway.aliyun,
                    "/tencent": gateway.tencent,
                    "/http": gateway.http,
                }
                handler = route.get(self.path.rstrip("/"))
                status, answer = handler(self.headers, body) if handler else (404, {"error": "no"})
                data = (
                    answer.encode()
                    if isinstance(answer, str)
                    else json.dumps(answer, ensure_ascii=False).encode()
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                if status == 429:
                    self.send_header("Retry-After", "3600")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # the client may have given up waiting (a timeout test); the SMS was taken anyway
                with contextlib.suppress(BrokenPipeError):
                    self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler


class Mailbox:
    """An aiosmtpd handler: keeps what it accepts, refuses the addresses it is told to."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "from": envelope.mail_from,
                "subject": str(make_header(decode_header(mail["Subject"]))),
                "message_id": mail["Message-ID"],
                "body": mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8"),
            }
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 for the length of a with-block."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.mailbox.messages
