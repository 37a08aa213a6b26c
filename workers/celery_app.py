"""Celery wired through the Flask app, as in Flask's own Celery example; build() makes a worker's app."""

from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu import Queue

from workers import deliveries
from workers.schedule import BEAT_SCHEDULE

TASK_MODULES = [
    "workers.tasks.reports",
    "workers.tasks.heartbeat",
    "workers.tasks.census",
    "workers.tasks.imports",
    "workers.tasks.certificates",
    "workers.tasks.letters",
    "workers.tasks.notify",
    "workers.tasks.evaluations",
]


def transport_options(queue: str, visibility_timeout: int) -> dict[str, Any]:
    """Redis transport options; the registry of unacknowledged messages is kept per queue.

    With acks_late a message stays in that registry while its task runs; if the worker dies it
    goes back on its queue once visibility_timeout has passed (on a worker's start, or on its
    periodic sweep). kombu's default registry is shared by every queue of the Redis database, so
    a worker with a short visibility timeout would hand back another deployment's (or test run's)
    messages while they are still running; naming the keys after the queue keeps them apart.
    """
    return {
        "visibility_timeout": visibility_timeout,
        "unacked_key": f"{queue}.unacked",
        "unacked_index_key": f"{queue}.unacked_index",
        "unacked_mutex_key": f"{queue}.unacked_mutex",
    }


def celery_init_app(app: Flask) -> Celery:
    """A Celery app whose tasks run inside this Flask app's context, each delivery counted."""
    cap = app.config["CELERY_MAX_DELIVERIES"]
    # a count must outlive the redeliveries after whole-worker deaths, one visibility timeout each
    count_ttl = app.config["CELERY_VISIBILITY_TIMEOUT"] * (cap + 1) + 3600

    class FlaskTask(Task):
        max_retries = 3
        dead_letter: deliveries.DeadLetter | None = None

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                if not deliveries.admit(self, args, kwargs, cap, count_ttl):
                    return None
                try:
                    return self.run(*args, **kwargs)
                finally:
                    deliveries.finished(self)

    queue = app.config["CELERY_QUEUE"]
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=app.config["REDIS_URL"],
        broker_transport_options=transport_options(queue, app.config["CELERY_VISIBILITY_TIMEOUT"]),
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # a pool process that has grown past this (KiB) is replaced once its task is done
        worker_max_memory_per_child=app.config["CELERY_MAX_MEMORY_KB"],
        task_default_queue=queue,
        task_queues=[Queue(queue)],
        task_serializer="json",
        accept_content=["json"],
        timezone="Asia/Shanghai",
        enable_utc=True,
        include=TASK_MODULES,
        beat_schedule=BEAT_SCHEDULE,
        worker_hijack_root_logger=False,
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def build() -> Celery:
    """The Flask app, built once for this worker process, and its Celery app."""
    from webapp import create_app

    return create_app().extensions["celery"]
