"""`alerts.latency`: data arriving → the alert on the wall, end to end (budget: the wall's refresh
interval + 2 s).

Nothing is short-cut: the app runs as `python -m brain serve` on the benchmarked data node with its
own alert evaluator (every `BRAIN_ALERT_INTERVAL_S`, by default the refresh interval) and a fresh
alert store; a headless Chromium shows `/kiosk` signed in with a display token. Each trial writes
one confirmed fire alarm at another key unit through the ingest path, as a feed would, and times
how long until the wall's ticker names that unit: the wait for the evaluator's next tick, the
tick, the wait for the wall's next refresh, the refresh and the drawing. Trials start at random
moments of the two schedules. The rows written are removed afterwards.

Needs Playwright and the system's Chromium (the test tools): without them the case is skipped
with its reason, never faked.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from bench import REFRESH, percentile

__all__ = ["CHROMIUM", "bench_latency"]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
TRIAL_TIMEOUT_S = 60.0
_SOURCE = "bench-latency"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _skipped(reason: str) -> dict[str, Any]:
    return {"name": "alerts.latency", "skipped": reason, "p50_ms": None, "p95_ms": None}


def _up(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the app did not answer")


def _units(data_dir: Path, n: int) -> list[tuple[str, str]]:
    from data_adapters.node import LakeNode

    node = LakeNode(data_dir)
    try:
        units = node.sql("SELECT unit_id, name FROM fire_units ORDER BY unit_id")
    finally:
        node.close()
    rows = list(units.itertuples(index=False))
    picked = random.Random(20151004).sample(rows, min(n, len(rows)))
    return [(str(u.unit_id), str(u.name)) for u in picked]


def _fire(data_dir: Path, unit_id: str, trial: int) -> list[Path]:
    """A confirmed fire alarm at `unit_id` now, through the ingest path; the files it wrote."""
    from data_adapters.ingest import ingest
    from data_adapters.node import LakeNode

    folder = data_dir / "lake" / "fire_device_events"
    before = set(folder.glob("*.parquet"))
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    frame = pd.DataFrame(
        [{"ts": now, "device_id": f"{unit_id}-B{trial:04d}", "unit_id": unit_id, "kind": "alarm"}]
    ).astype({"ts": "datetime64[us, UTC]"})
    frame["confirmed"] = pd.array([True], dtype="boolean")
    node = LakeNode(data_dir)
    try:
        report = ingest(node, "fire_device_events", frame, source=_SOURCE, now=now)
    finally:
        node.close()
    if report.rejected:
        raise RuntimeError(f"the bench's alarm was rejected: {report}")
    return sorted(set(folder.glob("*.parquet")) - before)


def _raised(store: Any, unit_id: str) -> bool:
    return any(unit_id in a.group_key for a in store.alerts(domain="fire", open_only=True))


def bench_latency(data_dir: Path, repeats: int) -> dict[str, Any]:
    """Seconds from a fire alarm's arrival to its alert in the wall's ticker, per trial."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return _skipped("playwright is not installed (requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        return _skipped(f"no Chromium at {CHROMIUM}")
    from alerts.store import AlertStore

    trials = max(3, repeats // 4)
    refresh_s = REFRESH.total_seconds()
    written: list[Path] = []
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
        port = _port()
        url = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115
        server = subprocess.Popen(
            [*brain, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-feed"],
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        seconds: list[float] = []
        to_store: list[float] = []  # of those, until the engine had written the alert
        try:
            _up(url, server, 180)
            store = AlertStore(env["BRAIN_STORE_URL"])
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto(f"{url}/kiosk?display_token={token}")
                page.wait_for_selector("#wall-ticker .tick", timeout=180_000)
                jitter = random.Random(4)
                for trial, (unit_id, name) in enumerate(_units(data_dir, trials)):
                    time.sleep(jitter.uniform(0, refresh_s))  # a random moment of the schedules
                    began = time.monotonic()
                    written += _fire(data_dir, unit_id, trial)
                    deadline, stored = began + TRIAL_TIMEOUT_S, None
                    while name not in page.inner_text("#wall-ticker"):
                        if stored is None and _raised(store, unit_id):
                            stored = time.monotonic() - began
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"no alert for {name} on the wall in 60 s")
                        time.sleep(0.05)
                    seconds.append(time.monotonic() - began)
                    to_store.append(seconds[-1] if stored is None else stored)
                browser.close()
            store.close()
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
            for path in written:  # the data node as it was (cached answers run out by themselves)
                path.unlink(missing_ok=True)
    ms = [s * 1000 for s in seconds]
    store_ms = [s * 1000 for s in to_store]
    wall_ms = [a - b for a, b in zip(ms, store_ms, strict=True)]
    return {
        "name": "alerts.latency",
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "max_ms": round(max(ms), 1),
        "budget_ms": (refresh_s + 2) * 1000,
        "to_store_p95_ms": round(percentile(store_ms, 0.95), 1),
        "store_to_wall_p95_ms": round(percentile(wall_ms, 0.95), 1),
        "trials": len(ms),
        "refresh_s": refresh_s,
        "naive_p95_ms": None,  # no naive twin: the figure is held to its budget
    }
