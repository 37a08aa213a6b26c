"""Fixtures for the notification tests: the fake SMS gateway, a real SMTP server, settings."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.notifications.fakes import (
    ALIYUN_KEY,
    ALIYUN_SECRET,
    HTTP_TOKEN,
    TENCENT_APP,
    TENCENT_ID,
    TENCENT_KEY,
    SmsGateway,
    SmtpServer,
)

# 10:00 in Shanghai: outside quiet hours
DAYTIME = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
SMS_TEMPLATES = {
    "test.rule": {"template_id": "SMS_465001", "params": {"name": "name", "date": "date"}},
    "departure.overdue": {
        "template_id": "SMS_465001",
        "params": {"name": "name", "date": "expected_return"},
    },
}
TENCENT_SMS_TEMPLATES = {
    "test.rule": {"template_id": "2001001", "params": {"1": "name", "2": "date"}},
    "departure.overdue": {
        "template_id": "2001001",
        "params": {"1": "name", "2": "expected_return"},
    },
}


@pytest.fixture()
def gateway() -> Iterator[SmsGateway]:
    with SmsGateway() as gw:
        yield gw


@pytest.fixture()
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def sms_config(gateway: SmsGateway, provider: str = "aliyun", **extra: Any) -> dict[str, Any]:
    """Settings for provider on the fake gateway (and e-mail through the dev channel)."""
    keys = {
        "aliyun": (ALIYUN_KEY, ALIYUN_SECRET, "", SMS_TEMPLATES),
        "tencent": (TENCENT_ID, TENCENT_KEY, TENCENT_APP, TENCENT_SMS_TEMPLATES),
        "http": ("", HTTP_TOKEN, "", SMS_TEMPLATES),
    }[provider]
    config = {
        "SMS_PROVIDER": provider,
        "SMS_ENDPOINT": gateway.url(provider),
        "SMS_ACCESS_KEY": keys[0],
        "SMS_SECRET": keys[1],
        "SMS_APP_ID": keys[2],
        "SMS_TEMPLATES": keys[3],
        "SMS_SIGN_NAME": "连心测试",
        "SMS_TIMEOUT": 2.0,
        "MAIL_BACKEND": "dev",
        "NOTIFY_RETRY_BASE_SECONDS": 60,
        "NOTIFY_MAX_ATTEMPTS": 4,
        "NOTIFY_CONCURRENCY": 4,
    }
    config.update(extra)
    return config


def mail_config(smtp: SmtpServer, **extra: Any) -> dict[str, Any]:
    """Settings for e-mail through the test's SMTP server."""
    config = {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_DEFAULT_SENDER": "lianxin@example.org",
        "MAIL_TIMEOUT": 5.0,
    }
    config.update(extra)
    return config
