"""`wall.tick`: the server time and the bytes of one wall refresh, side by side with the naive
pandas app and the bare engine.

A wall refreshes every few seconds, so the benchmark replays that: `repeats` refreshes at `now`
minus 5 s steps, through the real callbacks (`callbacks.wall.refresh` for the panels and
`refresh_map` for the map) with the data service and its file-system cache, as a worker runs them.
Compared with:

- the naive approach (`bench/wall_naive.py`, timed in the benchmark's naive process,
  `bench/naive_worker.py`, right after each refresh of the app at the same time): every table in
  pandas, the same panel numbers and map frames computed per refresh;
- the bare engine: the SQL of every adapter query of one refresh, run directly (queries with no
  SQL twin — the typhoon signal, zone intrusions, feed health — are timed as the adapter runs them);
- bytes: what a refresh sends (only changed regions, the map's changed rows) against redrawing
  every region, the trend figure and the whole map spec.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from dash import Patch, no_update
from dash._utils import to_json as _to_json

from bench import REFRESH, ms, percentile, rounds
from bench.naive_worker import WALL, NaiveProcess

__all__ = ["bench_wall"]

ROOT = Path(__file__).resolve().parent.parent


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class _Recorder:
    """The data service, noting every adapter call (for the bare-engine comparison)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.cache, self.calls = inner, inner.cache, list[tuple[Any, dict[str, Any]]]()

    def call(self, fn: Any, /, **params: Any) -> Any:
        self.calls.append((fn, params))
        return self.inner.call(fn, **params)

    def peek(self, fn: Any, /, **params: Any) -> Any:
        found = self.inner.peek(fn, **params)
        if found is not None:
            self.calls.append((fn, params))
        return found

    def behind(self, fn: Any, /, **params: Any) -> Any:
        self.calls.append((fn, params))
        return self.inner.behind(fn, **params)

    def late(self, fn: Any, /, **params: Any) -> Any:
        found = self.inner.late(fn, **params)
        if found is not None:
            self.calls.append((fn, params))
        return found


to_json: Callable[[Any], str] = _to_json  # untyped in Dash


def _wire(values: dict[str, Any]) -> int:
    """Bytes of a callback response as Dash sends it (no_update outputs are left out)."""
    sent = {k: v for k, v in values.items() if v is not no_update}
    return len(to_json({"multi": True, "response": sent}).encode())


def _app(node: Any, settings: Any, cache_dir: Path, clock: _Clock) -> Any:
    from app import create_app
    from services.cache import make_cache
    from services.data import DataService

    app = create_app(replace(settings, data_url="", cache_url="null"), clock=clock)
    cache = make_cache(replace(settings, data_dir=cache_dir, cache_url=""))
    app.server.extensions["brain.data"] = DataService(node, cache)
    return app


def _refresh(i: int, hashes: dict[str, str], held: Any) -> tuple[int, dict[str, str], Any]:
    """One refresh of one browser: (bytes sent, new region digests, new map state)."""
    from callbacks.wall import TARGETS, refresh, refresh_map
    from layouts.wall_regions import REGIONS

    panels = refresh(i, None, "zh", hashes)
    delta, state = refresh_map(i, None, "zh", None, None, "16x9", None, held)  # nothing pushed
    regions = {
        f"{TARGETS[k][0]}.{TARGETS[k][1]}": v for k, v in zip(REGIONS, panels[:-1], strict=True)
    }
    sent = _wire(regions | {"wall-hashes.data": panels[-1]})
    sent += _wire({"wall-map-delta.data": delta, "wall-map-state.data": state})
    return sent, panels[-1], held if state is no_update else state


def _whole(app: Any, now: datetime) -> int:
    """Bytes of redrawing everything: every region built, the trend and the map whole."""
    from callbacks.wall import TARGETS
    from layouts.charts import trend_figure
    from layouts.wall_map import map_spec
    from layouts.wall_regions import region_specs
    from services import wall as wall_service

    data = app.server.extensions["brain.data"]
    view = wall_service.tick(data, now, None)
    regions = {}
    for key, _basis, build in region_specs(view, "zh", wall_service.district_list()):
        value = build()
        if isinstance(value, Patch):
            trend = view["panels"]["traffic"]["data"]["trend"]
            value = trend_figure(trend["ts"], trend["tpi"], "zh")
        regions[f"{TARGETS[key][0]}.{TARGETS[key][1]}"] = value
    spec = map_spec(
        wall_service.map_tick(data, now),
        layers=_all_layers(),
        district=None,
        entity=None,
        lang="zh",
        aspect="16x9",
        focus=None,
    )
    return _wire(regions) + _wire({"wall-map.data": spec})


def _settle(app: Any) -> None:
    """Wait for what a refresh left to do between refreshes: the cache's writes and the
    questions asked in the background."""
    from services.data import finish_background

    app.server.extensions["brain.data"].cache.flush()
    finish_background()


def _all_layers() -> list[str]:
    from layouts.situation_map import DEFAULT_LAYERS

    return list(DEFAULT_LAYERS)


def _engine(node: Any, calls: list[tuple[Any, dict[str, Any]]], repeats: int) -> list[float]:
    """Per-refresh time of the same queries on the bare engine (SQL text, no ibis, no cache)."""
    from data_adapters.declare import sql_of

    con, jobs = node.backend(), list[Callable[[], Any]]()
    for q, params in calls:
        text = sql_of(q, con, **params)
        jobs.append(partial(q.plain, con, **params) if text is None else partial(node.sql, text))
    every = {"refresh": lambda: ms(lambda: [job() for job in jobs])}
    return rounds(every, repeats)["refresh"]  # after one warm-up refresh


def bench_wall(
    node: Any,
    settings: Any,
    now: datetime,
    repeats: int,
    naive: NaiveProcess | None = None,
    name: str = "wall.tick",
) -> dict[str, Any]:
    """The `wall.tick` result: p50/p95 of a full refresh (panels and map), engine p95, mean bytes
    per refresh and per whole redraw; with `naive`, each refresh is followed by the naive
    process's refresh at the same time (its p95 is `naive_p95_ms`)."""
    clock, naive_times = _Clock(now), list[float]()
    with tempfile.TemporaryDirectory(prefix="bench-wall-") as tmp:
        app = _app(node, settings, Path(tmp), clock)
        with app.server.app_context():
            hashes: dict[str, str] = {}
            held: Any = None
            times, sizes, wholes = [], [], []
            for i in range(repeats + 1):  # the first refresh opens the page: not timed
                clock.now = now - REFRESH * (repeats - i)
                began = time.perf_counter()
                sent, hashes, held = _refresh(i, hashes, held)
                elapsed = (time.perf_counter() - began) * 1000
                whole = _whole(app, clock.now)
                _settle(app)  # the app's deferred work is done before the naive refresh is timed
                took = naive.ask(WALL, clock.now)[0] if naive is not None else None
                if i:
                    if took is not None:
                        naive_times.append(took)
                    times.append(elapsed)
                    sizes.append(sent)
                    wholes.append(whole)
            recorder = _Recorder(app.server.extensions["brain.data"])
            app.server.extensions["brain.data"] = recorder
            _refresh(repeats + 1, {}, None)
        engine = _engine(node, recorder.calls, repeats)
    return {
        "name": name,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "engine_p95_ms": round(percentile(engine, 0.95), 2),
        "bytes": round(statistics.mean(sizes)),
        "whole_bytes": round(statistics.mean(wholes)),
        "queries": len(recorder.calls),
        "naive_p95_ms": round(percentile(naive_times, 0.95), 2) if naive_times else None,
    }
