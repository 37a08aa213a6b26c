"""The redelivery cap: a message whose task keeps killing its worker is run at most N times.

Every task is acks_late with reject_on_worker_lost, so a message is acknowledged only when its
task returns or raises. If the pool process dies instead (a segfault in a parser, the kernel's
OOM killer, a SIGKILL), the message goes back on the queue, at its head, and is taken again at
once: a file that crashes the parser would crash the shared worker for ever, and every township's
work would wait behind it.

So each delivery is counted in Redis before the task runs, keyed by the task id and its retry
number (a retry is a new message with the same id and retries + 1; it has its own count). The
count is removed when the task returns or raises: only a delivery that took its process with it
leaves its count behind. The delivery after the cap does not run the task: it hands the task's
arguments to the task's dead_letter handler (which records, for the township to see, that the
work could not be done), and returns, so the message is acknowledged and gone.
"""

import logging
from collections.abc import Callable
from typing import Any

from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "lianxin:deliveries"
UNREACHABLE = (RedisError, OperationalError, OSError)

# a task's dead_letter option: a function of (task, *args, **kwargs), called as a method
DeadLetter = Callable[..., None]


def delivery_key(queue: str, task_id: str, retries: int) -> str:
    """The Redis key counting the deliveries of one message."""
    return f"{PREFIX}:{queue}:{task_id}:{retries}"


def _counted(task: Any) -> bool:
    request = task.request
    return bool(request.id) and not request.called_directly and not request.is_eager


def _key(task: Any) -> str:
    return delivery_key(task.app.conf.task_default_queue, task.request.id, task.request.retries)


def admit(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any], cap: int, ttl: int) -> bool:
    """Count this delivery; False (after the dead-letter handler ran) when it is past the cap."""
    if not _counted(task):
        return True
    key = _key(task)
    try:
        with task.app.pool.acquire(block=True) as conn:
            client = conn.default_channel.client
            deliveries, _ = client.pipeline().incr(key).expire(key, ttl).execute()
            if deliveries <= cap:
                return True
            client.delete(key)
    except UNREACHABLE:  # no count is no reason to drop the work: run it uncounted
        log.warning("could not count the deliveries of %s[%s]", task.name, task.request.id)
        return True
    log.error(
        "task %s[%s] was delivered %s times and its worker process died each time: "
        "not run again, marked dead (args %r)",
        task.name,
        task.request.id,
        deliveries - 1,
        args,
    )
    handler: DeadLetter | None = getattr(task, "dead_letter", None)
    if handler is not None:
        try:
            handler(*args, **kwargs)
        except Exception:  # the message is dropped all the same: it must not come back
            log.exception("dead-letter handler of %s failed", task.name)
    return False


def finished(task: Any) -> None:
    """The task returned or raised in this process: its message is acknowledged, forget it."""
    if not _counted(task):
        return
    try:
        with task.app.pool.acquire(block=True) as conn:
            conn.default_channel.client.delete(_key(task))
    except UNREACHABLE:  # the count expires on its own; the task's outcome stands
        log.warning("could not clear the delivery count of %s[%s]", task.name, task.request.id)
