"""Reminder benchmark: due-set computation and enqueue for 120k mobile members, and dispatch
throughput to a local SMS gateway as a ratio to a no-op Celery task's rate, in the same run.

    .venv/bin/python -m benchmarks.notify_bench [--members 120000] [--townships 24]
                                                [--dispatch 20000] [--noop 5000] [--keep]

Needs PostgreSQL (LIANXIN_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/postgres) and
Redis (REDIS_URL, default redis://127.0.0.1:6379/0). It creates the database lianxin_bench_notify
(dropped afterwards unless --keep), starts one `lianxin worker --concurrency 2` on a private
queue and the fake Aliyun gateway of tests/notifications/fakes.py in this process.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("LIANXIN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "lianxin_bench_notify"
QUEUE = f"lianxin-bench-notify-{uuid.uuid4().hex[:6]}"
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, outside quiet hours


def _setup_environment(keys: dict[str, Any]) -> str:
    url = (
        PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + DB_NAME
    )
    os.environ.update(
        DATABASE_URL=url,
        LIANXIN_DATA_KEYS=",".join(keys["data_keys"]),
        LIANXIN_INDEX_KEY=keys["index_key"],
        SECRET_KEY="bench-" + QUEUE,
        CELERY_QUEUE=QUEUE,
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    return url


def _create_database() -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _drop_database() -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def generate(members: int, townships: int) -> list[int]:
    """Townships whose members are all away with an expected return in the past."""
    from sqlalchemy import insert

    from tenants.context import system_context_unsafe
    from tenants.models import County, Township
    from webapp.branches.models import Branch
    from webapp.crypto import keyring
    from webapp.departures.models import Departure
    from webapp.extensions import db
    from webapp.members.models import Gender, Member, MemberStatus

    rng = random.Random(7)
    per = members // townships
    ids: list[int] = []
    with system_context_unsafe():
        county = County(name="基准县", code="339999")
        db.session.add(county)
        db.session.flush()
        for t in range(townships):
            township = Township(
                county_id=county.id, name=f"基准镇{t}", slug=f"bench-{t}", division_code="330624"
            )
            db.session.add(township)
            db.session.flush()
            branch = Branch(tenant_id=township.id, name=f"基准支部{t}")
            db.session.add(branch)
            db.session.flush()
            rows = []
            for i in range(per):
                number = f"{t:03d}{i:015d}"
                rows.append(
                    {
                        "tenant_id": township.id,
                        "branch_id": branch.id,
                        "name": f"党员{t}-{i}",
                        "gender": Gender.MALE,
                        "birth_date": date(1980, 1, 1) + timedelta(days=rng.randrange(8000)),
                        "ethnicity": "汉族",
                        "id_number": number,
                        "id_number_index": keyring.blind_index(number),
                        "phone": f"13{t:03d}{i:06d}",
                        "email": "",
                        "join_date": date(2005, 7, 1),
                        "status": MemberStatus.FULL,
                    }
                )
            member_ids = db.session.scalars(insert(Member).returning(Member.id), rows).all()
            db.session.execute(
                insert(Departure),
                [
                    {
                        "tenant_id": township.id,
                        "member_id": mid,
                        "departed_on": date(2025, 9, 1),
                        "expected_return": date(2026, 2, 1) + timedelta(days=rng.randrange(30)),
                        "return_notes": "",
                    }
                    for mid in member_ids
                ],
            )
            db.session.commit()
            ids.append(township.id)
    db.session.remove()
    return ids


def due_and_enqueue(township_ids: list[int]) -> tuple[float, int]:
    """Run the rules of every township (what beat does); seconds and messages queued."""
    from tenants.context import tenant_context
    from tenants.models import Township
    from webapp.extensions import db
    from webapp.reminders.engine import run_township

    queued = 0
    start = time.perf_counter()
    for tid in township_ids:
        with tenant_context(tid):
            result = run_township(db.session, db.session.get(Township, tid), NOW)
            queued += sum(result.values())
        db.session.remove()
    return time.perf_counter() - start, queued


def _worker(log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "webapp.cli", "worker", "--concurrency", "2"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)
    return proc


def _drained(client: Any) -> bool:
    from workers.celery_app import transport_options

    unacked = transport_options(QUEUE, 3600)["unacked_key"]
    return client.llen(QUEUE) == 0 and client.hlen(unacked) == 0


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """pid -> (group, CPU seconds so far) for this process (the gateway lives here), the
    worker's processes, PostgreSQL's and Redis's (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        pid = int(entry.name)
        if pid == os.getpid():
            out[pid] = ("gateway+bench", seconds)
        elif "webapp.cli worker" in cmdline and QUEUE in environ:
            out[pid] = ("worker", seconds)
        elif name.startswith("postgres"):
            out[pid] = ("postgres", seconds)
        elif name.startswith("redis-server"):
            out[pid] = ("redis", seconds)
    return out


def cpu_per_item(before: dict[int, tuple[str, float]], count: int) -> str:
    """ "worker 0.31 ms, postgres 0.12 ms, ..." per item since before (processes that ended in
    between are missed: PostgreSQL backends of other databases come and go)."""
    spent = {"gateway+bench": 0.0, "worker": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid, (group, seconds) in cpu_seconds().items():
        spent[group] += seconds - before.get(pid, (group, 0.0))[1]
    return ", ".join(f"{k} {1000 * v / count:.2f} ms" for k, v in spent.items())


def noop_rate(celery: Any, client: Any, count: int) -> float:
    """Tasks per second for `count` no-op tasks, loaded while the worker is not consuming."""
    celery.control.cancel_consumer(QUEUE, reply=True, timeout=5)
    with celery.producer_or_acquire() as producer:
        for _ in range(count):
            celery.send_task("workers.tasks.notify.noop", producer=producer)
    start = time.perf_counter()
    celery.control.add_consumer(QUEUE, reply=True, timeout=5)
    while not _drained(client):
        time.sleep(0.02)
    return count / (time.perf_counter() - start)


def dispatch_rate(celery: Any, township_ids: list[int], total: int) -> tuple[float, int]:
    """Messages per second for the queued messages of township_ids (one dispatch task each;
    each takes a batch and asks for the next)."""
    from sqlalchemy import func, select

    from notifications.models import Message, State
    from tenants.context import system_context_unsafe
    from webapp.extensions import db

    def sent() -> int:
        with system_context_unsafe():
            n = db.session.scalar(
                select(func.count(Message.id)).where(
                    Message.state == State.SENT, Message.tenant_id.in_(township_ids)
                )
            )
            db.session.remove()
            return n or 0

    start = time.perf_counter()
    for tid in township_ids:
        celery.send_task("workers.tasks.notify.dispatch", args=[tid])
    deadline, sweep_at = start + 600, start + 2
    while (done := sent()) < total and time.perf_counter() < deadline:
        if time.perf_counter() > sweep_at:  # what beat's sweep does: pick up the retries
            for tid in township_ids:  # (of these townships only: the others stay queued)
                celery.send_task("workers.tasks.notify.dispatch", args=[tid])
            sweep_at += 2
        time.sleep(0.25)
    return done / (time.perf_counter() - start), done


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=120_000)
    parser.add_argument("--townships", type=int, default=24)
    parser.add_argument(
        "--dispatch", type=int, default=20_000, help="messages to send to the gateway"
    )
    parser.add_argument("--noop", type=int, default=5000, help="no-op tasks for the baseline")
    parser.add_argument("--provider", choices=["aliyun", "http"], default="aliyun")
    parser.add_argument("--concurrency", type=int, default=8, help="sends in flight per task")
    parser.add_argument("--chunk", type=int, default=250, help="messages claimed at a time")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    from webapp.crypto import new_key_material

    _setup_environment(new_key_material())
    _create_database()
    from alembic import command

    from migrations import alembic_config

    command.upgrade(alembic_config(os.environ["DATABASE_URL"]), "head")

    import redis

    from tests.notifications.conftest import SMS_TEMPLATES
    from tests.notifications.fakes import ALIYUN_KEY, ALIYUN_SECRET, HTTP_TOKEN, SmsGateway
    from webapp import create_app

    # the web side queues its dispatch tasks on a queue nobody reads: this run sends them itself
    app = create_app({"CELERY_QUEUE": QUEUE + "-unread"})
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    gateway = SmsGateway().__enter__()
    log = Path(f"/tmp/{QUEUE}.log")
    worker = None
    try:
        with app.app_context():
            t0 = time.perf_counter()
            township_ids = generate(args.members, args.townships)
            print(
                f"generated {args.members} mobile members in {args.townships} townships "
                f"in {time.perf_counter() - t0:.1f} s"
            )
            seconds, queued = due_and_enqueue(township_ids)
            print(
                f"due-set + enqueue: {queued} reminders in {seconds:.1f} s "
                f"({queued / seconds:.0f}/s; goal < 60 s) -> {'PASS' if seconds < 60 else 'FAIL'}"
            )
            again, requeued = due_and_enqueue(township_ids)
            print(f"second run (nothing new): {requeued} queued in {again:.1f} s")

        env = {
            "CELERY_QUEUE": QUEUE,
            "SMS_PROVIDER": args.provider,
            "SMS_ENDPOINT": gateway.url(args.provider),
            "SMS_ACCESS_KEY": ALIYUN_KEY,
            "SMS_SECRET": ALIYUN_SECRET if args.provider == "aliyun" else HTTP_TOKEN,
            "SMS_SIGN_NAME": "基准测试",
            "SMS_TEMPLATES": json.dumps(SMS_TEMPLATES),
            "NOTIFY_QUIET_HOURS": "00:00-00:00",
            "NOTIFY_SMS_PER_TOWNSHIP_DAILY": "1000000",
            "NOTIFY_BATCH_SIZE": "500",
            "NOTIFY_RETRY_BASE_SECONDS": "1",
            "NOTIFY_CONCURRENCY": str(args.concurrency),
            "NOTIFY_CHUNK": str(args.chunk),
        }
        worker = _worker(log, env)
        celery = create_app({"CELERY_QUEUE": QUEUE}).extensions["celery"]
        before = cpu_seconds()
        noop = noop_rate(celery, client, args.noop)
        print(f"no-op Celery task: {noop:.0f} tasks/s ({args.noop} tasks, concurrency 2)")
        print(f"  CPU per task: {cpu_per_item(before, args.noop)}")
        per = args.members // args.townships
        chosen = township_ids[: max(1, -(-args.dispatch // per))]
        total = per * len(chosen)
        before = cpu_seconds()
        with app.app_context():
            rate, done = dispatch_rate(celery, chosen, total)
        spent = cpu_per_item(before, max(done, 1))
        ratio = rate / noop
        print(f"  CPU per message: {spent}")
        print(
            f"dispatch: {done} SMS to the local {args.provider} gateway at {rate:.0f}/s "
            f"({gateway.count()} taken, {gateway.bad_signatures} bad signatures)"
        )
        print(
            f"ratio to the no-op task: {ratio:.2f}x (goal >= 2x) -> {'PASS' if ratio >= 2 else 'FAIL'}"
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        gateway.__exit__(None, None, None)
        for key in client.scan_iter(match=f"*{QUEUE}*"):
            client.delete(key)
        from webapp.extensions import db

        if db.engine is not None:
            db.engine.dispose()
        if not args.keep:
            _drop_database()


if __name__ == "__main__":
    main()
