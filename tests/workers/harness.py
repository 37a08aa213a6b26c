"""A real Celery worker for the tests: `lianxin worker` as a subprocess, and polling helpers."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_for(
    probe: Callable[[], T], done: Callable[[T], bool], timeout: float, what: str = ""
) -> T:
    """Call probe until done(result), or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}; last value: {value!r}")
        time.sleep(0.05)


class Worker:
    """`lianxin worker --concurrency 1` in its own process group, logging to a file.

    preload names a test module imported into the worker before it starts (see poison.py).
    """

    def __init__(self, log_path: Path, queue: str, preload: str | None = None, **env: str) -> None:
        self.log_path = log_path
        self.queue = queue
        self.env = {**os.environ, "CELERY_QUEUE": queue, "PYTHONUNBUFFERED": "1", **env}
        self.proc: subprocess.Popen[bytes] | None = None
        self.argv = [sys.executable, "-m", "webapp.cli", "worker", "--concurrency", "1"]
        if preload:
            run = "import runpy, sys; sys.argv[1:] = {args!r}; runpy.run_module({m!r}, run_name='__main__')"
            code = f"import {preload}; " + run.format(args=self.argv[3:], m="webapp.cli")
            self.argv = [sys.executable, "-c", code]

    def start(self, timeout: float = 30) -> "Worker":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes the pool too
            )

        def ready() -> bool:
            if self.proc is not None and self.proc.poll() is not None:
                pytest.fail(f"worker exited with {self.proc.returncode}:\n{self.log()}")
            return " ready." in self.log()[offset:]

        wait_for(ready, bool, timeout, "the worker to be ready")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pool_pids(self) -> list[int]:
        """The prefork pool's child processes."""
        assert self.proc is not None
        tasks = Path(f"/proc/{self.proc.pid}/task").glob("*/children")
        return sorted(int(pid) for task in tasks for pid in task.read_text().split())

    def kill(self) -> None:
        """SIGKILL the whole worker, pool included: no warm shutdown, no message handed back."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown; SIGKILL if it does not go within 20 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
