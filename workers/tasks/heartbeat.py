"""The worker's heartbeat in Redis, read by /healthz.

The key names the queue, so deployments (or test runs) sharing one Redis with different
CELERY_QUEUE values do not vouch for each other's workers.
"""

import time
from typing import Any

from celery import Celery, current_app, shared_task
from celery.signals import worker_ready

HEARTBEAT_PREFIX = "lianxin:worker:heartbeat"
HEARTBEAT_TTL = 120


def heartbeat_key(queue: str) -> str:
    """The Redis key holding the last heartbeat of the workers of queue."""
    return f"{HEARTBEAT_PREFIX}:{queue}"


def _touch(app: Celery) -> None:
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.set(heartbeat_key(app.conf.task_default_queue), str(time.time()), ex=HEARTBEAT_TTL)


@shared_task(bind=True, name="workers.tasks.heartbeat.beat", max_retries=3, ignore_result=True)
def beat(self: Any) -> None:
    """Record that a worker is alive and taking tasks."""
    _touch(self.app)


@worker_ready.connect
def _on_ready(sender: Any = None, **_kwargs: object) -> None:
    _touch(getattr(sender, "app", None) or current_app)
