"""`alerts.latency`: data arriving → the alert on the wall, end to end (budget: the wall's refresh
interval + 2 s).

Nothing is short-cut: the app runs as `python -m brain serve` on the benchmarked data node with its
own alert evaluator (every `BRAIN_ALERT_INTERVAL_S`, by default the refresh interval, and at once
when a table of the embedded node changes) and a fresh alert store; a headless Chromium shows
`/kiosk` signed in with a display token. Each trial writes one confirmed fire alarm at another key
unit through the ingest path, as a feed would, and times how long until the wall's ticker names
that unit. The rule it meets (`fire.confirmed` in the shipped rule file) has no for-duration: a
confirmed fire is raised firing by the first tick that sees it, so the figure is the whole way
from the data to the wall. Trials start at random moments of the two schedules. The rows written
are removed afterwards.

Each trial is also split into its stages, from what can be seen from outside the app: `ingest`
(the alarm validated and its file in the lake), `to_tick` (until the tick that raised it began:
the alert's `first_seen` is that tick's time), `tick` (until the store held it: the tick's reads,
its evaluation and its writes), then, from the browser's own timing of the wall's refresh
requests (`_Refreshes`), `to_refresh` (until the refresh that brought it was sent: the wall's
schedule), `refresh` (that request, from the store write or its start if later, to its answer)
and `draw` (until the ticker named the unit); `to_wall` is the last three together.

Needs Playwright and the system's Chromium (the test tools): without them the case is skipped
with its reason, never faked.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from bench import REFRESH, percentile
from bench.processes import CHROMIUM, CHROMIUM_FLAGS, ROOT, free_port, running
from data_adapters.ingest import ingest  # imported before the trials, as a feed has it

__all__ = ["STAGES", "bench_latency"]

TRIAL_TIMEOUT_S = 60.0
POLL_S = 0.05
STAGES = ("ingest", "to_tick", "tick", "to_refresh", "refresh", "draw", "to_wall")
_SOURCE = "bench-latency"


def _skipped(reason: str) -> dict[str, Any]:
    return {"name": "alerts.latency", "skipped": reason, "p50_ms": None, "p95_ms": None}


def _units(data_dir: Path, n: int) -> list[tuple[str, str]]:
    from data_adapters.node import LakeNode

    node = LakeNode(data_dir, resident=None)
    try:
        units = node.sql("SELECT unit_id, name FROM fire_units ORDER BY unit_id")
    finally:
        node.close()
    rows = list(units.itertuples(index=False))
    picked = random.Random(20151004).sample(rows, min(n, len(rows)))
    return [(str(u.unit_id), str(u.name)) for u in picked]


def _fire(node: Any, data_dir: Path, unit_id: str, trial: int) -> list[Path]:
    """A confirmed fire alarm at `unit_id` now, through the ingest path; the files it wrote."""
    folder = data_dir / "lake" / "fire_device_events"
    before = set(folder.glob("*.parquet"))
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    frame = pd.DataFrame(
        [{"ts": now, "device_id": f"{unit_id}-B{trial:04d}", "unit_id": unit_id, "kind": "alarm"}]
    ).astype({"ts": "datetime64[us, UTC]"})
    frame["confirmed"] = pd.array([True], dtype="boolean")
    report = ingest(node, "fire_device_events", frame, source=_SOURCE, now=now)
    if report.rejected:
        raise RuntimeError(f"the bench's alarm was rejected: {report}")
    return sorted(set(folder.glob("*.parquet")) - before)


def _raised(store: Any, unit_id: str) -> Any:
    """The open fire alert of `unit_id` (the first found), None while there is none."""
    return next(
        (a for a in store.alerts(domain="fire", open_only=True) if unit_id in a.group_key), None
    )


class _Refreshes:
    """The wall's panel refreshes the browser sent: (start, end) in epoch seconds, from the
    request timings Chromium keeps (exact whenever the events are read)."""

    def __init__(self, page: Any) -> None:
        self.done: list[tuple[float, float]] = []
        page.on("requestfinished", self._finished)

    def _finished(self, request: Any) -> None:
        if "_dash-update-component" not in request.url:
            return
        if "wall-hashes.data" not in (request.post_data or ""):  # the map's, the clock's …
            return
        timing = request.timing
        start = timing["startTime"] / 1000
        self.done.append((start, start + max(timing["responseEnd"], 0) / 1000))

    def delivering(self, drawn: float) -> tuple[float, float] | None:
        """The last refresh answered before `drawn` (they never overlap: wall.js waits)."""
        before = [r for r in self.done if r[1] <= drawn]
        return max(before, key=lambda r: r[1]) if before else None


def _trial(
    page: Any,
    refreshes: _Refreshes,
    store: Any,
    node: Any,
    data_dir: Path,
    unit: tuple[str, str],
    n: int,
) -> Any:
    """One alarm, from its arrival to the ticker naming its unit: (seconds, stages, files)."""
    unit_id, name = unit
    arrived, began = time.time(), time.monotonic()
    files = _fire(node, data_dir, unit_id, n)
    landed = time.monotonic() - began
    deadline, alert = began + TRIAL_TIMEOUT_S, None
    stored: float | None = None
    while name not in page.inner_text("#wall-ticker"):
        if stored is None:
            alert = _raised(store, unit_id)
            stored = None if alert is None else time.monotonic() - began
        if time.monotonic() > deadline:
            raise RuntimeError(f"no alert for {name} on the wall in {TRIAL_TIMEOUT_S:.0f} s")
        time.sleep(POLL_S)
    total = time.monotonic() - began
    page.wait_for_timeout(200)  # the last request events dispatched (not timed)
    if alert is None:  # on the wall before this loop saw it in the store
        alert = _raised(store, unit_id)
    at_store = total if stored is None else stored
    # the tick that raised it began at the alert's first_seen (the engine's clock is this one's)
    began_tick = landed if alert is None else alert.first_seen.timestamp() - arrived
    began_tick = min(max(began_tick, landed), at_store)
    found = refreshes.delivering(arrived + total)
    sent, answered = (
        (at_store, total) if found is None else (found[0] - arrived, found[1] - arrived)
    )
    sent, answered = min(max(sent, at_store), total), min(max(answered, at_store), total)
    stages = {
        "ingest": landed,
        "to_tick": began_tick - landed,
        "tick": at_store - began_tick,
        "to_refresh": sent - at_store,
        "refresh": answered - sent,
        "draw": total - answered,
        "to_wall": total - at_store,
    }
    return total, stages, files


def _figures(name: str, seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        f"{name}_p50_ms": round(statistics.median(ms), 1),
        f"{name}_p95_ms": round(percentile(ms, 0.95), 1),
    }


def bench_latency(data_dir: Path, repeats: int) -> dict[str, Any]:
    """Seconds from a fire alarm's arrival to its alert in the wall's ticker, per trial."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return _skipped("playwright is not installed (requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        return _skipped(f"no Chromium at {CHROMIUM}")
    from alerts.store import AlertStore
    from data_adapters.node import LakeNode

    trials = max(3, repeats)
    refresh_s = REFRESH.total_seconds()
    written: list[Path] = []
    seconds: list[float] = []
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            BRAIN_DATA_DIR=str(data_dir),
            BRAIN_STORE_URL=f"sqlite:///{Path(tmp) / 'store.db'}",
            BRAIN_CACHE_URL="",
            BRAIN_REFRESH_S=str(refresh_s),
            BRAIN_ALERT_ENGINE="1",
            BRAIN_SECRET_KEY=secrets.token_urlsafe(24),
        )
        brain = [sys.executable, "-m", "brain"]
        token = subprocess.run(
            [*brain, "display-token", "create", "--name", "bench-wall"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        serve = [*brain, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-feed"]
        feed = LakeNode(data_dir, resident=None)  # the feed's own node, as a feed process keeps
        try:
            with (
                open(Path(tmp) / "server.log", "wb") as log,
                running(serve, env, ready_url=f"{url}/healthz", stop=signal.SIGTERM, out=log),
                sync_playwright() as p,
            ):
                store = AlertStore(env["BRAIN_STORE_URL"])
                browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
                try:
                    page = browser.new_page(viewport={"width": 1920, "height": 1080})
                    refreshes = _Refreshes(page)
                    page.goto(f"{url}/kiosk?display_token={token}")
                    page.wait_for_selector("#wall-ticker .tick", timeout=180_000)
                    jitter = random.Random(4)
                    for n, unit in enumerate(_units(data_dir, trials)):
                        time.sleep(jitter.uniform(0, refresh_s))  # a random moment of the schedules
                        total, split, files = _trial(
                            page, refreshes, store, feed, data_dir, unit, n
                        )
                        written += files
                        seconds.append(total)
                        for s in STAGES:
                            stages[s].append(split[s])
                finally:
                    browser.close()
                    store.close()
        finally:
            feed.close()
            for path in written:  # the data node as it was (cached answers run out by themselves)
                path.unlink(missing_ok=True)
    ms = [s * 1000 for s in seconds]
    out: dict[str, Any] = {
        "name": "alerts.latency",
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "max_ms": round(max(ms), 1),
        "budget_ms": (refresh_s + 2) * 1000,
        "trials": len(ms),
        "refresh_s": refresh_s,
        "load_average": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    for s in STAGES:
        out.update(_figures(s, stages[s]))
    to_store = [
        a + b + c
        for a, b, c in zip(stages["ingest"], stages["to_tick"], stages["tick"], strict=True)
    ]
    out.update(_figures("to_store", to_store))
    out["store_to_wall_p95_ms"] = out["to_wall_p95_ms"]
    out["naive_p95_ms"] = None  # no naive twin: the figure is held to its budget
    return out
