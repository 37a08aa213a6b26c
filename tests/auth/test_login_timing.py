"""Finding 7: an unknown username costs the same password check as a known one."""

import statistics
import time
import uuid

from flask.testing import FlaskClient

from tests.conftest import make_app
from webapp.auth.models import Role


def _timed_failure(client: FlaskClient, username: str) -> float:
    start = time.perf_counter()
    body = client.post(
        "/login", data={"username": username, "password": "not-the-password-9"}
    ).get_data(as_text=True)
    elapsed = time.perf_counter() - start
    assert "用户名或密码不正确" in body  # the same answer either way
    return elapsed


def test_finding_7_unknown_user_takes_as_long_as_a_known_one(database_url, world) -> None:
    app = make_app(database_url, LOGIN_MAX_FAILURES=1000)  # never throttled during the probe
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    known = world.a.users[Role.TOWNSHIP_ADMIN].username
    _timed_failure(client, f"nobody-{uuid.uuid4().hex[:8]}")  # warm-up: first request, caches
    known_times, unknown_times = [], []
    for _ in range(7):
        known_times.append(_timed_failure(client, known))
        unknown_times.append(_timed_failure(client, f"nobody-{uuid.uuid4().hex[:8]}"))
    known_median = statistics.median(known_times)
    unknown_median = statistics.median(unknown_times)
    assert unknown_median >= 0.5 * known_median, (
        f"unknown {unknown_median * 1000:.1f} ms vs known {known_median * 1000:.1f} ms"
    )
