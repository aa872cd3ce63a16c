"""The load benchmark end to end, briefly: gunicorn, the users' callbacks recorded in Chromium,
locust replaying them; every endpoint answers without an error (the 100-user, 3-minute run is
`python -m bench`, its figures in docs/performance.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import seed

from bench.load import bench_load

pytestmark = pytest.mark.browser


def test_a_short_load_answers_every_kind_of_user_without_an_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    seed(data_dir)
    rows = bench_load(data_dir, seconds=12, users=6, workers=2, themes=("traffic",), watch_s=7)
    by_name = {r["name"]: r for r in rows}
    assert {"load.all", "load.callback.kiosk", "load.callback.duty"} <= set(by_name), by_name
    assert "load.callback.traffic" in by_name or "load.GET./traffic" in by_name
    assert by_name["load.all"]["requests"] > 20
    assert all(r["errors"] == 0 for r in rows), [r for r in rows if r["errors"]]
    assert all(0 < r["p50_ms"] <= r["p95_ms"] for r in rows), rows
