"""Run the benchmarks: `.venv/bin/python benchmarks/run.py [--members 600000] [--reuse]`."""

import argparse
import json
import os
import platform
import sys
import uuid
from datetime import date
from pathlib import Path

import psycopg
import redis
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from benchmarks import database, scenarios  # noqa: E402
from benchmarks.excel_import import GOAL_S, ROWS, ImportResult, excel_import_benchmark  # noqa: E402
from webapp import create_app  # noqa: E402


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=600_000, help="members to generate")
    parser.add_argument("--reuse", action="store_true", help="keep lianxin_bench and its data")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first")
    parser.add_argument("--no-profile", action="store_true", help="skip profiling of misses")
    parser.add_argument("--profile-all", action="store_true", help="profile every scenario")
    parser.add_argument("--no-import", action="store_true", help="skip the Excel import")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    return parser.parse_args()


def machine() -> str:
    """CPU, cores, memory and PostgreSQL version, for the results table."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_kb / 1024**2:.0f} GB RAM, "
        f"Python {platform.python_version()}, {_postgres()}"
    )


def _postgres() -> str:
    with psycopg.connect(database.PG_ADMIN) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        buffers = conn.execute("SHOW shared_buffers").fetchone()
    return f"PostgreSQL {version[0] if version else '?'} (shared_buffers {buffers[0] if buffers else '?'})"


def markdown(outcomes: list[scenarios.Outcome], excel: str, imported: ImportResult | None) -> str:
    """The results table as Markdown."""
    lines = [
        "| measurement | app p50 | app p95 | raw SQL p50 | raw SQL p95 | ratio p50 (p95) "
        "| SQL under RLS p50 | goal | met |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for o in outcomes:
        lines.append(
            f"| {o.scenario.name} | {o.app.p50:.1f} ms | {o.app.p95:.1f} ms | {o.sql.p50:.1f} ms "
            f"| {o.sql.p95:.1f} ms | {o.ratio50:.1f}× ({o.ratio95:.1f}×) | {o.sql_rls.p50:.1f} ms "
            f"| {o.goal} | {'yes' if not o.misses else 'no: ' + '; '.join(o.misses)} |"
        )
    if imported is None:
        lines.append(f"| Excel import of {ROWS:,} rows | {excel} | | | | | | | |")
    else:
        i = imported
        lines.append(
            f"| Excel import of {ROWS:,} rows (one run: upload {i.upload:.1f} s, validate "
            f"{i.validate:.1f} s, import {i.imported:.1f} s) | {i.total:.1f} s | – "
            f"| bulk insert {i.floor:.1f} s | – | {i.total / i.floor:.0f}× | – | < {GOAL_S:.0f} s "
            f"| {'yes' if i.total < GOAL_S else 'no'} |"
        )
    return "\n".join(lines)


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _drop_queue(app: Flask, queue: str) -> None:
    """Remove the Celery messages the import queued on this run's private queue."""
    client = redis.Redis.from_url(app.config["REDIS_URL"])
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)


def main() -> int:
    """Prepare the database, measure, report; exit status 1 when a goal was missed."""
    args = parse_args()
    print(f"machine: {machine()}")
    created = database.prepare_database(args.reuse)
    print(
        f"database {database.DB_NAME}: {'created and migrated' if created else 'reused, migrated'}"
    )
    queue = f"lianxin-statsbench-{os.getpid()}-{uuid.uuid4().hex[:6]}"  # no worker listens here
    config = {"DATABASE_URL": database.app_url(), "WTF_CSRF_ENABLED": False, "CELERY_QUEUE": queue}
    app = create_app(config)
    world = database.load_data(app, args.members)
    print(
        f"data: {world.total_members:,} members; statistics township {world.slug} "
        f"({world.township_members:,} members); county roll-up over {len(world.county_ids)} townships"
    )
    day = date.today()
    cases, clients = scenarios.build(app, world, day)
    for line in scenarios.check_numbers(clients, day):
        print("check:", line)
    print(f"timing {args.runs} runs after {args.warmup} warm-up runs, app and raw SQL interleaved")
    outcomes = []
    load_before = _load()
    for case in cases:
        outcome = scenarios.run(case, args.runs, args.warmup)
        outcomes.append(outcome)
        print(outcome.line(), flush=True)
    print(f"load average during the timings: {load_before} -> {_load()}")
    # ---- Excel import of 10k rows (see benchmarks/excel_import.py) ----
    excel, imported = (
        ("skipped (--no-import)", None) if args.no_import else excel_import_benchmark(app)
    )
    _drop_queue(app, queue)
    print(f"{'Excel import of 10k rows':<28} {excel}")
    if imported is not None:
        print("\n".join(f"  {line}" for line in imported.sql))
    if not args.no_profile:
        for outcome in outcomes:
            if outcome.misses or args.profile_all:
                print(scenarios.diagnose(outcome))
    print("\n" + markdown(outcomes, excel, imported))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "date": day.isoformat(),
                    "machine": machine(),
                    "members": world.total_members,
                    "results": [
                        {
                            "name": o.scenario.name,
                            "path": o.scenario.path,
                            "app_ms": o.app.samples,
                            "sql_ms": o.sql.samples,
                            "sql_rls_ms": o.sql_rls.samples,
                            "misses": o.misses,
                        }
                        for o in outcomes
                    ],
                    "excel_import": excel,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    import_missed = imported is not None and imported.total >= GOAL_S
    return 1 if any(o.misses for o in outcomes) or import_missed else 0


if __name__ == "__main__":
    sys.exit(main())
