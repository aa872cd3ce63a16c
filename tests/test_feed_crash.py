"""The live feed killed mid-tick and started again: no row missing, none doubled.

A tick is journalled in the manifest and its files are named after it, so the tick that was
being written when the feed died is written again, whole, and replaces what it had written."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import simulator.seed as seed_module
from data_adapters.node import LakeNode
from data_adapters.schema import TABLES
from simulator.base import Scale
from simulator.seed import live_tick, load_manifest, seed

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 12, 3, tzinfo=UTC)
LIVE = [t for t in TABLES if t.ts]  # the tables the feed appends to


class Crash(Exception):
    """The feed dying between two writes."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("city") / "data"
    node = LakeNode(data_dir)
    seed(node, data_dir, scale=Scale.TEST, seed_value=7, now=NOW)
    node.close()
    return data_dir


def _copy(seeded: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(seeded, target)
    return target


def _rows(data_dir: Path) -> dict[str, pd.DataFrame]:
    node = LakeNode(data_dir, resident=None)
    try:
        out = {}
        for t in LIVE:
            frame = node.sql(f'SELECT * FROM "{t.name}"')
            out[t.name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
        return out
    finally:
        node.close()


@pytest.mark.parametrize("crash_after", [0, 1, 3])
def test_a_tick_cut_short_is_written_again_whole(
    seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_after: int
) -> None:
    end = NOW + timedelta(minutes=4)
    clean, crashed = _copy(seeded, tmp_path, "clean"), _copy(seeded, tmp_path, "crashed")
    node = LakeNode(clean)
    live_tick(node, clean, now=end)
    node.close()

    store, calls = seed_module._store, [0]

    def dying(*args: object, **kwargs: object) -> None:
        if calls[0] == crash_after:
            raise Crash
        calls[0] += 1
        store(*args, **kwargs)  # type: ignore[arg-type]

    node = LakeNode(crashed)
    monkeypatch.setattr(seed_module, "_store", dying)
    with pytest.raises(Crash):
        live_tick(node, crashed, now=end)
    monkeypatch.setattr(seed_module, "_store", store)
    manifest = load_manifest(crashed)
    assert manifest is not None and manifest.pending_until == end.isoformat()
    live_tick(node, crashed, now=end + timedelta(minutes=1))  # started again, a minute later
    node.close()

    manifest = load_manifest(crashed)
    assert manifest is not None and manifest.live_until == end.isoformat()
    assert manifest.pending_until is None
    want, got = _rows(clean), _rows(crashed)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], obj=name)


def test_the_feed_killed_and_started_again_doubles_no_reading(seeded: Path, tmp_path: Path) -> None:
    data_dir = _copy(seeded, tmp_path, "killed")
    cmd = [sys.executable, "-m", "brain", "simulate", "--interval", "0.2", "--data-dir"]
    for _ in range(3):
        proc = subprocess.Popen(
            [*cmd, str(data_dir)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(4.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    subprocess.run(
        [*cmd[:4], "--once", "--data-dir", str(data_dir)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    node = LakeNode(data_dir, resident=None)
    try:
        doubled = node.sql(
            "SELECT segment_id, ts, count(*) AS n FROM traffic_readings "
            "GROUP BY ALL HAVING count(*) > 1"
        )
        fed = node.sql("SELECT count(*) AS n FROM traffic_readings")["n"].iloc[0]
    finally:
        node.close()
    assert doubled.empty, doubled.head()
    assert fed > 0
    manifest = load_manifest(data_dir)
    assert manifest is not None and manifest.pending_until is None
