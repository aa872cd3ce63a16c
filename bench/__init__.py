"""The benchmark suite: `python -m bench`. Shared here: timing, percentiles and memory."""

import resource
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

__all__ = ["REFRESH", "ms", "percentile", "rounds", "rss_mb"]

REFRESH = timedelta(seconds=5)  # the wall's refresh: benchmarked refreshes are this far apart


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile of `values`, interpolated linearly between the closest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(fn: Callable[[], Any]) -> float:
    """Milliseconds `fn()` takes."""
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def rounds(
    jobs: dict[str, Callable[[], float]],
    repeats: int,
    before: Callable[[int], None] | None = None,
) -> dict[str, list[float]]:
    """Each job's milliseconds (as the job reports them) over `repeats` rounds that run every
    job once, in turn, after one warm-up round: what is compared is measured side by side, so a
    machine whose speed drifts during the run weighs on each alike. `before(i)` (untimed) runs
    before round `i` (0 is the warm-up round)."""
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for i in range(repeats + 1):
        if before is not None:
            before(i)
        for name, job in jobs.items():
            took = job()
            if i:
                times[name].append(took)
    return times


def rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
