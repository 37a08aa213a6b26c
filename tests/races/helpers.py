"""Two writers at once: requests released together on their own connections, and a write
committed by someone else between a request's check and its insert."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from tenants.context import tenant_context
from tenants.scoping import TenantSession
from tests.factories import token_for
from webapp.auth.models import User
from webapp.extensions import db

ROUNDS = 50


def bearer(app: Flask, user: User) -> dict[str, str]:
    """API headers of a fresh token of user."""
    with app.app_context():
        return {"Authorization": f"Bearer {token_for(user)}"}


def at_once(app: Flask, send: Callable[[FlaskClient], TestResponse], copies: int = 2) -> list[int]:
    """Status codes of `copies` identical requests, each from its own thread and client (so its
    own session and database connection), all released by one barrier."""
    barrier = threading.Barrier(copies)
    statuses: list[int] = [0] * copies
    failures: list[BaseException] = []

    def one(index: int) -> None:
        client = app.test_client()
        try:
            barrier.wait(10)
            statuses[index] = send(client).status_code
        except BaseException as exc:  # reported to the test below
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not failures, failures
    assert all(not t.is_alive() for t in threads), "a request hung"
    return statuses


@contextmanager
def committed_meanwhile(tenant_id: int, write: Callable[[TenantSession], Any]) -> Iterator[list]:
    """Just before the next flush of any session, run write in a session of its own and commit
    it: as if another clerk's request had committed between this request's check and its
    insert. Yields a list that holds True once the competing write ran."""
    ran: list[bool] = []

    def before_flush(*_args: Any) -> None:
        if ran:
            return
        ran.append(True)
        with tenant_context(tenant_id):
            other = TenantSession(bind=db.engine, expire_on_commit=False)
            try:
                write(other)
                other.commit()
            finally:
                other.close()

    event.listen(TenantSession, "before_flush", before_flush)
    try:
        yield ran
    finally:
        event.remove(TenantSession, "before_flush", before_flush)
