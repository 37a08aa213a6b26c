"""Issue 10: a process killed in the middle of receiving a member leaves nothing half done, and
the retry finishes the transfer. PostgreSQL only: the test holds a row lock the receiving process
needs late in its transaction, waits until that process is blocked on it (its stub and closings
already written in its open transaction), and kills it with SIGKILL."""

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from tenants.context import tenant_context
from tests.conftest import BACKEND
from tests.factories import make_member, make_user
from tests.transfers.helpers import TODAY, incoming_of, issued_to, load
from webapp.auth.models import Role, User
from webapp.extensions import db
from webapp.members.models import Member, MemberStatus
from webapp.transfers import crossing
from webapp.transfers.models import IncomingStatus, IncomingTransfer, Transfer, TransferStatus

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="needs a second real connection holding a row lock"
)

RECEIVE = """
import sys
from datetime import date
from webapp import create_app
from tenants.context import tenant_context
from tenants.models import Township
from webapp.extensions import db
from webapp.transfers import crossing
from webapp.transfers.models import IncomingTransfer

app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True})
with app.app_context(), tenant_context(int(sys.argv[2])):
    row = db.session.get(IncomingTransfer, int(sys.argv[3]))
    crossing.receive(db.session, None, db.session.get(Township, int(sys.argv[2])), row, date.today())
print("finished")
"""


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _wait_until_blocked(
    conn: psycopg.Connection, child: subprocess.Popen, seconds: float = 20
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and child.poll() is None:
        blocked = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
        if blocked:
            return
        time.sleep(0.05)
    raise AssertionError(f"the receiving process {child.pid} never reached the lock")


def test_a_receive_killed_midway_changes_nothing_and_the_retry_finishes(app, world, database_url):
    home, receiver = world.a, world.a2
    with app.app_context():
        member = make_member(home.township, home.branch)
        login = make_user(Role.MEMBER, home.township, branch=home.branch, member=member)
        transfer_id = issued_to(home, receiver, member.id)
        row_id = incoming_of(receiver, transfer_id).id
    lock = psycopg.connect(_plain(database_url))
    lock.execute("SELECT id FROM users WHERE id = %s FOR UPDATE", (login.id,))
    watcher = psycopg.connect(_plain(database_url), autocommit=True)
    child = subprocess.Popen(
        [sys.executable, "-c", RECEIVE, database_url, str(receiver.township.id), str(row_id)],
        cwd=os.getcwd(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        try:
            _wait_until_blocked(watcher, child)
        except AssertionError:
            child.kill()
            raise AssertionError(child.communicate()[1].decode()[-3000:]) from None
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        lock.rollback()
        lock.close()
        watcher.close()
    assert child.returncode == -signal.SIGKILL
    with app.app_context():
        # nothing half done: still on the home register, the letter still waiting
        assert load(home, Member, member.id).status == MemberStatus.FULL
        assert load(home, Transfer, transfer_id).status == TransferStatus.ISSUED
        assert load(receiver, IncomingTransfer, row_id).status == IncomingStatus.WAITING
        with tenant_context(receiver.township.id):
            row = db.session.get(IncomingTransfer, row_id)
            arrived = crossing.receive(db.session, None, receiver.township, row, TODAY)
            arrived_id = arrived.id
            db.session.remove()
        assert load(home, Member, member.id).status == MemberStatus.TRANSFERRED_OUT
        assert load(home, Transfer, transfer_id).status == TransferStatus.RECEIVED
        with tenant_context(receiver.township.id):
            assert db.session.get(User, login.id).member_id == arrived_id
            db.session.remove()
