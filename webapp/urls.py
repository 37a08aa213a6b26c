"""The site's public address: from configuration, never from the request's Host header in production."""

from flask import current_app, request


def public_base_url() -> str:
    """LIANXIN_PUBLIC_BASE_URL; outside production, when unset, the address the request came to."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    return (configured or request.url_root).rstrip("/")
