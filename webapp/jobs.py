"""Queue Celery jobs only after the transaction that gave them their reason commits."""

from typing import Any

from celery import current_app as celery_current
from sqlalchemy import event
from sqlalchemy.orm import Session

from tenants.scoping import TenantSession

_KEY = "lianxin_pending_jobs"


def enqueue_after_commit(session: Session, task_name: str, *args: Any) -> None:
    """Send task_name(*args) once session commits; drop it if the session rolls back."""
    session.info.setdefault(_KEY, []).append((task_name, args))


def _send(session: Session) -> None:
    for task_name, args in session.info.pop(_KEY, []):
        celery_current.send_task(task_name, args=list(args))


def _drop(session: Session, *_: Any) -> None:
    session.info.pop(_KEY, None)


event.listen(TenantSession, "after_commit", _send)
event.listen(TenantSession, "after_soft_rollback", _drop)
