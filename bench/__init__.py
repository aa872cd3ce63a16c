"""The benchmark suite: `python -m bench`. Shared here: timing, percentiles and memory."""

import resource
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

__all__ = ["REFRESH", "ms", "percentile", "rounds", "rss_mb", "timed"]

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


def ms(fn: Callable[[], Any]) -> float:
    """Milliseconds `fn()` takes."""
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def rounds(jobs: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Each job's milliseconds (as the job reports them) over `repeats` rounds that run every
    job once, in turn, after one warm-up round: what is compared is measured side by side, so a
    machine whose speed drifts during the run weighs on each alike."""
    for job in jobs.values():
        job()
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(repeats):
        for name, job in jobs.items():
            times[name].append(job())
    return times


def rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
