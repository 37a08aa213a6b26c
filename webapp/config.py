"""Settings from the environment, with embedded defaults that need no servers."""

import os
import secrets
from pathlib import Path
from typing import Any

from webapp.crypto import load_or_create_dev_keys


class ConfigError(RuntimeError):
    """A setting required in this mode is missing."""


def _instance_secret(instance: Path) -> str:
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def embedded_redis_socket(instance: Path) -> Path:
    """Where the embedded Redis listens when REDIS_URL is not set."""
    return instance / "redis.sock"


MIN_SECRET_KEY_LENGTH = 32


def _refuse_unsafe_production(secret: str | None, public_base_url: str) -> None:
    """Production must not start with a guessable key, the debugger on, or no public address."""
    if not secret:
        raise ConfigError("SECRET_KEY must be set when LIANXIN_ENV=production")
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is {len(secret)} characters long; production needs at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')"
        )
    if os.environ.get("FLASK_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}:
        raise ConfigError("FLASK_DEBUG is on: the debugger runs code for anyone; unset it")
    if not public_base_url:
        raise ConfigError(
            "LIANXIN_PUBLIC_BASE_URL must be set in production (e.g. https://lianxin.example.gov.cn): "
            "QR codes, invitations and receipt URLs are built from it, never from the Host header"
        )


def _public_base_url() -> str:
    value = os.environ.get("LIANXIN_PUBLIC_BASE_URL", "").strip().rstrip("/")
    if value and not value.startswith(("https://", "http://")):
        raise ConfigError(f"LIANXIN_PUBLIC_BASE_URL must start with https:// (got {value!r})")
    return value


def from_env(instance: Path) -> dict[str, Any]:
    """The whole configuration, read from os.environ."""
    env = os.environ.get("LIANXIN_ENV", "development")
    production = env == "production"
    secret = os.environ.get("SECRET_KEY")
    public_base_url = _public_base_url()
    if production:
        _refuse_unsafe_production(secret, public_base_url)
    if not secret:
        secret = _instance_secret(instance)
    data_keys = os.environ.get("LIANXIN_DATA_KEYS")
    index_key = os.environ.get("LIANXIN_INDEX_KEY")
    if not (data_keys and index_key):
        if production:
            raise ConfigError("LIANXIN_DATA_KEYS and LIANXIN_INDEX_KEY must be set in production")
        material = load_or_create_dev_keys(instance / "keys.json")
        data_keys = ",".join(material["data_keys"])
        index_key = material["index_key"]
    redis_url = os.environ.get("REDIS_URL") or (f"redis+socket://{embedded_redis_socket(instance)}")
    return {
        "LIANXIN_ENV": env,
        "SECRET_KEY": secret,
        # where QR codes, invitations and receipt URLs point; unset outside production: the request's
        "PUBLIC_BASE_URL": public_base_url,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'lianxin.db'}"),
        "DATABASE_APP_ROLE": os.environ.get("DATABASE_APP_ROLE", "lianxin_app"),
        "DATABASE_POOL_SIZE": _int("DATABASE_POOL_SIZE", 5),
        "REDIS_URL": redis_url,
        "REDIS_EMBEDDED": not os.environ.get("REDIS_URL"),
        "CACHE_NAMESPACE": os.environ.get("CACHE_NAMESPACE", "main"),
        "CELERY_QUEUE": os.environ.get("CELERY_QUEUE", "lianxin"),
        "CELERY_VISIBILITY_TIMEOUT": _int("CELERY_VISIBILITY_TIMEOUT", 3600),
        "CELERY_MAX_DELIVERIES": _int("CELERY_MAX_DELIVERIES", 3),
        "CELERY_MAX_MEMORY_KB": _int("CELERY_MAX_MEMORY_KB", 512_000),
        "DATA_KEYS": [k.strip() for k in data_keys.split(",") if k.strip()],
        "INDEX_KEY": index_key,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "lianxin@localhost"),
        "SMS_PROVIDER": os.environ.get("SMS_PROVIDER", "dev"),
        "SMS_ACCESS_KEY": os.environ.get("SMS_ACCESS_KEY", ""),
        "SMS_SECRET": os.environ.get("SMS_SECRET", ""),
        "SMS_SIGN_NAME": os.environ.get("SMS_SIGN_NAME", ""),
        "SMS_ENDPOINT": os.environ.get("SMS_ENDPOINT", ""),
        "SMS_APP_ID": os.environ.get("SMS_APP_ID", ""),  # Tencent SmsSdkAppId
        "SMS_REGION": os.environ.get("SMS_REGION", ""),
        "SMS_TIMEOUT": float(os.environ.get("SMS_TIMEOUT", "10")),
        "SMS_TEMPLATES": os.environ.get("SMS_TEMPLATES", "{}"),  # JSON: rule -> template id, params
        # the key in the shared account's receipt URL /hooks/sms/<provider>/<secret>; unset: off
        "SMS_RECEIPT_SECRET": os.environ.get("SMS_RECEIPT_SECRET", "").strip(),
        "MAIL_BACKEND": os.environ.get(
            "MAIL_BACKEND", "smtp" if os.environ.get("MAIL_SERVER") else "dev"
        ),
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "0") == "1",
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
        "NOTIFY_QUIET_HOURS": os.environ.get("NOTIFY_QUIET_HOURS", "21:00-08:00"),
        "NOTIFY_SMS_PER_NUMBER_DAILY": _int("NOTIFY_SMS_PER_NUMBER_DAILY", 50),
        "NOTIFY_SMS_PER_TOWNSHIP_DAILY": _int("NOTIFY_SMS_PER_TOWNSHIP_DAILY", 5000),
        "NOTIFY_MAX_ATTEMPTS": _int("NOTIFY_MAX_ATTEMPTS", 6),
        "NOTIFY_RETRY_BASE_SECONDS": float(os.environ.get("NOTIFY_RETRY_BASE_SECONDS", "60")),
        "NOTIFY_LEASE_SECONDS": float(os.environ.get("NOTIFY_LEASE_SECONDS", "120")),
        "NOTIFY_BATCH_SIZE": _int("NOTIFY_BATCH_SIZE", 200),
        "NOTIFY_CONCURRENCY": _int("NOTIFY_CONCURRENCY", 8),
        "NOTIFY_CHUNK": _int("NOTIFY_CHUNK", 100),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 12),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int("LOGIN_LOCK_MINUTES", 15),
        # reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted; 0: none
        "LIANXIN_TRUSTED_PROXIES": _int("LIANXIN_TRUSTED_PROXIES", 0),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "JSON_MAX_BYTES": _int("JSON_MAX_BYTES", 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "API_TITLE": "Lianxin API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
