"""The naive app in its own process: load every table into pandas, then answer per request.

Times the query cases of `bench.naive` and a whole naive wall refresh (`bench.wall_naive`) on
one load of the tables; prints {"rss_mb", "load_s", "results": {name: [ms...]}, "rows"}.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

from bench import REFRESH, rss_mb, timed
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
        results[name], out = timed(lambda: fn(frames, now, **extra), args.repeats)  # noqa: B023
        rows[name] = len(out)
    naive_tick(frames, now - REFRESH * args.repeats)  # warm-up, as the app's first refresh
    ticks = []
    for i in range(1, args.repeats + 1):  # the refreshes the app's benchmark times
        t0 = time.perf_counter()
        naive_tick(frames, now - REFRESH * (args.repeats - i))
        ticks.append((time.perf_counter() - t0) * 1000)
    results["wall.tick"] = ticks
    report = {"rss_mb": round(rss_mb(), 1), "load_s": round(load_s, 2), "results": results}
    print(json.dumps(report | {"rows": rows}))


if __name__ == "__main__":
    main()
