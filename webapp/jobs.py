"""Queue Celery jobs only after the transaction that gave them their reason commits.

A job belongs to the transaction (or savepoint) that was innermost when it was asked for: it is
sent when the outermost transaction commits, and dropped when that transaction, or the savepoint
it was asked for in, rolls back, or when the session is closed without committing.
"""

from typing import Any

from celery import Celery
from celery import current_app as celery_current
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from tenants.scoping import TenantSession

_KEY = "lianxin_pending_jobs"

Pending = tuple[SessionTransaction, str, tuple[Any, ...]]


def enqueue_after_commit(
    session: Session | scoped_session[Any], task_name: str, *args: Any
) -> None:
    """Send task_name(*args) once session commits; drop it if the session rolls back."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        # Tie the job to a transaction now: otherwise a rollback before the first statement
        # would not drop it, and the next, unrelated, commit would send it.
        session.begin()
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None
    session.info.setdefault(_KEY, []).append((transaction, task_name, args))


def _celery() -> Celery:
    """The Celery app of the Flask app in context (its broker and queue), else the current one."""
    if has_app_context() and "celery" in current_app.extensions:
        return current_app.extensions["celery"]
    return celery_current


def _send(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released; the outer transaction may still roll back
    pending: list[Pending] = session.info.pop(_KEY, [])
    if not pending:
        return
    celery_app = _celery()
    for _, task_name, args in pending:
        celery_app.send_task(task_name, args=list(args))


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending: list[Pending] | None = session.info.get(_KEY)
    if pending:
        session.info[_KEY] = [p for p in pending if not _within(p[0], previous_transaction)]


def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # after a commit the list is already empty
        session.info.pop(_KEY, None)


event.listen(TenantSession, "after_commit", _send)
event.listen(TenantSession, "after_soft_rollback", _drop_rolled_back)
event.listen(TenantSession, "after_transaction_end", _drop_uncommitted)
