"""Logging for `lianxin run` (bin/run): what an operator needs — the start-up steps, warnings and
errors — and no line per request or per task.

The web server's request log (werkzeug) is kept to warnings; the Celery worker and beat started
by `run` log at WORKER_LOGLEVEL without their banners (see webapp.cli); our own start-up lines go
through the "lianxin" logger at INFO. Phone and ID numbers are masked as everywhere else.
Celery's ten-line warning about a worker running as root (the usual case in a container, where
bin/run is a demo) is left out of the run mode.
"""

import logging
import sys
import warnings
from typing import TextIO

from webapp.redaction import RedactingFilter

LOGGER = "lianxin"
WORKER_LOGLEVEL = "WARNING"  # no "Task … received / succeeded" line per task
QUIET_LOGGERS = ("werkzeug",)  # one line per request at INFO


class RunFormatter(logging.Formatter):
    """Start-up lines as a time and the message; warnings and errors with level and source."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(message)s", "%H:%M:%S")
        self._loud = logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"
        )

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno >= logging.WARNING:
            return self._loud.format(record)
        return super().format(record)


def configure_run_logging(stream: TextIO | None = None) -> logging.Logger:
    """One handler on the root logger at WARNING, the quiet loggers at WARNING, ours at INFO;
    returns our logger."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(RunFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    log = logging.getLogger(LOGGER)
    log.setLevel(logging.INFO)
    return log


def celery_log_options(quiet: bool) -> tuple[list[str], str]:
    """Celery's global options and log level for a worker or beat: with quiet (as `run` starts
    them) no banner, warnings and errors only, and no warning about running as root."""
    if not quiet:
        return [], "INFO"
    from celery.exceptions import SecurityWarning

    warnings.filterwarnings(
        "ignore", message="You're running the worker with superuser", category=SecurityWarning
    )
    return ["--quiet"], WORKER_LOGLEVEL
