"""National standards the product must get right: water quality, traffic, warnings, fire, wind.

Pure functions and constants only (no I/O, no clock). Sources:
GB 3838-2002 (surface water quality), GB/T 33171-2016 (urban traffic performance index),
CMA / Guangdong typhoon warning signals, CAP 1.2 severity, 城市消防站建设标准 (fire response),
GB/T 28591-2012 (wind force grades 0-17).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

__all__ = [
    "FIRE_RESPONSE_STANDARD_S",
    "ROAD_CLASS_WEIGHTS",
    "TPI_DELAY_BREAKPOINTS",
    "TPI_LEVEL_NAMES",
    "TYPHOON_SIGNALS",
    "WATER_LIMITS",
    "LevelName",
    "WarningLevel",
    "WaterClass",
    "beaufort_force",
    "class_rank",
    "meets_fire_standard",
    "meets_target",
    "network_tpi",
    "tpi_from_delay",
    "tpi_level",
    "typhoon_signal",
    "water_class",
    "water_classes",
]


# ── water quality, GB 3838-2002 ────────────────────────────────────────────────────────────


class WaterClass(StrEnum):
    """Surface water classes, best (I) to worst (劣V)."""

    I = "I"  # noqa: E741 - the class's name in the standard
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"
    WORSE_THAN_V = "劣V"

    @property
    def rank(self) -> int:
        """1 (class I) … 6 (劣V)."""
        return _CLASS_ORDER.index(self) + 1


_CLASS_ORDER: tuple[WaterClass, ...] = tuple(WaterClass)

# Limits of classes I..V in mg/L. DO is a floor (value >= limit), the others are ceilings.
WATER_LIMITS: Mapping[str, tuple[float, float, float, float, float]] = {
    "DO": (7.5, 6.0, 5.0, 3.0, 2.0),
    "CODMn": (2.0, 4.0, 6.0, 10.0, 15.0),
    "COD": (15.0, 15.0, 20.0, 30.0, 40.0),
    "BOD5": (3.0, 3.0, 4.0, 6.0, 10.0),
    "NH3N": (0.15, 0.5, 1.0, 1.5, 2.0),
    "TP": (0.02, 0.1, 0.2, 0.3, 0.4),
}
_FLOOR_PARAMS = frozenset({"DO"})


def _param_ranks(key: str, values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Class rank 1..6 of each value for one parameter; 0 where the value is NaN (skipped)."""
    limits = np.asarray(WATER_LIMITS[key], dtype=np.float64)
    v = values[:, None]
    failed = (v < limits) if key in _FLOOR_PARAMS else (v > limits)
    ranks = 1 + failed.sum(axis=1)  # limits are monotonic, so failures count the classes missed
    return np.where(np.isnan(values), 0, ranks).astype(np.int64)


def water_class(readings: Mapping[str, float]) -> str:
    """GB 3838-2002 class of a river section: the worst class over the parameters given.

    Keys among DO, CODMn, COD, BOD5, NH3N, TP (mg/L); other keys and NaN values are skipped.
    Values are compared as given (range validation is the ingest's job). Raises ValueError
    when no known parameter has a value.
    """
    worst = 0
    for key in WATER_LIMITS:
        if key in readings:
            value = np.asarray([float(readings[key])], dtype=np.float64)
            worst = max(worst, int(_param_ranks(key, value)[0]))
    if worst == 0:
        raise ValueError(f"no reading among {', '.join(WATER_LIMITS)} in {sorted(readings)}")
    return _CLASS_ORDER[worst - 1].value


def water_classes(columns: Mapping[str, Sequence[float]], *, empty: str | None = None) -> list[str]:
    """Vectorised `water_class`: one class per row of equally long parameter columns.

    A row with no value in any known column raises ValueError, like `water_class`, unless
    `empty` is given, which is then used as that row's class.
    """
    known = {k: np.asarray(columns[k], dtype=np.float64) for k in WATER_LIMITS if k in columns}
    if not known:
        raise ValueError(f"no column among {', '.join(WATER_LIMITS)} in {sorted(columns)}")
    lengths = {len(v) for v in known.values()}
    if len(lengths) != 1:
        raise ValueError(f"columns differ in length: {sorted(lengths)}")
    worst = np.max(np.stack([_param_ranks(k, v) for k, v in known.items()]), axis=0)
    if empty is None and np.any(worst == 0):
        row = int(np.flatnonzero(worst == 0)[0])
        raise ValueError(f"row {row} has no reading")
    names = [c.value for c in _CLASS_ORDER]
    return [names[r - 1] if r else str(empty) for r in worst.tolist()]


def class_rank(water: str) -> int:
    """Rank of a class: 1 (I) … 6 (劣V); ValueError for anything else."""
    try:
        return WaterClass(water).rank
    except ValueError:
        raise ValueError(f"not a GB 3838-2002 class: {water!r}") from None


def meets_target(actual: str, target: str) -> bool:
    """Whether a section of class `actual` meets its target class (same or better)."""
    return class_rank(actual) <= class_rank(target)


# ── traffic, GB/T 33171-2016 ───────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class LevelName:
    zh: str
    en: str


TPI_LEVEL_NAMES: Mapping[int, LevelName] = {
    1: LevelName("畅通", "free flow"),
    2: LevelName("基本畅通", "basically free"),
    3: LevelName("轻度拥堵", "mild congestion"),
    4: LevelName("中度拥堵", "moderate congestion"),
    5: LevelName("严重拥堵", "severe congestion"),
}

# Travel-time ratio (free-flow speed / actual speed) → TPI, a convention of Chinese city traffic
# indices: each 0.3 of extra travel time is one level (2 TPI points), so a trip taking 2.5× its
# free-flow time or longer scores the maximum 10. GB/T 33171 fixes the levels, not this mapping.
TPI_DELAY_BREAKPOINTS: tuple[tuple[float, float], ...] = (
    (1.0, 0.0),
    (1.3, 2.0),
    (1.6, 4.0),
    (1.9, 6.0),
    (2.2, 8.0),
    (2.5, 10.0),
)

# Relative weight of a road class in a network index when measured vehicle-kilometres are not
# available: a stand-in for the traffic each class carries. A convention of this product, not
# a figure of the standard; callers with VKT shares should pass those instead.
ROAD_CLASS_WEIGHTS: Mapping[str, float] = {
    "expressway": 2.0,
    "arterial": 1.5,
    "secondary": 1.0,
    "branch": 0.5,
}


def tpi_level(tpi: float) -> int:
    """GB/T 33171-2016 level (1 畅通 … 5 严重拥堵) of a traffic performance index (clamped 0-10)."""
    if math.isnan(tpi):
        raise ValueError("TPI is NaN")
    return min(5, int(max(tpi, 0.0) // 2) + 1)


def tpi_from_delay(travel_time_ratio: float) -> float:
    """TPI 0-10 of a segment from its travel-time ratio, piecewise linear on the breakpoints."""
    if math.isnan(travel_time_ratio):
        raise ValueError("travel-time ratio is NaN")
    xs, ys = zip(*TPI_DELAY_BREAKPOINTS, strict=True)
    return float(np.interp(travel_time_ratio, xs, ys))


def network_tpi(
    tpis: Sequence[float],
    lengths: Sequence[float],
    class_weights: Sequence[float] | None = None,
) -> float:
    """Length- and road-class-weighted mean TPI of segments; segments with NaN TPI are skipped."""
    t = np.asarray(tpis, dtype=np.float64)
    w = np.asarray(lengths, dtype=np.float64)
    c = np.ones_like(w) if class_weights is None else np.asarray(class_weights, dtype=np.float64)
    if not t.shape == w.shape == c.shape or t.ndim != 1:
        raise ValueError(f"shapes differ: tpis {t.shape}, lengths {w.shape}, weights {c.shape}")
    if np.any(w < 0) or np.any(c < 0) or not (np.all(np.isfinite(w)) and np.all(np.isfinite(c))):
        raise ValueError("lengths and weights must be finite and non-negative")
    weights = np.where(np.isnan(t), 0.0, w * c)
    total = float(weights.sum())
    if total <= 0:
        raise ValueError("no segment with a TPI and a positive weight")
    return float(np.sum(np.nan_to_num(t) * weights) / total)


# ── warnings ───────────────────────────────────────────────────────────────────────────────

TYPHOON_SIGNALS: tuple[str, ...] = ("white", "blue", "yellow", "orange", "red")


class WarningLevel(StrEnum):
    """The four warning levels; I (red) is the highest."""

    I = "I"  # noqa: E741 - the level's name
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def colour(self) -> str:
        """Display colour (hex)."""
        return _LEVEL_INFO[self][0]

    @property
    def colour_name(self) -> str:
        """red, orange, yellow or blue."""
        return _LEVEL_INFO[self][1]

    @property
    def name_zh(self) -> str:
        return _LEVEL_INFO[self][2]

    @property
    def name_en(self) -> str:
        return _LEVEL_INFO[self][3]

    @property
    def rank(self) -> int:
        """1 (I, highest) … 4 (IV)."""
        return tuple(WarningLevel).index(self) + 1

    @classmethod
    def from_cap_severity(cls, severity: str) -> WarningLevel | None:
        """Extreme→I, Severe→II, Moderate→III, Minor→IV, Unknown→None."""
        if severity == "Unknown":
            return None
        try:
            return _SEVERITY_LEVEL[severity]
        except KeyError:
            raise ValueError(f"not a CAP severity: {severity!r}") from None

    @classmethod
    def from_signal(cls, colour: str) -> WarningLevel | None:
        """red→I, orange→II, yellow→III, blue→IV; Guangdong's white signal has no level (None)."""
        if colour == "white":
            return None
        for level, info in _LEVEL_INFO.items():
            if info[1] == colour:
                return level
        raise ValueError(f"not a warning signal colour: {colour!r}")


_LEVEL_INFO: Mapping[WarningLevel, tuple[str, str, str, str]] = {
    WarningLevel.I: ("#E02020", "red", "Ⅰ级（红色）", "Level I (red)"),
    WarningLevel.II: ("#FF8C00", "orange", "Ⅱ级（橙色）", "Level II (orange)"),
    WarningLevel.III: ("#F5C400", "yellow", "Ⅲ级（黄色）", "Level III (yellow)"),
    WarningLevel.IV: ("#1E78FF", "blue", "Ⅳ级（蓝色）", "Level IV (blue)"),
}
_SEVERITY_LEVEL: Mapping[str, WarningLevel] = {
    "Extreme": WarningLevel.I,
    "Severe": WarningLevel.II,
    "Moderate": WarningLevel.III,
    "Minor": WarningLevel.IV,
}

# (signal, window in hours, mean wind force at least, gust force at least), highest first.
_TYPHOON_RULES: tuple[tuple[str, float, int, int], ...] = (
    ("red", 6.0, 12, 14),
    ("orange", 12.0, 10, 12),
    ("yellow", 24.0, 8, 10),
    ("blue", 24.0, 6, 8),
)
_WHITE_WINDOW_H = 48.0


def typhoon_signal(hours_to_impact: float, mean_wind_force: int, gust_force: int) -> str | None:
    """The highest typhoon signal that applies, or None when no impact is expected within 48 h.

    Windows are inclusive ("within 6 h" means hours_to_impact <= 6). An impact already under
    way (hours_to_impact <= 0) is within every window. Forces are Beaufort grades (0-17).
    White (Guangdong): a tropical cyclone may affect the area within 48 h, winds below blue.
    Raises ValueError for a NaN time or a negative force.
    """
    if math.isnan(hours_to_impact):
        raise ValueError("hours_to_impact is NaN")
    if mean_wind_force < 0 or gust_force < 0:
        raise ValueError("wind forces must be non-negative")
    for signal, window, mean_min, gust_min in _TYPHOON_RULES:
        if hours_to_impact <= window and (mean_wind_force >= mean_min or gust_force >= gust_min):
            return signal
    return "white" if hours_to_impact <= _WHITE_WINDOW_H else None


# ── fire and wind ──────────────────────────────────────────────────────────────────────────

# 城市消防站建设标准: reach the edge of the station's district within 5 minutes of dispatch.
FIRE_RESPONSE_STANDARD_S = 300


def meets_fire_standard(dispatch_to_arrival_s: float) -> bool:
    """Whether a response (dispatch to arrival, seconds) meets the 5-minute standard."""
    if math.isnan(dispatch_to_arrival_s) or dispatch_to_arrival_s < 0:
        raise ValueError(f"invalid response time: {dispatch_to_arrival_s!r}")
    return dispatch_to_arrival_s <= FIRE_RESPONSE_STANDARD_S


# Lower bounds of forces 1..17 in tenths of m/s (GB/T 28591-2012, 10-minute mean wind).
_BEAUFORT_LOWER_TENTHS: tuple[int, ...] = (
    3,
    16,
    34,
    55,
    80,
    108,
    139,
    172,
    208,
    245,
    285,
    327,
    370,
    415,
    462,
    510,
    561,
)


def beaufort_force(wind_ms: float) -> int:
    """Wind force 0-17 of a wind speed in m/s (rounded to 0.1 m/s as observations are).

    Speeds above force 17's range (61.2 m/s) stay 17, the top of the standard.
    """
    if math.isnan(wind_ms) or wind_ms < 0:
        raise ValueError(f"invalid wind speed: {wind_ms!r}")
    if math.isinf(wind_ms):
        return 17
    tenths = math.floor(wind_ms * 10 + 0.5)
    return bisect_right(_BEAUFORT_LOWER_TENTHS, tenths)
