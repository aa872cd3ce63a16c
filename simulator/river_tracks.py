"""The GPS track of a river chief's patrol (巡河轨迹), along the line of its reach.

A patrol row (patrol_id, reach_id, chief_name, ts, end_ts, distance_km) becomes fixes every
30-60 s from `ts` to `end_ts`: the chief starts somewhere on the reach and goes `distance_km`
along it (turning back at an end of the reach), at a speed that wavers around the mean, with two
or three stops to look and record (the mean over the patrol is then distance over duration). The
fixes keep to one bank, 5-25 m off the reach's centre line, with about 4 m of GPS noise.
Deterministic from the seed and the patrol id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from simulator.base import SimContext, rng_for

__all__ = ["FIX_S", "GPS_NOISE_M", "track"]

FIX_S = (30.0, 60.0)  # seconds between fixes
GPS_NOISE_M = 4.0  # standard deviation of each coordinate of a fix
_BANK_M = (5.0, 25.0)  # how far from the centre line the chief walks or sails
_STOPS = (2, 4)  # stops per patrol: at least 2, fewer than 4
_STOP_S = (180.0, 600.0)
_KM_LON, _KM_LAT = 111.32, 110.57  # km per degree (the reach lengths use the same)


def _metric(line: LineString) -> tuple[LineString, float, float]:
    """The line in metres east and north of its first point, and that point."""
    xy = np.asarray(line.coords)
    lon0, lat0 = float(xy[0, 0]), float(xy[0, 1])
    kx = _KM_LON * 1000.0 * np.cos(np.radians(lat0))
    m = np.column_stack([(xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * _KM_LAT * 1000.0])
    return LineString(m), lon0, lat0


def _times(rng: np.random.Generator, start: datetime, end: datetime) -> np.ndarray:
    """Seconds after `start` of every fix: 0, then every 30-60 s, the last one at `end` (15-75 s
    after the one before)."""
    total = (end - start).total_seconds()
    steps = rng.uniform(*FIX_S, int(total / FIX_S[0]) + 2)
    t = np.concatenate([[0.0], np.cumsum(steps)])
    t = np.round(t[t < total - FIX_S[0] / 2])
    return np.concatenate([t, [round(total)]])


def _progress(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """0 … 1 along the patrol at each fix: moving at a wavering speed, still during the stops."""
    dt = np.diff(t)
    pace = rng.lognormal(0.0, 0.25, len(dt))
    mid = (t[:-1] + t[1:]) / 2
    stops = int(rng.integers(*_STOPS))
    for _ in range(stops):  # together at most 40 % of the patrol
        at = rng.uniform(0.1, 0.9) * t[-1]
        pace[np.abs(mid - at) < min(rng.uniform(*_STOP_S), 0.4 * t[-1] / stops) / 2] = 0.0
    moved = np.concatenate([[0.0], np.cumsum(pace * dt)])
    return moved / moved[-1] if moved[-1] > 0 else np.linspace(0.0, 1.0, len(t))


def _fold(s: np.ndarray, length: float) -> np.ndarray:
    """Positions along a line of `length`, turning back at either end."""
    s = np.mod(s, 2 * length)
    return np.where(s > length, 2 * length - s, s)


@lru_cache(maxsize=4096)
def _track(ctx: SimContext, patrol: tuple[Any, ...], line: LineString) -> pd.DataFrame:
    patrol_id, _, _, start, end, km = patrol[:6]
    rng = rng_for(ctx, "river", "track", patrol_id)
    metric, lon0, lat0 = _metric(line)
    length = metric.length
    walk = min(float(km) * 1000.0, 2 * length)
    forward = rng.random() < 0.5
    s0 = rng.uniform(0.0, max(length - walk, 0.0))
    if not forward:
        s0 = length - s0
    t = _times(rng, start, end)
    s = _fold(s0 + (1.0 if forward else -1.0) * walk * _progress(rng, t), length)
    ahead = shapely.line_interpolate_point(metric, np.minimum(s + 5.0, length))
    behind = shapely.line_interpolate_point(metric, np.maximum(s - 5.0, 0.0))
    tangent = shapely.get_coordinates(ahead) - shapely.get_coordinates(behind)
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    normal = (
        np.column_stack([-tangent[:, 1], tangent[:, 0]]) / np.where(norm > 0, norm, 1.0)[:, None]
    )
    bank = rng.uniform(*_BANK_M) * (1.0 if rng.random() < 0.5 else -1.0)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(metric, s))
    xy = xy + bank * normal + rng.normal(0.0, GPS_NOISE_M, xy.shape)
    kx = _KM_LON * 1000.0 * np.cos(np.radians(lat0))
    return pd.DataFrame(
        {
            "patrol_id": patrol_id,
            "ts": [start + timedelta(seconds=float(x)) for x in t],
            "lon": np.round(lon0 + xy[:, 0] / kx, 6),
            "lat": np.round(lat0 + xy[:, 1] / (_KM_LAT * 1000.0), 6),
        }
    )


def track(ctx: SimContext, patrol: tuple[Any, ...], line: LineString) -> pd.DataFrame:
    """The fixes (patrol_id, ts, lon, lat) of one patrol row along its reach's `line` (WGS-84)."""
    return _track(ctx, tuple(patrol), line)
