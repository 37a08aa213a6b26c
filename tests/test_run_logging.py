"""`lianxin run` (bin/run) logs what an operator needs: its start-up steps, warnings and errors;
no line per request or per task; numbers masked; and it stops its children in order."""

import io
import logging
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pytest

from webapp.runlog import LOGGER, celery_log_options, configure_run_logging
from webapp.runner import stop


@pytest.fixture()
def run_logging() -> Iterator[io.StringIO]:
    """The run mode's logging on a buffer; the process's logging as it was afterwards."""
    names = ("", "werkzeug", LOGGER)
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in names}
    out = io.StringIO()
    configure_run_logging(out)
    yield out
    for name, (handlers, level) in saved.items():
        logging.getLogger(name).handlers = handlers
        logging.getLogger(name).setLevel(level)


def test_requests_are_not_logged_start_up_and_warnings_are(run_logging: io.StringIO) -> None:
    assert logging.getLogger("werkzeug").level == logging.WARNING
    assert logging.getLogger().level == logging.WARNING
    assert logging.getLogger(LOGGER).getEffectiveLevel() == logging.INFO
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /t/x/ HTTP/1.1" 200 -')
    logging.getLogger("celery.app.trace").info("Task workers.tasks.heartbeat succeeded")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger(LOGGER).info("正在准备演示数据…")
    logging.getLogger("werkzeug").warning("bad request version")
    logging.getLogger("webapp").error("短信发送失败 13912345678")
    lines = run_logging.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert lines[0].endswith(" 正在准备演示数据…") and "INFO" not in lines[0]
    assert lines[1].endswith("WARNING werkzeug: bad request version")
    assert "ERROR webapp: 短信发送失败" in lines[2] and "13912345678" not in lines[2]


def test_run_starts_worker_and_beat_quiet() -> None:
    with warnings.catch_warnings():
        assert celery_log_options(True) == (["--quiet"], "WARNING")
    assert celery_log_options(False) == ([], "INFO")  # `lianxin worker` by hand: as before


def test_stop_ends_every_child_then_redis() -> None:
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    children = [subprocess.Popen(sleeper, text=True) for _ in range(2)]
    redis = subprocess.Popen(sleeper)
    stop(children, redis)
    assert all(p.returncode is not None for p in [*children, redis])


def test_a_demo_load_stopped_half_way_is_reported(app, world, tmp_path, caplog) -> None:
    from webapp.runner import DEMO_MARKER, demo_data

    app.instance_path = str(tmp_path)
    children: list[subprocess.Popen[str]] = []
    log = logging.getLogger(LOGGER)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        demo_data(app, children, log)  # townships exist: nothing to load, nothing to warn about
        (tmp_path / DEMO_MARKER).touch()
        demo_data(app, children, log)
    assert children == []
    warnings_ = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings_) == 1 and "演示数据不完整" in warnings_[0]
    assert sum("演示数据已有" in r.getMessage() for r in caplog.records) == 2
