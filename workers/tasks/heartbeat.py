"""The worker's heartbeat in Redis, read by /healthz."""

import time

from celery import current_app, shared_task
from celery.signals import worker_ready

HEARTBEAT_KEY = "lianxin:worker:heartbeat"


def _touch() -> None:
    with current_app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.set(HEARTBEAT_KEY, str(time.time()), ex=120)


@shared_task(name="workers.tasks.heartbeat.beat", ignore_result=True)
def beat() -> None:
    """Record that a worker is alive and taking tasks."""
    _touch()


@worker_ready.connect
def _on_ready(**_kwargs: object) -> None:
    _touch()
