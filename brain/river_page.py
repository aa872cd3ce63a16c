"""River page computations: the GB 3838-2002 class bands of each parameter, the chain of river
chiefs (河长) responsible for a reach, and the spread of sections over the classes.

Pure: plain data in, plain data out. The river chief system nests its reaches: a major river has
one city-level reach (市级河长) over its whole course in the city, each district's stretch a
county-level reach (县级), and long or urban stretches town (镇级) or community (村级) reaches. A
reach's chiefs are therefore its own chief, the county chief of the same river in the same
district, and the city chief of the same river.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from brain.standards import WATER_LIMITS, WaterClass

__all__ = [
    "CHIEF_LEVELS",
    "CLASSES",
    "Band",
    "Chief",
    "chief_chain",
    "class_bands",
    "class_counts",
]

CLASSES: Final = tuple(c.value for c in WaterClass)  # I … V, 劣V
CHIEF_LEVELS: Final = ("市", "县", "镇", "村")  # highest first
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
    """One river chief over a reach: the level (市/县/镇/村), the name and the reach they own."""

    level: str
    name: str
    reach_id: str
    reach_name: str


def _chief(row: Mapping[str, Any]) -> Chief:
    return Chief(
        str(row["chief_level"]),
        str(row["chief_name"]),
        str(row["reach_id"]),
        str(row["reach_name"]),
    )


def chief_chain(reaches: Sequence[Mapping[str, Any]]) -> dict[str, list[Chief]]:
    """For every reach (rows with reach_id, river_name, reach_name, adcode, chief_name,
    chief_level): its chiefs from the city level down to its own, one per level present. A
    reach whose level is not 市/县/镇/村 is a ValueError."""
    city: dict[str, Chief] = {}
    county: dict[tuple[str, str], Chief] = {}
    for r in reaches:
        level = r["chief_level"]
        if level not in CHIEF_LEVELS:
            raise ValueError(f"reach {r['reach_id']}: chief level {level!r} is not one of 市县镇村")
        if level == "市":
            city.setdefault(str(r["river_name"]), _chief(r))
        elif level == "县":
            county.setdefault((str(r["river_name"]), str(r["adcode"])), _chief(r))
    chains: dict[str, list[Chief]] = {}
    for r in reaches:
        own = _chief(r)
        above = [
            city.get(str(r["river_name"])),
            county.get((str(r["river_name"]), str(r["adcode"]))),
        ]
        rank = CHIEF_LEVELS.index(own.level)
        chain = [c for c in above if c is not None and CHIEF_LEVELS.index(c.level) < rank]
        chains[own.reach_id] = [*chain, own]
    return chains


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
