"""River page computations: the GB 3838-2002 class bands of each parameter, the chain of river
chiefs (河长) responsible for a reach, the patrol coverage of each reach, and the spread of
sections over the classes.

Pure: plain data in, plain data out. The chain of chiefs is stored (`river_chiefs`, each chief
with the one they answer to, read by `data_adapters.river.reach_chiefs`); here its rows become
one list per reach. Coverage is geometric: the share of a reach's line within 50 m of the GPS
track of a patrol in the range (`reach_coverage`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from brain.standards import WATER_LIMITS, WaterClass

__all__ = [
    "CHIEF_LEVELS",
    "CLASSES",
    "COVERAGE_M",
    "Band",
    "Chief",
    "chief_chains",
    "class_bands",
    "class_counts",
    "patrol_minutes",
    "patrol_speed_kmh",
    "reach_coverage",
]

CLASSES: Final = tuple(c.value for c in WaterClass)  # I … V, 劣V
CHIEF_LEVELS: Final = ("市", "县", "镇", "村")  # highest first
COVERAGE_M: Final = 50.0  # a stretch of river within this of a patrol track was patrolled
_FLOORS: Final = frozenset({"DO"})


@dataclass(frozen=True)
class Band:
    """The values of one parameter that fall in one class: `lo` < value <= `hi` for a ceiling
    parameter (`lo` <= value < `hi` for DO, a floor); `hi` may be infinite."""

    water_class: str
    lo: float
    hi: float


def class_bands(key: str, top: float | None = None) -> list[Band]:
    """The class bands of parameter `key` (a key of WATER_LIMITS), best class first; classes that
    share a limit with the class before them (COD and BOD5: I and II) have no band of their own.
    `top` closes the open end (劣V of a ceiling, I of DO) instead of infinity."""
    if key not in WATER_LIMITS:
        raise ValueError(
            f"unknown water-quality parameter {key!r}; expected one of {', '.join(WATER_LIMITS)}"
        )
    limits = WATER_LIMITS[key]
    end = math.inf if top is None else float(top)
    bands: list[Band] = []
    if key in _FLOORS:
        edges = (end, *limits, 0.0)  # I: >= 7.5 … 劣V: < 2
        for i, c in enumerate(CLASSES):
            hi, lo = edges[i], edges[i + 1]
            if hi > lo:
                bands.append(Band(c, lo, hi))
        return bands
    edges = (0.0, *limits, max(end, limits[-1]))
    for i, c in enumerate(CLASSES):
        lo, hi = edges[i], edges[i + 1]
        if hi > lo:
            bands.append(Band(c, lo, hi))
    return bands


@dataclass(frozen=True)
class Chief:
    """One river chief over a reach: the level (市/县/镇/村), the name, the id and the division
    they answer for (440800: the city)."""

    level: str
    name: str
    chief_id: str
    adcode: str


def chief_chains(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Chief]]:
    """Every reach's chain of chiefs from rows of the stored chains (reach_id, above, chief_id,
    name, level, adcode; `above` 0 is the reach's own chief): the highest first. A level that is
    not 市/县/镇/村 is a ValueError."""
    found: dict[str, list[tuple[int, Chief]]] = {}
    for r in rows:
        level = str(r["level"])
        if level not in CHIEF_LEVELS:
            raise ValueError(f"chief {r['chief_id']}: level {level!r} is not one of 市县镇村")
        chief = Chief(level, str(r["name"]), str(r["chief_id"]), str(r["adcode"]))
        found.setdefault(str(r["reach_id"]), []).append((int(r["above"]), chief))
    return {rid: [c for _, c in sorted(cs, key=lambda x: -x[0])] for rid, cs in found.items()}


# Metres per degree (the simulator's and the reaches' lengths use the same figures).
_M_LON, _M_LAT = 111_320.0, 110_570.0


def reach_coverage(
    reaches: Mapping[str, Sequence[Sequence[float]]],
    tracks: Iterable[Sequence[Sequence[float]]],
    within_m: float = COVERAGE_M,
) -> dict[str, float]:
    """The share (0-1) of each reach's line (lon, lat pairs) that lies within `within_m` metres
    of a patrol track (lon, lat pairs): the stretch of river somebody walked or sailed along.
    Every track counts for every reach near it; a reach of no length has a share of 0."""
    import shapely
    from shapely.geometry import LineString, Point

    lines = {k: [tuple(map(float, p)) for p in v] for k, v in reaches.items()}
    paths = [[tuple(map(float, p)) for p in t] for t in tracks]
    every = [p for v in (*lines.values(), *paths) for p in v]
    if not every:
        return {}
    lon0 = min(p[0] for p in every)
    lat0 = min(p[1] for p in every)
    kx = _M_LON * math.cos(math.radians(sum(p[1] for p in every) / len(every)))

    def metric(pts: Sequence[tuple[float, ...]]) -> Any:
        xy = [((x - lon0) * kx, (y - lat0) * _M_LAT) for x, y, *_ in pts]
        return LineString(xy) if len(xy) > 1 else Point(xy[0])

    shapes = [metric(t).simplify(within_m / 10) for t in paths if t]
    near = shapely.union_all(shapely.buffer(shapes, within_m)) if shapes else None
    out: dict[str, float] = {}
    for key, pts in lines.items():
        line = metric(pts) if pts else None
        if line is None or line.length == 0 or near is None:
            out[key] = 0.0
            continue
        out[key] = min(1.0, float(line.intersection(near).length / line.length))
    return out


def patrol_minutes(start: datetime, end: datetime) -> int:
    """How long a patrol took, in whole minutes (rounded)."""
    return round((end - start).total_seconds() / 60)


def patrol_speed_kmh(
    km: float | None, start: datetime | None, end: datetime | None
) -> float | None:
    """A patrol's mean speed over its whole time, stops included (None when unknown)."""
    if km is None or start is None or end is None or end <= start:
        return None
    return float(km) / ((end - start).total_seconds() / 3600)


def class_counts(classes: Iterable[str | None]) -> dict[str, int]:
    """How many sections are in each class, I … 劣V (every class present, zero when none);
    sections without a class are not counted."""
    counts = dict.fromkeys(CLASSES, 0)
    for c in classes:
        if c is None:
            continue
        if c not in counts:
            raise ValueError(f"{c!r} is not a GB 3838-2002 class")
        counts[c] += 1
    return counts
