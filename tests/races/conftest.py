"""The race tests' fixture: a count of the unique-key violations the database raised."""

import threading

import pytest
from sqlalchemy import event

from webapp.extensions import db


class UniqueViolations:
    """Counts unique-key violations the database raised while the rounds ran: proof that the
    copies really met inside the database, past the application's own check."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, context: object) -> None:
        if getattr(getattr(context, "original_exception", None), "sqlstate", None) == "23505":
            with self._lock:
                self.count += 1

    def check(self, what: str) -> None:
        """Fail when no round reached the database's key (the race test would prove nothing)."""
        assert self.count > 0, f"no round got past the check to {what}"


@pytest.fixture()
def violations(app):
    with app.app_context():
        engine = db.engine
    counter = UniqueViolations()
    event.listen(engine, "handle_error", counter)
    yield counter
    event.remove(engine, "handle_error", counter)
