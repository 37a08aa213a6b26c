"""/healthz: database, broker and worker heartbeat, for load balancers and operators."""

import time
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from webapp.extensions import db
from workers.tasks.heartbeat import heartbeat_key

bp = Blueprint("health", __name__)
STALE_AFTER = 90


def _database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "error": type(exc).__name__}


def _broker_and_worker() -> tuple[dict[str, Any], dict[str, Any]]:
    celery_app = current_app.extensions["celery"]
    try:
        with celery_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            raw = conn.default_channel.client.get(heartbeat_key(celery_app.conf.task_default_queue))
    except Exception as exc:  # broker unreachable
        return {"ok": False, "error": type(exc).__name__}, {"ok": False, "age_seconds": None}
    if raw is None:
        return {"ok": True}, {"ok": False, "age_seconds": None}
    age = round(time.time() - float(raw), 1)
    return {"ok": True}, {"ok": age < STALE_AFTER, "age_seconds": age}


@bp.route("/healthz")
def healthz() -> Any:
    """200 when database, broker and a worker are all alive; 503 otherwise."""
    database = _database()
    broker, worker = _broker_and_worker()
    ok = database["ok"] and broker["ok"] and worker["ok"]
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "broker": broker,
        "worker": worker,
    }
    return jsonify(body), 200 if ok else 503
