"""The shared Redis connection for cached figures (the broker's Redis, a database of its own)."""

import logging
from urllib.parse import urlparse

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)
KEY = "lianxin_cache_redis"


def _connect(url: str) -> redis.Redis:
    parsed = urlparse(url)
    if parsed.scheme in ("redis+socket", "unix", "socket"):
        return redis.Redis(unix_socket_path=parsed.path, socket_timeout=1)
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def cache_redis(app: Flask | None = None) -> redis.Redis:
    """This app's Redis client for caching (created once per app)."""
    app = app or current_app
    client = app.extensions.get(KEY)
    if client is None:
        client = app.extensions[KEY] = _connect(
            app.config.get("CACHE_REDIS_URL") or app.config["REDIS_URL"]
        )
    return client
