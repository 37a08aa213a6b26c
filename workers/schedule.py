"""The beat schedule: each entry asks the database (or the broker) what is due now."""

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {"task": "workers.tasks.heartbeat.beat", "schedule": 15.0},
}
