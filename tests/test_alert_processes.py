"""The alert engine as operators run it, in real processes on a seeded city: `alerts run
--once` and `alerts list --json`, and gunicorn with two workers, of which exactly one evaluates
(the store's lease) until it is killed with SIGKILL and the other takes over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser import free_port, seed, wait_for

from alerts.cli import LIST_FIELDS
from alerts.store import AlertStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("alert-city")
    seed(data_dir, "test")
    return data_dir


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), BRAIN_DATA_DIR=str(data_dir))
    env.pop("BRAIN_STORE_URL", None)
    env.update(BRAIN_CACHE_URL="null", **extra)
    return env


def _brain(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brain", "alerts", *args],
        cwd=ROOT,
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_run_once_then_list_json(city: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "own"  # a store of this test's own beside the seeded city
    done = subprocess.run(
        [sys.executable, "-m", "brain", "alerts", "run", "--once"],
        cwd=ROOT,
        env=_env(city, BRAIN_STORE_URL=f"sqlite:///{env_dir / 'store.db'}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "19/19 rules" in done.stdout  # every source answered
    listed = subprocess.run(
        [sys.executable, "-m", "brain", "alerts", "list", "--json"],
        cwd=ROOT,
        env=_env(city, BRAIN_STORE_URL=f"sqlite:///{env_dir / 'store.db'}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    rows = json.loads(listed.stdout)
    store = AlertStore(f"sqlite:///{env_dir / 'store.db'}")
    try:
        assert [r["id"] for r in rows] == [a.id for a in store.alerts(open_only=True)]
    finally:
        store.close()
    assert rows, "the seeded city raises alerts"
    for r in rows:
        assert set(LIST_FIELDS) <= set(r)
        assert r["severity"] in ("I", "II", "III", "IV")
        assert r["state"] in ("pending", "firing")
        assert datetime.fromisoformat(r["first_seen"]).tzinfo is not None
    text = _brain(city, "list").stdout  # the table, on the default store of the data dir
    assert "alert(s)" in text


def _holder(url: str) -> str | None:
    """Who holds the lease row (the servers run on the real clock, which this process's clock
    may not be: BRAIN_TEST_CLOCK_AHEAD_DAYS), so the row is read without a time."""
    store = AlertStore(url)
    try:
        with store.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT holder FROM alert_lease")).first()
        return None if row is None else str(row[0])
    finally:
        store.close()


def _workers(master: int) -> set[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    ).stdout
    return {int(p) for p in out.split()}


@pytest.fixture
def gunicorn(city: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    port = free_port()
    env = _env(
        city,
        BRAIN_STORE_URL=url,
        BRAIN_BIND=f"127.0.0.1:{port}",
        BRAIN_WORKERS="2",
        BRAIN_THREADS="2",
        BRAIN_ALERT_INTERVAL_S="1",
        BRAIN_SECRET_KEY="k" * 32,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "app:server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "wb"),  # noqa: SIM115
    )
    try:
        yield proc, url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_two_gunicorn_workers_give_one_evaluator_and_hand_over_when_it_dies(
    gunicorn: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = gunicorn
    wait_for(lambda: len(_workers(proc.pid)) == 2, 90, "two workers")
    first = wait_for(lambda: _holder(url), 90, "a worker to take the lease")
    pid = int(first.split(":")[1])
    assert pid in _workers(proc.pid)
    store = AlertStore(url)
    try:
        wait_for(lambda: store.alerts(), 60, "the evaluator to write alerts")
        holders = set()
        for _ in range(6):  # the lease stays with one worker while it lives
            holders.add(_holder(url))
            time.sleep(0.5)
        assert holders == {first}
        keys = [(a.rule, a.group_key) for a in store.alerts() if a.state != "resolved"]
        assert len(keys) == len(set(keys))  # one live alert per rule and group
        os.kill(pid, signal.SIGKILL)  # the evaluating worker dies mid-schedule
        second = wait_for(
            lambda: (h := _holder(url)) not in (None, first) and h, 60, "another worker's lease"
        )
        assert int(second.split(":")[1]) != pid
        keys = [(a.rule, a.group_key) for a in store.alerts() if a.state != "resolved"]
        assert len(keys) == len(set(keys))
    finally:
        store.close()
