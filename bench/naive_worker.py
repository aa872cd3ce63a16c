"""The naive app in its own process: load every table into pandas, then answer per request.

Times the query cases of `bench.naive` and a whole naive wall refresh (`bench.wall_naive`) on
one load of the tables; prints {"rss_mb", "load_s", "results": {name: [ms...]}, "rows"}.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.naive import NAIVE
from bench.wall_naive import load, naive_tick
from data_adapters.node import LakeNode


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", required=True)
    p.add_argument("--now", required=True)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--mmsi", type=int, required=True)
    args = p.parse_args()
    now = datetime.fromisoformat(args.now)
    node = LakeNode(Path(args.data_dir))
    began = time.perf_counter()
    frames = load(node)
    load_s = time.perf_counter() - began
    node.close()
    results: dict[str, list[float]] = {}
    rows: dict[str, int] = {}
    for name, fn in NAIVE.items():
        extra = {"mmsi": args.mmsi} if name == "radar.track" else {}
        fn(frames, now, **extra)
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            out = fn(frames, now, **extra)
            times.append((time.perf_counter() - t0) * 1000)
        results[name] = times
        rows[name] = len(out)
    naive_tick(frames, now)  # warm-up
    ticks = []
    for i in range(args.repeats):  # refreshes 5 s apart, as the app's benchmark runs them
        t0 = time.perf_counter()
        naive_tick(frames, now - timedelta(seconds=5 * (args.repeats - i)))
        ticks.append((time.perf_counter() - t0) * 1000)
    results["wall.tick"] = ticks
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"rss_mb": round(rss, 1), "load_s": round(load_s, 2), "results": results, "rows": rows}
        )
    )


if __name__ == "__main__":
    main()
