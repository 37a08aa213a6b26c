"""Timing helpers: percentiles, paired app-versus-SQL runs, cProfile and per-statement SQL time."""

import cProfile
import io
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class Stats:
    """Milliseconds of repeated runs."""

    samples: list[float]

    def pct(self, p: float) -> float:
        """The p-th percentile (nearest rank)."""
        ordered = sorted(self.samples)
        rank = max(1, round(p / 100 * len(ordered)))
        return ordered[min(rank, len(ordered)) - 1]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self.pct(95)


def timed_ms(fn: Callable[[], Any]) -> float:
    """Wall-clock milliseconds of one call."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def paired(
    app_fn: Callable[[], Any], floor_fns: list[Callable[[], Any]], runs: int, warmup: int
) -> list[Stats]:
    """Interleave the app request and its floors run by run, after warm-up; one Stats each."""
    fns = [app_fn, *floor_fns]
    for _ in range(warmup):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            samples[i].append(timed_ms(fn))
    return [Stats(s) for s in samples]


def profile(fn: Callable[[], Any], runs: int = 10, top: int = 18) -> str:
    """cProfile of runs calls: the functions with the most own time, then the most cumulative."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(runs):
        fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


@dataclass
class SqlLog:
    """Statements executed while watching: text -> (count, total ms)."""

    calls: dict[str, list[float]]

    def summary(self, top: int = 6) -> list[str]:
        """The statements with the most total time, one line each."""
        rows = sorted(self.calls.items(), key=lambda kv: -sum(kv[1]))[:top]
        return [
            f"{len(times):>4}x {sum(times):8.1f} ms  {' '.join(sql.split())[:110]}"
            for sql, times in rows
        ]

    @property
    def total_ms(self) -> float:
        return sum(sum(t) for t in self.calls.values())

    @property
    def count(self) -> int:
        return sum(len(t) for t in self.calls.values())


@contextmanager
def watch_sql(engine: Engine) -> Iterator[SqlLog]:
    """Record every statement's wall time on engine (cursor execute to return) while inside."""
    log = SqlLog(defaultdict(list))

    def before(conn: Any, _cur: Any, _sql: str, _params: Any, context: Any, _many: bool) -> None:
        context._bench_start = time.perf_counter()

    def after(conn: Any, _cur: Any, sql: str, _params: Any, context: Any, _many: bool) -> None:
        log.calls[sql].append((time.perf_counter() - context._bench_start) * 1000)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
