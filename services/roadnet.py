"""The road network of now, built once per traffic refresh, and what is quickest to reach by it.

`graph(data, now)` asks the data service for the segments' state and the open traffic incidents
(closures) and builds `brain.roadnet.RoadGraph` from them once per distinct pair of answers
(their content keys): every page and user within one traffic refresh shares one graph.
`nearest(data, now, origin, candidates, k)` and `reach(data, now, origin, minutes)` answer on it;
they fail into values (a `Result` with the error) like every other answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from brain import roadnet
from brain.memo import Memo, combine
from data_adapters import traffic
from data_adapters.result import Result
from services.fetch import DataLike, fetch, frame_of

__all__ = ["GRAPHS", "graph", "nearest", "reach"]

GRAPHS = Memo(4)  # graphs of the last few traffic refreshes (a few MB each at bench scale)


def graph(data: DataLike, now: datetime) -> Result[roadnet.RoadGraph]:
    """The city's road graph at `now` (speeds of the latest readings, closures left out); as old
    as the segments' state, failed when there is no segment state to build it from."""
    state, incidents = fetch(
        data, (traffic.segment_state, {"now": now}), (traffic.incidents, {"now": now})
    )
    segments = frame_of(state)
    if segments is None:
        return Result(None, state.as_of, state.error or "no road segments")
    open_inc = frame_of(incidents)
    closed = tuple(roadnet.closed_segments(open_inc)) if open_inc is not None else ()
    keys = (state.key, incidents.key if open_inc is not None else "none")
    built = GRAPHS("roadnet", keys, lambda: roadnet.build(segments, closed=closed))
    return Result(built, state.as_of, state.error or incidents.error, combine(*keys))


def nearest(
    data: DataLike,
    now: datetime,
    origin: tuple[float, float],
    candidates: Result[Any],
    k: int = 5,
) -> Result[pd.DataFrame]:
    """The `k` candidates (an answer with `lon, lat` rows) quickest to reach from `origin` by
    road at `now` (`brain.roadnet.nearest`)."""
    g = graph(data, now)
    places = frame_of(candidates)
    if g.value is None or places is None:
        return Result(None, g.as_of, g.error or candidates.error or "no candidates")
    found = roadnet.nearest(g.value, origin, places, k)
    return Result(found, g.as_of, g.error or candidates.error)


def reach(
    data: DataLike, now: datetime, origin: tuple[float, float], minutes: float
) -> Result[roadnet.Reach]:
    """What can be reached from `origin` within `minutes` by road at `now`."""
    g = graph(data, now)
    if g.value is None:
        return Result(None, g.as_of, g.error)
    return Result(roadnet.reach(g.value, origin, minutes), g.as_of, g.error)
