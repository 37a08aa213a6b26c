"""Delivery receipts as the SMS providers push them: parsed whole (one bad item refuses the batch),
then applied within the caller's tenant scope (apply_all: a township's own receipt URL), or, for
the deployment's shared SMS account, each in the scope of the township whose message it names
(apply_shared). A message does not record which account sent it, and today every SMS goes through
the deployment's SMS_* account; a reference names one message because Aliyun's BizId and
Tencent's SerialNo are unique per provider and the generic gateway's ids are unique within it. A
reference found in several townships is therefore not trusted (unknown), and a reported number
must match the message's in either case.

Shapes, one JSON array per request:
  aliyun   SmsReport (HTTP 批量推送): [{"phone_number", "success": true|false, "biz_id",
           "err_code", "err_msg", ...}], answered {"code": 0, "msg": "成功"};
  tencent  短信下发状态通知: [{"mobile", "nationcode", "report_status": "SUCCESS"|"FAIL", "sid",
           "errmsg", "description", ...}], answered {"result": 0, "errmsg": "OK"};
  http     the generic gateway: [{"id", "status": "delivered"|"failed", "code", "to"}] (code and
           to optional), answered {"ok": true}.
biz_id, sid and id are the references the channels store (BizId, SerialNo, the gateway's id).
"""

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from notifications.models import Message
from notifications.outcomes import mark_delivery
from tenants.context import system_context_unsafe, tenant_context

log = logging.getLogger(__name__)

MAX_ITEMS = 1000


class ReceiptInvalid(ValueError):
    """The push is not what the provider documents; the message says why, in Chinese."""


@dataclass(frozen=True)
class Receipt:
    """One provider report: the message's reference, whether it arrived, the code, the number."""

    ref: str
    delivered: bool
    code: str = ""
    phone: str = ""


@dataclass
class Tally:
    """What a push did: applied (sent -> delivered or failed), unchanged (already final or not
    yet sent), unknown (no such reference here, or more than one), mismatched (other number)."""

    received: int = 0
    applied: int = 0
    unchanged: int = 0
    unknown: int = 0
    mismatched: int = 0


def _text(item: dict[str, Any], key: str, index: int, required: bool = False) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise ReceiptInvalid(f"第{index}条回执缺少 {key}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ReceiptInvalid(f"第{index}条回执的 {key} 应为字符串")
    return str(value).strip()


def _ref(item: dict[str, Any], key: str, index: int) -> str:
    # the channels store a provider's reference cut at 64 characters
    return _text(item, key, index, required=True)[:64]


def _choice(item: dict[str, Any], key: str, index: int, values: dict[str, bool]) -> bool:
    value = item.get(key)
    if isinstance(value, bool):
        value = "true" if value else "false"
    lookup = {k.lower(): v for k, v in values.items()}
    if isinstance(value, str) and value.strip().lower() in lookup:
        return lookup[value.strip().lower()]
    raise ReceiptInvalid(f"第{index}条回执的 {key} 应为 {' 或 '.join(values)}")


def _aliyun(item: dict[str, Any], index: int) -> Receipt:
    delivered = _choice(item, "success", index, {"true": True, "false": False})
    return Receipt(
        _ref(item, "biz_id", index),
        delivered,
        _text(item, "err_code", index),
        _text(item, "phone_number", index),
    )


def _tencent(item: dict[str, Any], index: int) -> Receipt:
    delivered = _choice(item, "report_status", index, {"SUCCESS": True, "FAIL": False})
    mobile = _text(item, "mobile", index)
    nation = _text(item, "nationcode", index)
    return Receipt(
        _ref(item, "sid", index),
        delivered,
        _text(item, "errmsg", index),
        f"+{nation}{mobile}" if mobile and nation else mobile,
    )


def _http(item: dict[str, Any], index: int) -> Receipt:
    delivered = _choice(item, "status", index, {"delivered": True, "failed": False})
    return Receipt(
        _ref(item, "id", index),
        delivered,
        _text(item, "code", index),
        _text(item, "to", index),
    )


PARSERS: dict[str, Callable[[dict[str, Any], int], Receipt]] = {
    "aliyun": _aliyun,
    "tencent": _tencent,
    "http": _http,
}


def parse(provider: str, body: bytes) -> list[Receipt]:
    """Every receipt of one push; ReceiptInvalid (nothing taken) when any part is malformed."""
    read = PARSERS[provider]
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ReceiptInvalid("请求体不是有效的 JSON") from None
    if not isinstance(data, list):
        raise ReceiptInvalid("回执应为 JSON 数组")
    if len(data) > MAX_ITEMS:
        raise ReceiptInvalid(f"一次最多接收{MAX_ITEMS}条回执")
    receipts = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ReceiptInvalid(f"第{index}条回执不是 JSON 对象")
        receipts.append(read(item, index))
    return receipts


def _phone_key(value: str) -> str:
    kept = "".join(ch for ch in value if ch.isdigit() or ch == "*")
    for prefix in ("0086", "86"):
        if kept.startswith(prefix) and len(kept) == len(prefix) + 11:
            return kept[len(prefix) :]
    return kept


def same_phone(address: str, reported: str) -> bool:
    """Is reported (possibly +86-prefixed or partly masked with *) the number of address?

    A report without at least four visible digits says nothing, and so does not contradict."""
    theirs = _phone_key(reported)
    if sum(ch.isdigit() for ch in theirs) < 4:
        return True
    ours = _phone_key(address)
    return len(ours) == len(theirs) and all(
        t in ("*", o) for o, t in zip(ours, theirs, strict=True)
    )


def _by_ref(provider: str, receipts: list[Receipt], *columns: Any) -> Iterator[Select[Any]]:
    """Selects of columns from the provider's messages the receipts name, 500 references each."""
    refs = sorted({r.ref for r in receipts})
    for start in range(0, len(refs), 500):
        yield select(*columns).where(
            Message.provider == provider, Message.provider_ref.in_(refs[start : start + 500])
        )


def apply_all(session: Session, provider: str, receipts: list[Receipt], now: datetime) -> Tally:
    """Apply receipts to the scope's messages; the caller commits. Applying twice changes nothing."""
    tally = Tally(received=len(receipts))
    found: dict[str, list[Message]] = {}
    for query in _by_ref(provider, receipts, Message):
        for message in session.scalars(query):
            found.setdefault(message.provider_ref, []).append(message)
    for receipt in receipts:
        matches = found.get(receipt.ref, [])
        if len(matches) != 1:
            tally.unknown += 1
            continue
        message = matches[0]
        if not same_phone(message.address, receipt.phone):
            log.warning("%s receipt for message %s names another number", provider, message.id)
            tally.mismatched += 1
            continue
        if mark_delivery(message, receipt.delivered, receipt.code, now):
            tally.applied += 1
        else:
            tally.unchanged += 1
    return tally


def owners(session: Session, provider: str, receipts: list[Receipt]) -> dict[str, set[int]]:
    """Reference -> the townships holding a message with it: the only read of every township."""
    held: dict[str, set[int]] = {}
    with system_context_unsafe():
        for query in _by_ref(provider, receipts, Message.provider_ref, Message.tenant_id):
            for ref, tenant_id in session.execute(query):
                held.setdefault(ref, set()).add(tenant_id)
    return held


def apply_shared(session: Session, provider: str, receipts: list[Receipt], now: datetime) -> Tally:
    """Apply a push for the shared account, each receipt in its township's scope; the caller
    commits. A reference no township holds, or several do, is unknown."""
    held = owners(session, provider, receipts)
    tally = Tally(received=len(receipts))
    groups: dict[int, list[Receipt]] = {}
    for receipt in receipts:
        tenants = held.get(receipt.ref, set())
        if len(tenants) == 1:
            groups.setdefault(min(tenants), []).append(receipt)
        else:
            tally.unknown += 1
    for tenant_id, group in sorted(groups.items()):
        with tenant_context(tenant_id):
            part = apply_all(session, provider, group, now)
            session.flush()
        tally.applied += part.applied
        tally.unchanged += part.unchanged
        tally.unknown += part.unknown
        tally.mismatched += part.mismatched
    return tally


def answer(provider: str, tally: Tally) -> dict[str, Any]:
    """The success answer each provider expects, with the counts alongside."""
    head: dict[str, Any] = {
        "aliyun": {"code": 0, "msg": "成功"},
        "tencent": {"result": 0, "errmsg": "OK"},
        "http": {"ok": True},
    }[provider]
    return head | asdict(tally)


def refusal(provider: str, message: str) -> dict[str, Any]:
    """A malformed push's answer, in the provider's shape."""
    return {
        "aliyun": {"code": 1, "msg": message},
        "tencent": {"result": 1, "errmsg": message},
        "http": {"ok": False, "error": "invalid", "message": message},
    }[provider]
