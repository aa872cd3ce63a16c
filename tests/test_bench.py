"""`python -m bench --json` runs end to end and prints the documented report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_reports_every_case_side_by_side(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "test",
            "--repeats",
            "2",
            "--json",
            "--load-seconds",
            "0",  # the load runs in tests/test_load.py
            "--data-dir",
            str(tmp_path / "node"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["scale"] == "test"
    assert report["rss_mb"] > 0 and report["naive_rss_mb"] > 0
    names = [r["name"] for r in report["results"]]
    assert "query.traffic.district_tpi" in names and "wall.tick" in names
    for r in report["results"]:
        assert 0 < r["p50_ms"] <= r["p95_ms"], r
        if r["name"] == "alerts.latency":  # end to end: app, evaluator and a browser's wall
            assert r["budget_ms"] == 7000 and r["trials"] >= 3, r
            assert 0 < r["to_store_p95_ms"] <= r["p95_ms"] <= r["max_ms"], r
            continue
        if r["name"] == "alerts.evaluate":  # held to its budget, beside the bare engine
            assert r["budget_ms"] == 1000 and r["engine_p95_ms"] > 0 and r["rules"] > 0, r
            continue
        assert r["naive_p95_ms"] > 0 and r["engine_p95_ms"] > 0, r
        if "naive_rows" in r:
            assert r["naive_rows"] == r["rows"], r  # the naive answer is the same answer
        if r["name"].startswith("query."):
            assert 0 < r["query_p50_ms"] <= r["query_p95_ms"], r
    tick = next(r for r in report["results"] if r["name"] == "wall.tick")
    assert 0 < tick["bytes"] < tick["whole_bytes"]
