"""The benchmark suite: `python -m bench`. Shared here: timing, percentiles and memory."""

import resource
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

__all__ = ["REFRESH", "percentile", "rss_mb", "timed"]

REFRESH = timedelta(seconds=5)  # the wall's refresh: benchmarked refreshes are this far apart


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile of `values`, interpolated linearly between the closest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Milliseconds of `repeats` calls after one warm-up call (which pays for metadata and file
    opening), and the last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return times, result


def rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
