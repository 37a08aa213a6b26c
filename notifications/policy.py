"""When a message may go: quiet hours, daily caps, retry backoff, leases; settings per township."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tenants.models import Township

DEFAULT_ZONE = "Asia/Shanghai"
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

# township.settings["notifications"] keys an officer may change, with their limits
TOWNSHIP_LIMITS = {
    "sms_per_number_daily": (1, 50, "每个号码每日短信上限"),
    "sms_per_township_daily": (1, 100_000, "本乡镇每日短信上限"),
}


def parse_hhmm(value: str) -> time | None:
    """ "21:00" as a time, or None when it is not HH:MM."""
    match = _HHMM.match((value or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def zone(name: str | None) -> ZoneInfo:
    """The township's time zone; Asia/Shanghai when the name is unknown here."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def _number(config: Mapping[str, Any], key: str, default: float) -> float:
    try:
        return float(config.get(key, default))
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class Policy:
    """Everything the dispatcher needs to decide whether, and when, to send."""

    zone: ZoneInfo
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    sms_per_number_daily: int = 50
    sms_per_township_daily: int = 5000
    max_attempts: int = 6
    retry_base: float = 60.0
    retry_cap: float = 6 * 3600.0
    lease: float = 120.0
    batch: int = 200
    concurrency: int = 8
    chunk: int = 100

    @classmethod
    def for_township(cls, config: Mapping[str, Any], township: Township | None) -> "Policy":
        """Deployment defaults (NOTIFY_* settings), narrowed by the township's own settings."""
        own = ((township.settings if township else None) or {}).get("notifications") or {}
        quiet = own.get("quiet_hours") or config.get("NOTIFY_QUIET_HOURS") or "21:00-08:00"
        start, _, end = str(quiet).partition("-")
        per_number = int(_number(config, "NOTIFY_SMS_PER_NUMBER_DAILY", 50))
        per_township = int(_number(config, "NOTIFY_SMS_PER_TOWNSHIP_DAILY", 5000))
        return cls(
            zone=zone(township.timezone if township else None),
            quiet_start=parse_hhmm(start) or time(21, 0),
            quiet_end=parse_hhmm(end) or time(8, 0),
            # a township may lower the caps, never raise them past the provider's
            sms_per_number_daily=min(
                per_number, int(own.get("sms_per_number_daily") or per_number)
            ),
            sms_per_township_daily=min(
                per_township, int(own.get("sms_per_township_daily") or per_township)
            ),
            max_attempts=max(1, int(_number(config, "NOTIFY_MAX_ATTEMPTS", 6))),
            retry_base=_number(config, "NOTIFY_RETRY_BASE_SECONDS", 60),
            retry_cap=_number(config, "NOTIFY_RETRY_CAP_SECONDS", 6 * 3600),
            lease=_number(config, "NOTIFY_LEASE_SECONDS", 120),
            batch=max(1, int(_number(config, "NOTIFY_BATCH_SIZE", 200))),
            concurrency=max(1, int(_number(config, "NOTIFY_CONCURRENCY", 8))),
            chunk=max(1, int(_number(config, "NOTIFY_CHUNK", 100))),
        )

    def local(self, now: datetime) -> datetime:
        """now in the township's time zone."""
        return now.astimezone(self.zone)

    def is_quiet(self, now: datetime) -> bool:
        """Inside quiet hours (which may wrap midnight, as 21:00-08:00 does)?"""
        clock = self.local(now).time()
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= clock < self.quiet_end
        return clock >= self.quiet_start or clock < self.quiet_end

    def quiet_over(self, now: datetime) -> datetime:
        """The first moment after now when quiet hours are over, in UTC (as the database keeps
        every time: SQLite would store a local wall-clock time as if it were UTC)."""
        local = self.local(now)
        end = datetime.combine(local.date(), self.quiet_end, tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.quiet_end, self.zone)
        return end.astimezone(UTC)

    def day_start(self, now: datetime) -> datetime:
        """Local midnight of now's day, in UTC: the daily caps count from here."""
        local = self.local(now)
        return datetime.combine(local.date(), time(0), tzinfo=self.zone).astimezone(UTC)

    def next_day(self, now: datetime) -> datetime:
        """Local midnight after now."""
        return self.day_start(now) + timedelta(days=1)

    def backoff(self, attempts: int) -> timedelta:
        """Exponential: base, 2*base, 4*base ... up to the cap."""
        seconds = min(self.retry_cap, self.retry_base * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds)

    @property
    def quiet_label(self) -> str:
        return f"{self.quiet_start:%H:%M}–{self.quiet_end:%H:%M}"
