"""`python -m bench [--scale test|demo|bench] [--json] [--only NAME …]`: the benchmark suite.

Each adapter query is asked at refreshes 5 s apart, as a wall asks it, and every figure is
measured side by side in one run with what it is compared to:
- the adapter as the app runs it (`p50_ms`, `p95_ms`): it reuses its last answer while that
  provably has not changed, and takes the fast-moving radar tables from the resident copy's
  time-sorted rows; no cache of the services layer;
- the same adapter with every reuse of an earlier answer off (`query_*`): the query itself;
- the bare engine running the SQL text the adapter's SQL path runs, on the same (resident or
  lake) tables;
- the naive approach (tables loaded into pandas at start, filtered per request), run in a
  separate process so that its memory is measured apart from the app worker's.

They take turns (`bench.rounds`): each refresh runs the adapter, the query without reuse, the
engine and the naive request, all at that refresh's time; each wall refresh is followed by the
naive refresh at the same time. A machine whose speed drifts during the run then weighs on both
sides of every ratio alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import REFRESH, ms, percentile, rounds, rss_mb
from bench.alerts import bench_alerts
from bench.alerts_latency import bench_latency
from bench.cases import CASES, Case, pick_mmsi
from bench.load import bench_load
from bench.naive_worker import NaiveProcess
from bench.wall import bench_wall
from config import load_settings
from data_adapters.declare import plainly, sql_of
from data_adapters.node import open_node

ROOT = Path(__file__).resolve().parent.parent


def _ensure_seeded(data_dir: Path, scale: str, seed_value: int) -> datetime:
    """The seeded node's `now`; seeds it first (in its own process, so that this one's peak
    memory is the app's) when it is missing or of another scale."""
    from simulator.seed import load_manifest

    manifest = load_manifest(data_dir)
    if manifest is None or manifest.scale != scale:
        print(f"seeding {scale} data node at {data_dir} …", file=sys.stderr, flush=True)
        cmd = [sys.executable, "-m", "brain", "seed", "--scale", scale, "--force"]
        cmd += ["--data-dir", str(data_dir), "--seed", str(seed_value)]
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=sys.stderr)
        manifest = load_manifest(data_dir)
        assert manifest is not None
    return datetime.fromisoformat(manifest.live_until)


def run_case(
    case: Case, node: Any, now: datetime, mmsi: int, repeats: int, naive: NaiveProcess | None
) -> dict[str, Any]:
    """One adapter query at `repeats` refreshes 5 s apart up to `now` (after one more, the
    warm-up), each refresh in turns: the query as the app runs it (its fast path or compiled
    template), the plain query (its ibis expression built, compiled and run), the bare engine on
    the SQL the app runs, and the naive request, all at the refresh's time."""
    con = node.backend()
    at: dict[str, Any] = {}
    rows: int | None = None
    naive_rows: int | None = None

    def step(i: int) -> None:
        at["time"] = now - REFRESH * (repeats - i)
        at["kwargs"] = case.kwargs(at["time"], mmsi)
        at["sql"] = sql_of(case.query, con, **at["kwargs"])  # what the app's SQL path runs

    def adapter() -> float:
        nonlocal rows
        began = time.perf_counter()
        rows = len(case.query(con, **at["kwargs"]))
        return (time.perf_counter() - began) * 1000

    def query() -> float:
        return ms(lambda: case.query.plain(con, **at["kwargs"]))

    def naive_ask() -> float:
        nonlocal naive_rows
        assert naive is not None
        took, naive_rows = naive.ask(case.name, at["time"], mmsi)
        return took

    jobs = {"adapter": adapter, "query": query, "engine": lambda: ms(lambda: node.sql(at["sql"]))}
    if naive is not None:
        jobs["naive"] = naive_ask
    times = rounds(jobs, repeats, step)
    out = {
        "name": _case_name(case),
        "p50_ms": round(statistics.median(times["adapter"]), 2),
        "p95_ms": round(percentile(times["adapter"], 0.95), 2),
        "query_p50_ms": round(statistics.median(times["query"]), 2),
        "query_p95_ms": round(percentile(times["query"], 0.95), 2),
        "engine_p95_ms": round(percentile(times["engine"], 0.95), 2),
        "rows": rows,
        "naive_p95_ms": round(percentile(times["naive"], 0.95), 2) if naive else None,
    }
    if naive is not None:
        out["naive_rows"] = naive_rows
    return out


def _case_name(case: Case) -> str:
    return case.name if case.name.startswith("drill.") else f"query.{case.name}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--scale", choices=["test", "demo", "bench"], default="demo")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--data-dir", help="seeded data node to use (default data/<scale>)")
    p.add_argument("--no-naive", action="store_true", help="skip the naive comparison")
    p.add_argument(
        "--no-latency", action="store_true", help="skip alerts.latency (a server and a browser)"
    )
    p.add_argument(
        "--load-seconds",
        type=int,
        default=180,
        help="how long load.* runs its users against gunicorn (0: skip the load)",
    )
    p.add_argument("--users", type=int, default=100, help="concurrent users of load.*")
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only the cases whose names start with NAME (again for more), e.g. alerts.latency",
    )
    args = p.parse_args(argv)

    def chosen(name: str) -> bool:
        return not args.only or any(name.startswith(prefix) for prefix in args.only)

    settings = load_settings()
    data_dir = Path(
        args.data_dir or os.environ.get("BRAIN_BENCH_DIR", "") or ROOT / "data" / args.scale
    ).resolve()
    now = _ensure_seeded(data_dir, args.scale, settings.seed)
    settings = replace(settings, data_dir=data_dir, data_url="")
    node = open_node(settings)
    mmsi = pick_mmsi(node.backend(), now)

    cases = [c for c in CASES if chosen(_case_name(c))]
    compared = cases or chosen("wall.tick") or chosen("wall.tick.plain")  # with a naive twin
    naive = None if args.no_naive or not compared else NaiveProcess(data_dir)
    results = [run_case(c, node, now, mmsi, args.repeats, naive) for c in cases]
    if chosen("wall.tick"):
        results.append(bench_wall(node, settings, now, args.repeats, naive))
    if chosen("wall.tick.plain"):
        with plainly():  # what the wall would cost without fast paths and compiled templates
            results.append(bench_wall(node, settings, now, args.repeats, naive, "wall.tick.plain"))
    if chosen("alerts.evaluate"):
        results.append(bench_alerts(node, settings, now, args.repeats))
    if not args.no_latency and chosen("alerts.latency"):
        results.append(bench_latency(data_dir, args.repeats))
    if args.load_seconds > 0 and chosen("load."):  # last: servers and a live feed of their own
        node.close()
        results += bench_load(data_dir, seconds=args.load_seconds, users=args.users)
        node = open_node(settings)
    worker_rss = rss_mb()
    naive_rss = naive.close() if naive is not None else None
    report = {
        "scale": args.scale,
        "now": now.isoformat(),
        "repeats": args.repeats,
        "results": results,
        "rss_mb": round(worker_rss, 1),
        "naive_rss_mb": naive_rss,
        "naive_load_s": naive.load_s if naive is not None else None,
        "resident_rows": _resident_rows(node),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print(report)
    node.close()
    return 0


def _resident_rows(node: Any) -> int | None:
    """Rows the worker holds in memory (data_adapters.resident), None without a copy."""
    resident = getattr(node, "resident", None)
    if resident is None:
        return None
    return sum(s["rows"] for s in resident.stats().values())


def _print(report: dict[str, Any]) -> None:
    print(f"scale {report['scale']}, now {report['now']}, {report['repeats']} repeats")
    print(
        f"{'name':<34}{'p50 ms':>9}{'p95 ms':>9}{'naive':>10}{'speed-up':>10}{'engine':>9}"
        f"{'query p95':>11}{'speed-up':>10}"
    )

    def cell(value: Any, width: int) -> str:
        return f"{value:>{width}}" if value is not None else f"{'-':>{width}}"

    def ratio(naive: float | None, ms: float | None) -> str:
        return f"{naive / ms:.1f}×" if naive and ms else "-"

    for r in report["results"]:
        if r.get("skipped"):
            print(f"{r['name']:<34} skipped: {r['skipped']}")
            continue
        naive, query = r.get("naive_p95_ms"), r.get("query_p95_ms")
        print(
            f"{r['name']:<34}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{cell(naive, 10)}"
            f"{ratio(naive, r['p95_ms']):>10}{cell(r.get('engine_p95_ms'), 9)}"
            f"{cell(query, 11)}{ratio(naive, query):>10}"
        )
    print(
        f"worker RSS {report['rss_mb']} MB; naive RSS {report['naive_rss_mb']} MB "
        f"(load {report['naive_load_s']} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
