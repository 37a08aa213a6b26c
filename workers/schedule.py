"""The beat schedule: each entry asks the database (or the broker) what is due now."""

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {"task": "workers.tasks.heartbeat.beat", "schedule": 15.0},
    # reminders: what is due now in each township (the outbox's unique key makes reruns no-ops)
    "reminders-due": {"task": "workers.tasks.notify.run_rules", "schedule": 600.0},
    # delivery: retries, held messages and lost leases, in every township with something due
    "notify-sweep": {"task": "workers.tasks.notify.sweep", "schedule": 30.0},
    # the county roll-up: count today's census of townships that changed (or all, after midnight)
    "census-warm": {"task": "workers.tasks.census.warm", "schedule": 300.0},
}
