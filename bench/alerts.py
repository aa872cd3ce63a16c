"""`alerts.evaluate`: one tick of the alert engine, every rule of `rules/alerts.yaml`, at
refreshes 5 s apart up to `now` (after one warm-up tick, which raises the alerts the data holds).

A tick is what the evaluator does each interval: take the store's lease, read every source the
rules name through the data service — with no cache (`BRAIN_CACHE_URL=null`), so every query
is asked each tick, the dearest case — evaluate the rules, plan the steps and write them to the
alert store (SQLite in a temporary folder). Budget: p95 ≤ 1 s (docs/performance.md). Beside it:
the bare engine running the SQL of the same queries (`engine_p95_ms`), and how much of the tick
reading the sources takes (`sources_p95_ms`).
"""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import REFRESH, percentile

__all__ = ["BUDGET_MS", "bench_alerts"]

BUDGET_MS = 1000.0


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class _Recorder:
    """The data service, noting every query a tick asks (for the bare-engine comparison)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, list[tuple[Any, dict[str, Any]]]()

    def call(self, fn: Any, /, **params: Any) -> Any:
        self.calls.append((fn, params))
        return self.inner.call(fn, **params)


def bench_alerts(node: Any, settings: Any, now: datetime, repeats: int) -> dict[str, Any]:
    from alerts.config import load_rules
    from alerts.engine import Engine
    from alerts.store import AlertStore
    from bench.wall import _engine
    from services.cache import make_cache
    from services.data import DataService

    rules = load_rules()
    clock = _Clock(now)
    times, sources, counts = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp:
        data = DataService(node, make_cache(replace(settings, cache_url="null")))
        store = AlertStore(f"sqlite:///{Path(tmp) / 'store.db'}")
        engine = Engine(store, data, rules, clock=clock, interval_s=REFRESH.total_seconds())
        for i in range(repeats + 1):
            clock.now = now - REFRESH * (repeats - i)
            report = engine.tick()
            assert report is not None, "the bench's engine is the only one: it holds the lease"
            if i:
                times.append(report.seconds * 1000)
                sources.append(report.sources_s * 1000)
                counts.append(report.candidates)
        recorder = _Recorder(data)
        engine.data = recorder
        engine.tick()
        alerts = len(store.alerts())
        store.close()
    engine_ms = _engine(node, recorder.calls, repeats)
    return {
        "name": "alerts.evaluate",
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "budget_ms": BUDGET_MS,
        "sources_p95_ms": round(percentile(sources, 0.95), 2),
        "engine_p95_ms": round(percentile(engine_ms, 0.95), 2),
        "rules": len(rules.rules),
        "queries": len(recorder.calls),
        "candidates": round(statistics.mean(counts)),
        "alerts": alerts,
        "naive_p95_ms": None,  # no naive twin: the figure is held to its budget
    }
