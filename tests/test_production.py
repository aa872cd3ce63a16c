"""The app as production runs it: gunicorn with several workers on `app:server` (the settings of
gunicorn.conf.py). Sessions hold across workers, a killed worker leaves the others serving and
is replaced, and /metrics pools the samples of every worker, the dead one's included."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_FLAGS, AppServer, seed, sign_in, wait_for

pytestmark = pytest.mark.browser


def _workers(master: int) -> set[int]:
    """The pids of the gunicorn master's workers (its children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.add(int(entry.name))
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    data_dir = tmp_path_factory.mktemp("prod") / "data"
    seed(data_dir)
    metrics = tmp_path_factory.mktemp("metrics")
    app = AppServer(
        data_dir,
        gunicorn_workers=2,
        env={"PROMETHEUS_MULTIPROC_DIR": str(metrics), "BRAIN_ALERT_ENGINE": "0"},
        log=data_dir / "gunicorn.log",
    )
    app.start(timeout=120)
    yield app
    app.stop()


def _request_count(text: str) -> float:
    pattern = r'^brain_http_request_seconds_count\{endpoint="/wall"[^}]*status="200"\} ([0-9.e+]+)$'
    return sum(float(m) for m in re.findall(pattern, text, flags=re.MULTILINE))


def test_a_killed_worker_leaves_the_others_serving_and_is_replaced(server: AppServer) -> None:
    from playwright.sync_api import sync_playwright

    assert server.proc is not None
    master = server.proc.pid
    workers = wait_for(lambda: (w := _workers(master)) and len(w) == 2 and w, 60, "two workers")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context()
        sign_in(context, server, "analyst")  # the session cookie is good on every worker
        api = context.request

        def wall() -> tuple[int, str]:
            # a new connection each time: a connection kept alive by the killed worker is reset
            # (a browser sends its request again on a fresh one; this client would not)
            r = api.get(f"{server.url}/wall", headers={"Connection": "close"})
            return r.status, r.url  # a request without a session would end on /login

        statuses = [wall() for _ in range(20)]
        os.kill(min(workers), signal.SIGKILL)
        started = time.monotonic()
        statuses += [wall() for _ in range(40)]
        replaced = wait_for(
            lambda: (w := _workers(master)) and len(w) == 2 and min(workers) not in w,
            60,
            "gunicorn to replace the killed worker",
        )
        assert replaced and time.monotonic() - started < 60
        statuses += [wall() for _ in range(20)]
        metrics = api.get(f"{server.url}/metrics").text()
        browser.close()
    assert statuses == [(200, f"{server.url}/wall")] * 80
    # every worker's requests are counted, the killed worker's as well
    assert _request_count(metrics) >= 80, metrics[:2000]
