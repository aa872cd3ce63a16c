"""Figures of the Emergency page (应急指挥): events by type and level, warning areas, resources
by kind, the typhoon forecast cone and the steps of a storm replay.

Pure: frames in (the answers of `data_adapters.emergency`), plain values out.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely

from brain.standards import WarningLevel

__all__ = [
    "CONE_RADIUS_KM",
    "LEVELS",
    "by_district",
    "by_kind_level",
    "cone_radius_km",
    "forecast_cone",
    "replay_steps",
    "resource_summary",
    "warning_areas",
]

LEVELS: Final = tuple(str(lv) for lv in WarningLevel)  # I (highest) … IV
# Radius of the forecast cone by lead time (hours → km): roughly the mean track error of
# official typhoon forecasts for the South China Sea in the 2010s (about 70 km at 24 h, 120 km
# at 48 h, 180 km at 72 h; approximate, for drawing, not a probability statement).
CONE_RADIUS_KM: Final = ((0.0, 10.0), (12.0, 45.0), (24.0, 70.0), (48.0, 120.0), (72.0, 180.0))
_EARTH_KM = 6371.0088


def by_kind_level(events: pd.DataFrame) -> pd.DataFrame:
    """Events counted per kind (rows, most first) and level (columns I … IV), with `total`."""
    cols = [*LEVELS, "total"]
    if events.empty:
        return pd.DataFrame(columns=["kind", *cols])
    table = pd.crosstab(events["kind"].astype(str), events["level"].astype(str))
    table = table.reindex(columns=list(LEVELS), fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.reset_index().rename(columns={"index": "kind"})
    table.columns.name = None
    table = table.sort_values(["total", "kind"], ascending=[False, True], kind="stable")
    return table[["kind", *cols]].astype({c: "int64" for c in cols}).reset_index(drop=True)


def by_district(events: pd.DataFrame) -> dict[str, int]:
    """Events per district (adcode → count)."""
    if events.empty:
        return {}
    counts = events["adcode"].astype(str).value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items())}


def resource_summary(resources: pd.DataFrame) -> pd.DataFrame:
    """Per resource kind: `count` and total `capacity` (places, people or seats), most first."""
    if resources.empty:
        return pd.DataFrame(columns=["kind", "count", "capacity"])
    g = resources.groupby(resources["kind"].astype(str))
    out = pd.DataFrame({"count": g.size(), "capacity": g["capacity"].sum()}).reset_index()
    out = out.astype({"count": "int64", "capacity": "int64"})
    return out.sort_values(["capacity", "kind"], ascending=[False, True]).reset_index(drop=True)


def warning_areas(warnings: pd.DataFrame) -> list[dict[str, Any]]:
    """One area per polygon of each warning in force (CAP circles arrive as 36-gons): its
    `identifier, hazard, level, signal, ring` ([[lon, lat], ...], closed). Warnings without a
    polygon (they name districts only) have no area here. A malformed polygon raises ValueError."""
    out: list[dict[str, Any]] = []
    rows: list[Any] = list(warnings.itertuples(index=False))
    for row in rows:
        try:
            shapes = json.loads(row.polygons or "[]")
        except ValueError as e:
            raise ValueError(f"warning {row.identifier}: polygons are not JSON") from e
        for ring in shapes:
            pts = [[float(p[0]), float(p[1])] for p in ring]
            if len(pts) < 3:
                raise ValueError(f"warning {row.identifier}: a polygon needs three points")
            if pts[0] != pts[-1]:
                pts.append(pts[0])
            out.append(
                {
                    "identifier": str(row.identifier),
                    "hazard": str(row.hazard),
                    "level": str(row.level),
                    "signal": None if pd.isna(row.signal) else str(row.signal),
                    "ring": pts,
                }
            )
    return out


def cone_radius_km(lead_h: float) -> float:
    """The cone's radius at `lead_h` hours after the forecast was issued (linear between the
    points of `CONE_RADIUS_KM`, growing on beyond 72 h at the last rate)."""
    if lead_h < 0:
        raise ValueError("lead time must be zero or more")
    hours = [h for h, _ in CONE_RADIUS_KM]
    km = [r for _, r in CONE_RADIUS_KM]
    if lead_h <= hours[-1]:
        return float(np.interp(lead_h, hours, km))
    slope = (km[-1] - km[-2]) / (hours[-1] - hours[-2])
    return km[-1] + slope * (lead_h - hours[-1])


def forecast_cone(track: pd.DataFrame) -> list[list[float]] | None:
    """The forecast cone of a `typhoon_track` answer: from the last observed position (at the
    forecast's issue, radius `cone_radius_km(0)`) through each forecast point with the radius of
    its lead time; the union of the circles and of the hulls of consecutive pairs, as one ring of
    [lon, lat]. None when there is no forecast."""
    fc = track[track["kind"] == "forecast"].sort_values("ts")
    if fc.empty:
        return None
    issued = pd.Timestamp(fc["issued_ts"].max())
    fc = fc[pd.to_datetime(fc["issued_ts"]) == issued]
    obs = track[track["kind"] == "observed"].sort_values("ts")
    points: list[tuple[float, float, float]] = []
    if not obs.empty:
        last: Any = obs.iloc[-1]
        points.append((float(last["lon"]), float(last["lat"]), cone_radius_km(0.0)))
    fc_rows: list[Any] = list(fc.itertuples(index=False))
    for row in fc_rows:
        lead = (pd.Timestamp(row.ts) - issued).total_seconds() / 3600.0
        points.append((float(row.lon), float(row.lat), cone_radius_km(max(lead, 0.0))))
    lat0 = float(np.mean([p[1] for p in points]))
    kx = math.pi / 180 * _EARTH_KM * math.cos(math.radians(lat0))
    ky = math.pi / 180 * _EARTH_KM
    circles = [shapely.Point(lon * kx, lat * ky).buffer(r, quad_segs=16) for lon, lat, r in points]
    parts = list(circles)
    parts += [shapely.union(a, b).convex_hull for a, b in itertools.pairwise(circles)]
    cone = shapely.union_all(parts)
    if isinstance(cone, shapely.MultiPolygon):  # not expected: consecutive hulls overlap
        cone = max(cone.geoms, key=lambda g: g.area)
    ring = np.asarray(cone.exterior.coords)
    out: list[list[float]] = np.round(
        np.column_stack([ring[:, 0] / kx, ring[:, 1] / ky]), 5
    ).tolist()
    return out


def replay_steps(first: datetime, last: datetime, step: timedelta) -> list[datetime]:
    """The times a replay slider stops at: `first`, every `step`, and `last` (inclusive)."""
    if step <= timedelta(0):
        raise ValueError("the replay step must be positive")
    if last < first:
        raise ValueError("a replay ends after it starts")
    out: list[datetime] = []
    t = first
    while t < last:
        out.append(t)
        t += step
    out.append(last)
    return out


def nearest_index(steps: Sequence[datetime], at: datetime) -> int:
    """The index of the step closest to `at` (ties: the earlier)."""
    if not steps:
        raise ValueError("no replay steps")
    return min(range(len(steps)), key=lambda i: (abs(steps[i] - at), i))
