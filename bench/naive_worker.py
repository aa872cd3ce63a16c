"""The naive app in its own process: load every table into pandas, then answer per request.

The benchmark drives it through `NaiveProcess`: each request (a query case of `bench.naive`, or a
whole naive wall refresh, `bench.wall_naive`) is one JSON line on stdin, answered with the
milliseconds it took and its rows, so the benchmark can time the app and the naive approach in
turns, each request of one right after the same request of the other: a machine that slows down
or speeds up during the run then weighs on both alike. At the end of its input it reports its
peak memory and how long the load took.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import rss_mb
from bench.naive import NAIVE
from bench.wall_naive import load, naive_tick
from data_adapters.node import LakeNode

__all__ = ["WALL", "NaiveProcess"]

WALL = "wall.tick"  # the request for one naive wall refresh
ROOT = Path(__file__).resolve().parent.parent


class NaiveProcess:
    """The naive app, started and loaded; `ask` times one request in it."""

    def __init__(self, data_dir: Path) -> None:
        cmd = [sys.executable, "-m", "bench.naive_worker", "--data-dir", str(data_dir)]
        self._proc = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.load_s = float(self._reply()["load_s"])

    def _reply(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the naive process ended (exit {self._proc.wait()})")
        return dict(json.loads(line))

    def ask(self, name: str, now: datetime, mmsi: int = 0) -> tuple[float, int | None]:
        """Milliseconds of one `name` request at `now` in the naive process, and its rows."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"name": name, "now": now.isoformat(), "mmsi": mmsi}))
        self._proc.stdin.write("\n")
        reply = self._reply()
        return float(reply["ms"]), reply["rows"]

    def close(self) -> float:
        """End the process; its peak resident memory, in MB."""
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        peak = float(self._reply()["rss_mb"])
        self._proc.wait()
        return peak


def _answer(frames: Any, ask: dict[str, Any]) -> tuple[float, int | None]:
    now, name = datetime.fromisoformat(ask["now"]), ask["name"]
    extra = {"mmsi": ask["mmsi"]} if name in ("radar.track", "drill.radar") else {}
    fn = naive_tick if name == WALL else NAIVE[name]
    began = time.perf_counter()
    out = fn(frames, now, **extra)
    ms = (time.perf_counter() - began) * 1000
    return ms, None if name == WALL else len(out)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", required=True)
    args = p.parse_args()
    node = LakeNode(Path(args.data_dir))
    began = time.perf_counter()
    frames = load(node)
    node.close()
    print(json.dumps({"load_s": round(time.perf_counter() - began, 2)}), flush=True)
    for line in sys.stdin:
        ms, rows = _answer(frames, json.loads(line))
        print(json.dumps({"ms": ms, "rows": rows}), flush=True)
    print(json.dumps({"rss_mb": round(rss_mb(), 1)}), flush=True)


if __name__ == "__main__":
    main()
