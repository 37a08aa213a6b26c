"""`lianxin run` (bin/run): the embedded Redis, migrations, demo data on the first run, then the
web server with a Celery worker and beat, until Ctrl-C or SIGTERM; then each stopped in turn and
exit 0, without a traceback.

The children run in sessions of their own, so Ctrl-C at the terminal reaches only this process,
which stops the worker and beat (Celery's warm shutdown) before the Redis they talk to. Started
by bin/run it has SIGINT ignored and gets SIGTERM for Ctrl-C instead.
"""

import signal
import subprocess
import sys
import time
from logging import Logger
from pathlib import Path
from typing import Any

import click
from alembic import command
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from migrations import alembic_config
from tenants.context import system_context_unsafe
from tenants.models import Township
from webapp import create_app
from webapp.extensions import db
from webapp.runlog import configure_run_logging

Children = list[subprocess.Popen[str]]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
DEMO_MARKER = "demo-loading"  # in the instance folder while the demo data is being loaded


def _interrupt(_signum: int, _frame: object) -> None:
    for number in STOP_SIGNALS:  # once is enough: a second Ctrl-C waits for the children
        signal.signal(number, signal.SIG_IGN)
    raise KeyboardInterrupt


def child(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    """`lianxin ARGS` in a session of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "webapp.cli", *args], start_new_session=True, text=True, **kwargs
    )


def stop(children: Children, redis_proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM to each child still running, a kill after 15 s, then the embedded Redis."""
    for proc in children:
        if proc.poll() is None:
            proc.terminate()
    for proc in children:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    if redis_proc is not None:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)


def demo_data(app: Flask, children: Children, log: Logger) -> None:
    """The demo data on the first run (in a child, about a minute), saying so meanwhile. The
    loading commits as it goes: a marker file says when a run was stopped in the middle of it."""
    marker = Path(app.instance_path) / DEMO_MARKER
    with app.app_context(), system_context_unsafe():
        present = db.session.scalar(select(Township.id).limit(1)) is not None
        db.session.remove()
    if present and marker.exists():
        log.warning(
            "上次载入演示数据时被中断，演示数据不完整：清空数据库（默认是 instance/lianxin.db）"
            "并删除 %s 后重新运行，即可重新载入",
            marker,
        )
    if present:
        log.info("演示数据已有，不再重复载入")
        return
    log.info("正在准备演示数据（首次约1分钟）…")
    marker.touch()
    demo = child("demo", "--if-empty", "--quiet", stdout=subprocess.DEVNULL)
    children.append(demo)
    started = time.monotonic()
    while True:
        try:
            demo.wait(timeout=15)
            break
        except subprocess.TimeoutExpired:
            log.info("  仍在准备演示数据，已用 %d 秒…", time.monotonic() - started)
    if demo.returncode:
        raise click.ClickException(f"演示数据未能载入（退出码 {demo.returncode}）")
    marker.unlink()
    log.info("演示数据已载入，用时 %d 秒", time.monotonic() - started)


def _welcome(log: Logger, host: str, port: int) -> None:
    from webapp.demo import DEMO_LOGINS

    log.info("连心 Lianxin 已启动：http://%s:%s/", host, port)
    log.info("演示账号（密码均为 %s）：", DEMO_LOGINS[0][2])
    for username, label, _ in DEMO_LOGINS:
        log.info("    %-14s %s", username, label)
    log.info("按 Ctrl-C 停止网站、worker 和 beat。")


def run_everything(host: str, port: int) -> None:
    """Everything `lianxin run` starts, until Ctrl-C or SIGTERM."""
    log = configure_run_logging()
    for number in STOP_SIGNALS:  # SIGINT left ignored if it was (bin/run sends SIGTERM instead)
        if signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, _interrupt)
    children: Children = []
    redis_proc = None
    try:
        app = create_app()
        if app.config["REDIS_EMBEDDED"]:
            from webapp.embedded import ensure_embedded_redis

            log.info("正在启动内置 Redis…")
            redis_proc = ensure_embedded_redis(Path(app.instance_path), own_session=True)
        log.info("正在更新数据库…")
        command.upgrade(alembic_config(app.config["DATABASE_URL"]), "head")
        demo_data(app, children, log)
        log.info("正在启动后台任务（Celery worker 和 beat）…")
        children += [child("worker", "--quiet"), child("beat", "--quiet")]
        server = make_server(host, port, app, threaded=True)
        _welcome(log, host, port)
        server.serve_forever()  # returns on Ctrl-C or SIGTERM (werkzeug ends it quietly)
    except KeyboardInterrupt:
        pass  # before the server was up: stop what has started, as below
    finally:
        for number in STOP_SIGNALS:  # a second Ctrl-C waits for the children
            signal.signal(number, signal.SIG_IGN)
        log.info("正在停止…")
        stop(children, redis_proc)
    log.info("已停止。")
