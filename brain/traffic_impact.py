"""An incident's effect on the road segments near it: which segments lie within some metres of
it, and their speed and TPI before its start against after it.

Pure: segments and readings come in as frames, the incident's place and start as parameters.
Distances use an equirectangular projection around the incident (metres; under 0.1 % off at city
scale), from the incident to the nearest point of each segment's polyline.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

__all__ = [
    "IMPACT_AFTER",
    "IMPACT_BEFORE",
    "IMPACT_COLUMNS",
    "IMPACT_MIN_AFTER",
    "IMPACT_RADIUS_M",
    "NEARBY_COLUMNS",
    "after_end",
    "distance_to_path_m",
    "impact",
    "nearby_segments",
    "parse_path",
]

EARTH_RADIUS_M = 6_371_000.0
IMPACT_RADIUS_M = 1500.0  # segments this close to an incident are the ones it may slow down
IMPACT_BEFORE = timedelta(hours=1)  # the baseline: this long before the incident's start
IMPACT_AFTER = timedelta(hours=1)  # the effect: this long from its start (or until it cleared)
# ... but never less than this: a segment reports every 1-15 minutes, and a reading stamped at
# the end of its interval after a short incident still measured it
IMPACT_MIN_AFTER = timedelta(minutes=15)
NEARBY_COLUMNS = ["segment_id", "road_name", "road_class", "distance_m"]
IMPACT_COLUMNS = [
    "segment_id",
    "road_name",
    "distance_m",
    "speed_before",
    "speed_after",
    "speed_change_pct",
    "tpi_before",
    "tpi_after",
    "tpi_change",
    "readings_before",
    "readings_after",
]


def parse_path(path: str | Sequence[Sequence[float]]) -> list[tuple[float, float]]:
    """The `[[lon, lat], ...]` points of a segment's line (a JSON string or a list)."""
    raw: Any = json.loads(path) if isinstance(path, str) else path
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"a path is a non-empty list of [lon, lat] points, got {path!r}")
    points = [(float(p[0]), float(p[1])) for p in raw]
    if not all(math.isfinite(c) for p in points for c in p):
        raise ValueError(f"a path has a non-finite coordinate: {path!r}")
    return points


def distance_to_path_m(lon: float, lat: float, path: Sequence[tuple[float, float]]) -> float:
    """Metres from (lon, lat) to the nearest point of the polyline `path` (one point: to it)."""
    if not path:
        raise ValueError("an empty path has no distance")
    kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(lat))
    ky = math.radians(1.0) * EARTH_RADIUS_M
    xy = [((x - lon) * kx, (y - lat) * ky) for x, y in path]
    if len(xy) == 1:
        return math.hypot(*xy[0])
    best = math.inf
    for (x0, y0), (x1, y1) in itertools.pairwise(xy):
        dx, dy = x1 - x0, y1 - y0
        seg2 = dx * dx + dy * dy
        # the incident sits at the origin: project it onto the piece, clamped to its ends
        u = 0.0 if seg2 == 0 else max(0.0, min(1.0, -(x0 * dx + y0 * dy) / seg2))
        best = min(best, math.hypot(x0 + u * dx, y0 + u * dy))
    return best


def nearby_segments(
    segments: pd.DataFrame, lon: float, lat: float, radius_m: float = IMPACT_RADIUS_M
) -> pd.DataFrame:
    """Segments (`segment_id, road_name, road_class, path`) whose line passes within
    `radius_m` of (lon, lat), nearest first, with `distance_m`."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"an incident needs a finite position, got ({lon}, {lat})")
    if radius_m <= 0:
        raise ValueError(f"radius_m must be positive, got {radius_m}")
    if segments.empty:
        return pd.DataFrame(columns=NEARBY_COLUMNS)
    dist = [distance_to_path_m(lon, lat, parse_path(p)) for p in segments["path"]]
    out = segments.assign(distance_m=dist)
    out = out[out["distance_m"] <= radius_m]
    out = out.sort_values(["distance_m", "segment_id"])
    return out[NEARBY_COLUMNS].reset_index(drop=True)


def after_end(
    start: datetime,
    end: datetime | None,
    *,
    after: timedelta = IMPACT_AFTER,
    min_after: timedelta = IMPACT_MIN_AFTER,
) -> datetime:
    """Where an incident's "after" window stops (see `impact`)."""
    if end is None:
        return start + after
    return min(start + after, max(end, start + min(min_after, after)))


def _mean(frame: pd.DataFrame, col: str) -> pd.Series:
    return frame.groupby("segment_id")[col].mean()


def impact(
    nearby: pd.DataFrame,
    readings: pd.DataFrame,
    start: datetime,
    *,
    end: datetime | None = None,
    before: timedelta = IMPACT_BEFORE,
    after: timedelta = IMPACT_AFTER,
    min_after: timedelta = IMPACT_MIN_AFTER,
) -> pd.DataFrame:
    """Per nearby segment (`nearby_segments`), the mean speed and TPI of its readings
    (`segment_id, ts, speed_kmh, tpi`) in `[start - before, start)` against `[start, stop)`,
    `stop = min(start + after, max(end, start + min_after))`: `end` is when the incident
    cleared or the view's now (None: no end). A change is null when either side has no
    reading; `speed_change_pct` also when the speed before was 0."""
    if before <= timedelta(0) or after <= timedelta(0):
        raise ValueError("before and after must be positive durations")
    stop = after_end(start, end, after=after, min_after=min_after)
    if nearby.empty:
        return pd.DataFrame(columns=IMPACT_COLUMNS)
    r = readings[readings["segment_id"].isin(nearby["segment_id"])]
    ts = pd.to_datetime(r["ts"], utc=True)
    pre = r[(ts >= start - before) & (ts < start)]
    post = r[(ts >= start) & (ts < stop)]
    out = nearby[["segment_id", "road_name", "distance_m"]].set_index("segment_id")
    out["speed_before"] = _mean(pre, "speed_kmh")
    out["speed_after"] = _mean(post, "speed_kmh")
    out["tpi_before"] = _mean(pre, "tpi")
    out["tpi_after"] = _mean(post, "tpi")
    out["readings_before"] = pre.groupby("segment_id").size()
    out["readings_after"] = post.groupby("segment_id").size()
    out[["readings_before", "readings_after"]] = (
        out[["readings_before", "readings_after"]].fillna(0).astype(int)
    )
    for col in ("speed_before", "speed_after", "tpi_before", "tpi_after"):
        out[col] = out[col].astype("float64")
    base = out["speed_before"].where(out["speed_before"] > 0)
    out["speed_change_pct"] = (out["speed_after"] / base - 1.0) * 100.0
    out["tpi_change"] = out["tpi_after"] - out["tpi_before"]
    out = out.reset_index()
    result: pd.DataFrame = out[IMPACT_COLUMNS]
    return result
