"""Findings 11 and 16: production refuses unsafe settings; public URLs never come from the Host header."""

import logging
import re
from pathlib import Path

import pytest

from tests.conftest import make_app
from webapp import create_app
from webapp.config import ConfigError
from webapp.redaction import redact

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("LIANXIN_ENV", "production")
    monkeypatch.setenv("LIANXIN_PUBLIC_BASE_URL", "https://lianxin.example.gov.cn")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return monkeypatch


def test_finding_16_production_refuses_a_one_character_secret_key(production) -> None:
    production.setenv("SECRET_KEY", "x")
    with pytest.raises(ConfigError, match="SECRET_KEY is 1 characters long"):
        create_app()


@pytest.mark.parametrize("value", ["1", "true", "ON"])
def test_finding_16_production_refuses_flask_debug(production, value: str) -> None:
    production.setenv("FLASK_DEBUG", value)
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        create_app()


def test_finding_16_mailpit_is_bound_to_localhost() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    mailpit = text.split("\n  mailpit:\n", 1)[1].split("\n\n", 1)[0]
    ports = re.findall(r'^\s+- "([^"]+)"', mailpit, re.M)
    assert ports and all(port.startswith("127.0.0.1:") for port in ports), ports


def test_finding_16_receipt_secrets_stay_out_of_the_access_log(caplog) -> None:
    from webapp.redaction import install

    install()
    line = '127.0.0.1 - - "POST /hooks/sms/aliyun/qingxi/s3cr3t-TOKEN_1 HTTP/1.1" 200 -'
    shared = '"POST /hooks/sms/http/Sh4red-secret?x=1 HTTP/1.1" 200'
    assert redact(line) == '127.0.0.1 - - "POST /hooks/sms/aliyun/qingxi/*** HTTP/1.1" 200 -'
    assert "Sh4red-secret" not in redact(shared) and "/hooks/sms/http/***" in redact(shared)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info(line)
    assert "s3cr3t" not in caplog.text and "qingxi/***" in caplog.text


def test_finding_11_production_refuses_to_start_without_a_public_base_url(production) -> None:
    production.delenv("LIANXIN_PUBLIC_BASE_URL")
    with pytest.raises(ConfigError, match="LIANXIN_PUBLIC_BASE_URL"):
        create_app()
    production.setenv("LIANXIN_PUBLIC_BASE_URL", "lianxin.example.gov.cn")
    with pytest.raises(ConfigError, match="https://"):
        create_app()


def test_finding_11_receipt_urls_ignore_a_forged_host_header(database_url, world, production):
    from tests.factories import PASSWORD
    from webapp.auth.models import Role

    app = make_app(database_url, SMS_RECEIPT_SECRET="shared-secret")
    client = app.test_client()
    user = world.a.users[Role.TOWNSHIP_ADMIN]
    forged = "https://evil.example"
    client.post("/login", data={"username": user.username, "password": PASSWORD}, base_url=forged)
    page = client.get(f"/t/{world.a.township.slug}/reminders/settings", base_url=forged)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "evil.example" not in html
    assert re.search(r"https://lianxin\.example\.gov\.cn/hooks/sms/", html)
