"""What every domain's figures are made with: the parallel fetch, rows as plain data, and the
memo of figures derived from answers.

`fetch(data, *calls)` asks the data service for independent adapter calls at once; `records`
turns a frame into JSON-ready rows; `DERIVED` keeps figures derived from answers (panels, vessel
positions, zone intrusions, map layers) per distinct answer, so a figure is derived once however
many districts, languages and pages ask for it.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import cache
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from brain.memo import Memo, combine
from data_adapters.result import Result

__all__ = [
    "DERIVED",
    "LIST_ROWS",
    "QUERY_WORKERS",
    "Call",
    "DataLike",
    "count",
    "derived",
    "fetch",
    "frame_of",
    "records",
]

T = TypeVar("T")
Call = tuple[Callable[..., Any], dict[str, Any]]  # an adapter and its parameters
LIST_ROWS = 8  # rows of each "worst …" list (the 16:9 wall shows fewer, 32:9 and focus all)
QUERY_WORKERS = 4  # query threads (lanes): adapter queries of one refresh in flight at once
# Figures derived from answers, kept per distinct answer: every district and language of the
# wall, a few refreshes deep.
DERIVED = Memo(512)


class DataLike(Protocol):
    """What the domain services need of `services.data.DataService`."""

    def call(self, fn: Callable[..., T], /, **params: Any) -> Result[T]: ...

    def peek(self, fn: Callable[..., T], /, **params: Any) -> Result[T] | None: ...

    def behind(self, fn: Callable[..., T], /, **params: Any) -> Result[T]: ...

    def late(self, fn: Callable[..., T], /, **params: Any) -> Result[T] | None: ...


@cache
def _lanes() -> tuple[ThreadPoolExecutor, ...]:
    """Query threads, kept so each keeps its engine cursor (and its prepared statements)."""
    return tuple(
        ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"wall-query-{i}")
        for i in range(QUERY_WORKERS)
    )


os.register_at_fork(after_in_child=_lanes.cache_clear)  # a forked worker starts its own
_placed: dict[tuple[str, ...], int] = {}  # query shape → its lane, dealt out in turn
_placing = threading.Lock()


def _lane(call: Call) -> ThreadPoolExecutor:
    """The thread a call always runs on, by its query shape (adapter and non-time parameters):
    each shape is prepared on one engine connection, not on each thread in turn. Shapes are
    dealt out in turn as they first come, so the calls of one panel go to different threads."""
    fn, params = call
    shape: tuple[str, ...] = (fn.__module__, fn.__qualname__)
    shape += tuple(f"{k}={v!r}" for k, v in sorted(params.items()) if not isinstance(v, datetime))
    lanes = _lanes()
    with _placing:
        lane = _placed.setdefault(shape, len(_placed) % len(lanes))
    return lanes[lane]


BEHIND_S = 30  # answers kept at least this long may be one step late on the wall


def fetch(data: DataLike, *calls: Call) -> list[Result[Any]]:
    """The results of independent adapter calls: those the cache has at once, the others run
    side by side (a refresh is mostly waiting on small queries, and the engine releases the GIL
    while it works), each sent off as soon as it is known to be needed. A query whose answers
    are kept `BEHIND_S` or longer (data that moves every few minutes) is not waited for when
    this process has its answer of the step before: that one now, with its own `as_of`, and
    this step's asked between refreshes (`DataService.late`)."""
    out: list[Result[Any] | Future[Result[Any]]] = []
    for fn, params in calls:
        found = data.peek(fn, **params)
        if found is None and getattr(fn, "ttl_s", 0) >= BEHIND_S:
            found = data.late(fn, **params)
        out.append(
            found if found is not None else _lane((fn, params)).submit(data.call, fn, **params)
        )
    return [r.result() if isinstance(r, Future) else r for r in out]


def records(
    frame: pd.DataFrame | None, columns: Iterable[str], n: int | None = None
) -> list[dict[str, Any]]:
    """Rows of `frame` as JSON-ready dicts (NaN → None, timestamps → ISO 8601)."""
    if frame is None or frame.empty:
        return []
    cols = [c for c in columns if c in frame.columns]
    part = frame[cols] if n is None else frame[cols].head(n)
    names = [str(c) for c in cols]
    values = [_plain_column(part.iloc[:, i]) for i in range(len(cols))]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _plain_column(column: pd.Series) -> list[Any]:
    """A column's values as `_plain` gives them, a whole numpy column of numbers at once."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return list(column.to_numpy().tolist())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [None if v != v else v for v in column.to_numpy(dtype="float64").tolist()]
    return [_plain(v) for v in column.tolist()]


def _plain(v: Any) -> Any:
    if type(v) is str:
        return v
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp | datetime):
        return v.isoformat()
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if math.isnan(f) else f
    if hasattr(v, "isoformat"):  # date
        return str(v.isoformat())
    return v


def frame_of(result: Result[Any]) -> pd.DataFrame | None:
    """The frame of a result (its last good one when it failed), or None."""
    return result.value if isinstance(result.value, pd.DataFrame) else None


def count(frame: pd.DataFrame | None) -> int | None:
    """Rows of a frame; None when there is no frame to count."""
    return None if frame is None else len(frame)


def derived(
    name: str, derive: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame], *pair: Result[Any]
) -> Result[Any]:
    """A frame derived from two answers (no query of its own), once per distinct pair of them;
    it is as old as the first, and fails with either."""
    first, second = pair
    error = first.error or second.error
    a, b = first.value, second.value
    if not (isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame)):
        return Result(None, first.as_of, error or f"no {name}")
    keys = (first.key, second.key)
    found = DERIVED(name, keys, lambda: derive(a, b))
    return Result(found, first.as_of, error, combine(*keys))
