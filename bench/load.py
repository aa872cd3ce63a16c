"""`load.*`: 100 concurrent users against gunicorn on this machine, for a bounded time.

The app runs as production runs it (`gunicorn -c gunicorn.conf.py app:server`, several workers,
the alert engine in one of them, the live feed writing beside it) on loopback only. What each
kind of user sends is recorded first in headless Chromium (`record`): the Dash callbacks of the
kiosk, the duty console and every theme page, when the page opens and at its refreshes. Locust
(`bench/locustfile.py`, headless) then replays them with 100 users mixing wall displays, duty
officers and analysts, and its per-endpoint statistics become the report's `load.*` rows.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.processes import CHROMIUM, CHROMIUM_FLAGS, ROOT, free_port, running

THEMES = ("economy", "traffic", "emergency", "fire", "river", "radar")
BUDGET_P95_MS = 500.0
_OPEN_S = 4.0  # callbacks sent within this long after a page opens are its "open" set
_WATCH_S = 14.0  # how long a page is watched to record its refreshes


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "brain", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 and "exists already" not in done.stderr:
        raise RuntimeError(f"brain {' '.join(args[:2])} failed: {done.stderr[-500:]}")
    return done.stdout


def _accounts(env: dict[str, str], data_dir: Path) -> dict[str, dict[str, str]]:
    """An analyst, a duty officer and a display token of this run."""
    where = ["--data-dir", str(data_dir)]
    out: dict[str, dict[str, str]] = {}
    run = time.strftime("%Y%m%d%H%M%S")
    for role in ("analyst", "duty"):
        name, password = f"load-{role}-{run}", secrets.token_urlsafe(16)
        _cli(
            env,
            "users",
            "create",
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
            *where,
            stdin=password + "\n",
        )
        out[role] = {"name": name, "password": password}
    token = _cli(env, "display-token", "create", "--name", f"load-{time.time_ns()}", *where)
    out["display"] = {"token": token.strip().splitlines()[-1]}
    return out


def _gunicorn(env: dict[str, str], port: int, workers: int) -> Any:
    """gunicorn with `workers` workers on `port`, as `make serve-prod` runs it."""
    cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"]
    run_env = dict(env, BRAIN_BIND=f"127.0.0.1:{port}", BRAIN_WORKERS=str(workers))
    return running(cmd, run_env, ready_url=f"http://127.0.0.1:{port}/healthz")


def _feed(env: dict[str, str], data_dir: Path) -> Any:
    """The live feed writing into `data_dir` (stopped as Ctrl-C stops it)."""
    cmd = [sys.executable, "-m", "brain", "simulate", "--data-dir", str(data_dir)]
    return running(cmd, env, stop=signal.SIGINT)


def _sign_in(context: Any, url: str, account: dict[str, str]) -> None:
    import re

    form = context.request.get(f"{url}/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text())
    assert csrf is not None, "the sign-in page has no CSRF field"
    r = context.request.post(
        f"{url}/login",
        max_redirects=0,
        form={
            "name": account["name"],
            "password": account["password"],
            "csrf": csrf.group(1),
            "next": "/",
        },
    )
    if r.status != 302:
        raise RuntimeError(f"sign-in as {account['name']} failed: {r.status}")


def record(
    url: str, accounts: dict[str, dict[str, str]], themes: list[str], watch_s: float = _WATCH_S
) -> dict[str, Any]:
    """The callbacks a browser sends on each page: {"open": [...], "refresh": [...]}."""
    from playwright.sync_api import sync_playwright

    visits = [("kiosk", "display"), ("duty", "duty")] + [(t, "analyst") for t in themes]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        try:
            return {
                page: _watch(browser, url, page, accounts[role], watch_s) for page, role in visits
            }
        finally:
            browser.close()


def _watch(browser: Any, url: str, page_name: str, account: dict[str, str], watch_s: float) -> Any:
    """The callbacks of `page_name` opened by `account` and watched for `watch_s` seconds."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    if "token" in account:  # a wall display
        context.request.get(f"{url}/kiosk?display_token={account['token']}")
    else:
        _sign_in(context, url, account)
    sent: list[tuple[float, dict[str, Any]]] = []

    def on_request(request: Any) -> None:
        if urlsplit(request.url).path == "/_dash-update-component":
            sent.append((time.monotonic(), _call(request)))

    page = context.new_page()
    page.on("request", on_request)
    opened = time.monotonic()
    page.goto(f"{url}/{page_name}", wait_until="load")
    page.wait_for_timeout(watch_s * 1000)
    context.close()
    return {
        "open": [call for t, call in sent if t - opened < _OPEN_S],
        "refresh": [call for t, call in sent if t - opened >= _OPEN_S],
    }


def _call(request: Any) -> dict[str, Any]:
    """What to send again: the path with its query (Dash adds one) and the JSON body."""
    parts = urlsplit(request.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return {"path": path, "body": json.loads(request.post_data or "{}")}


def _stats(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = row["Name"] if row["Name"] != "Aggregated" else "all"
            rows.append(
                {
                    "name": "load." + name.replace(" ", "."),
                    "requests": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "budget_ms": BUDGET_P95_MS,
                }
            )
    return rows


def bench_load(
    data_dir: Path,
    *,
    seconds: int,
    users: int,
    workers: int = 3,
    themes: tuple[str, ...] = THEMES,
    watch_s: float = _WATCH_S,
) -> list[dict[str, Any]]:
    """Run the load for `seconds` with `users` users; the per-endpoint rows of the report."""
    from callbacks import PAGES

    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        BRAIN_DATA_DIR=str(data_dir),
        BRAIN_SECRET_KEY=secrets.token_urlsafe(32),
        BRAIN_ENV="development",
        BRAIN_LOGIN_MAX_FAILURES="1000",
    )
    folder = Path(tempfile.mkdtemp(prefix="brain-load-"))
    env["PROMETHEUS_MULTIPROC_DIR"] = str(folder / "metrics")
    accounts = _accounts(env, data_dir)
    shown = [t for t in themes if t in PAGES]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with _feed(env, data_dir), _gunicorn(env, port, workers):
        pages = record(url, accounts, shown, watch_s)
        scenario = {"accounts": accounts, "themes": shown, "pages": pages}
        (folder / "scenario.json").write_text(json.dumps(scenario), encoding="utf-8")
        spawn = max(1, users // 10)
        cmd = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn),
            "--run-time",
            f"{seconds}s",
            "--host",
            url,
            "--csv",
            str(folder / "load"),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--stop-timeout",
            "10",
        ]
        lenv = dict(env, BRAIN_LOAD_SCENARIO=str(folder / "scenario.json"))
        subprocess.run(cmd, cwd=ROOT, env=lenv, capture_output=True, timeout=seconds + 120)
    rows = _stats(folder / "load_stats.csv")
    for r in rows:
        r.update(users=users, seconds=seconds, workers=workers)
    return rows
