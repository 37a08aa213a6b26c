"""Finding 12: the login limit holds under a burst, per account and per address; proxies are configured."""

import threading
import uuid

from flask import Flask

from tests.conftest import make_app
from tests.factories import PASSWORD
from webapp.auth.models import Role

WRONG = "udpw-wrong-guess"
REFUSED = "用户名或密码不正确"
LOCKED = "登录失败次数过多"


def _post(app: Flask, username: str, password: str, addr: str, forwarded: str = "") -> str:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    data = {"username": username, "password": password}
    return client.post("/login", data=data, headers=headers).get_data(as_text=True)


def test_finding_12_a_burst_of_guesses_gets_at_most_the_limit(app, world) -> None:
    user = world.a.users[Role.BRANCH_SECRETARY]
    guesses = 20
    barrier = threading.Barrier(guesses)
    answers: list[str] = []

    def guess(i: int) -> None:
        barrier.wait()
        # every guess from its own address: only the per-account count can stop them
        answers.append(_post(app, user.username, f"{WRONG}-{i}", f"203.0.113.{i + 1}"))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tried = sum(REFUSED in a for a in answers)
    locked = sum(LOCKED in a for a in answers)
    assert tried + locked == guesses
    assert 1 <= tried <= 5, f"{tried} of {guesses} simultaneous guesses were tried (limit 5)"
    assert LOCKED in _post(app, user.username, PASSWORD, "198.51.100.99")  # locked, even if right


def test_finding_12_forwarded_for_is_ignored_without_a_trusted_proxy(database_url) -> None:
    app = make_app(database_url, LOGIN_MAX_FAILURES=2)  # an address may fail 8 times
    addr = f"192.0.2.{uuid.uuid4().int % 200 + 1}"
    for i in range(8):
        name = f"nobody-{uuid.uuid4().hex[:8]}"
        assert REFUSED in _post(app, name, WRONG, addr, forwarded=f"10.9.8.{i}")
    fresh = f"nobody-{uuid.uuid4().hex[:8]}"
    assert LOCKED in _post(app, fresh, WRONG, addr, forwarded="10.9.9.9")  # a new header: no escape


def test_finding_12_a_trusted_proxy_gives_the_client_address(database_url) -> None:
    app = make_app(database_url, LOGIN_MAX_FAILURES=2, LIANXIN_TRUSTED_PROXIES=1)
    proxy = "10.0.0.2"
    client_a = f"198.18.{uuid.uuid4().int % 250}.1"
    for i in range(8):
        name = f"nobody-{uuid.uuid4().hex[:8]}"
        # a spoofed left-hand entry is not believed: the proxy's own (rightmost) hop counts
        assert REFUSED in _post(app, name, WRONG, proxy, forwarded=f"6.6.6.{i}, {client_a}")
    assert LOCKED in _post(app, f"n-{uuid.uuid4().hex[:8]}", WRONG, proxy, forwarded=client_a)
    client_b = f"198.19.{uuid.uuid4().int % 250}.1"  # another client behind the same proxy
    assert REFUSED in _post(app, f"n-{uuid.uuid4().hex[:8]}", WRONG, proxy, forwarded=client_b)
