"""Economic monitoring of the simulated city: indicators and monthly observations by district.

All figures are simulated (none is official). City totals follow the anchors of
reference/zhanjiang_economy.csv: GDP 3100.22 亿元 (2020), 遂溪 2020 GDP 386.77, 吴川 2021 GDP
304.41, retail sales Jan-Apr 2025 504.34 亿元 (+1.8 %), and Jan-Apr 2025 growth of
industrial value added (+4.8 %) and fixed-asset investment (+4.7 %). Districts get plausible shares
(赤坎/霞山 service-heavy; 麻章 with 东海岛 — 宝钢湛江钢铁, 中科炼化 — industrial; 霞山/坡头/麻章
ports); growth ~4-6 %/yr with the 2020 dip, Spring Festival seasonality, noise and a few unusual
swings (`SWINGS`) that an analyst should spot. January and February are reported together as one
February observation, as the statistics bureau does; quarterly GDP is dated by its last month.
Observations are published about 15 days after the month (GDP about 25 days after the quarter).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from simulator.base import SimContext, rng_for, typed
from simulator.geography import districts

__all__ = ["FIRST_YEAR", "INDICATORS", "SWINGS", "Indicator", "facts", "reference"]

FIRST_YEAR = 2019
# district order of the shares: 赤坎 霞山 坡头 麻章 遂溪 徐闻 廉江 雷州 吴川
_ADCODES = tuple(d.adcode for d in districts())


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str
    frequency: str  # monthly | quarterly
    cumulative: bool  # published as a year-to-date figure (累计)
    levels: Mapping[int, float]  # city annual totals of the first years
    growth: float  # nominal growth per year after the listed levels
    season: tuple[float, ...]  # Jan..Dec relative weights
    shares: tuple[float, ...]  # district shares in _ADCODES order
    noise: float
    covid: float  # how deep the early-2020 dip goes (0 none … 1 the full profile)


def _levels(base: float, *growth: float) -> dict[int, float]:
    out = {FIRST_YEAR: base}
    for i, g in enumerate(growth):
        out[FIRST_YEAR + i + 1] = out[FIRST_YEAR + i] * g
    return out


# Levels: GDP 2020 is the anchor (3100.22); the other years and indicators are simulated with
# plausible growth (2021 the nominal rebound; the 2025 growth of iva, fai and retail as published).
# fmt: off
INDICATORS: tuple[Indicator, ...] = (
    Indicator("gdp", "地区生产总值", "Gross domestic product", "亿元", "quarterly", True,
              _levels(3064.7, 3100.22 / 3064.7, 1.148, 1.045, 1.04, 1.045, 1.045), 1.045,
              (70, 62, 78, 79, 80, 83, 81, 82, 86, 90, 95, 114),
              (0.105, 0.150, 0.040, 0.115, 0.12476, 0.075, 0.170, 0.135, 0.0855), 0.02, 0.3),
    Indicator("iva", "规模以上工业增加值", "Industrial value added above designated size",
              "亿元", "monthly", True, _levels(780.0, 1.015, 1.082, 1.035, 1.042, 1.046, 1.048),
              1.047, (80, 60, 85, 83, 85, 86, 84, 86, 87, 88, 88, 88),
              (0.05, 0.10, 0.05, 0.30, 0.10, 0.04, 0.17, 0.07, 0.12), 0.04, 0.6),
    Indicator("fai", "固定资产投资", "Fixed-asset investment", "亿元", "monthly", True,
              _levels(1300.0, 1.04, 1.07, 0.97, 1.02, 1.03, 1.047), 1.04,
              (40, 35, 70, 75, 80, 95, 80, 85, 95, 90, 100, 155),
              (0.10, 0.12, 0.08, 0.22, 0.10, 0.07, 0.12, 0.10, 0.09), 0.07, 0.8),
    Indicator("retail", "社会消费品零售总额", "Retail sales of consumer goods", "亿元", "monthly",
              False, _levels(1430.0, 0.95, 1.09, 1.01, 1.05, 1.02, 1.018), 1.04,
              (95, 85, 75, 75, 80, 80, 78, 80, 84, 90, 85, 93),
              (0.20, 0.22, 0.04, 0.06, 0.09, 0.06, 0.14, 0.10, 0.09), 0.025, 0.8),
    Indicator("port", "港口货物吞吐量", "Port cargo throughput", "万吨", "monthly", False,
              _levels(21570.0, 1.08, 1.09, 1.02, 1.09, 1.045, 1.04), 1.04,
              (85, 70, 85, 83, 85, 83, 80, 82, 80, 88, 88, 91),
              (0.08, 0.38, 0.12, 0.30, 0.005, 0.08, 0.005, 0.02, 0.01), 0.06, 0.3),
    Indicator("trade", "外贸进出口总额", "Foreign trade (imports and exports)", "亿元", "monthly",
              True, _levels(430.0, 1.05, 1.30, 1.08, 1.03, 1.04, 1.05), 1.05,
              (85, 65, 85, 82, 83, 83, 85, 85, 85, 85, 87, 90),
              (0.10, 0.18, 0.05, 0.35, 0.05, 0.03, 0.12, 0.04, 0.08), 0.08, 0.4),
    Indicator("elec", "全社会用电量", "Electricity consumption", "亿千瓦时", "monthly", False,
              _levels(200.0, 1.03, 1.12, 1.03, 1.06, 1.05, 1.05), 1.05,
              (78, 62, 75, 80, 88, 92, 97, 97, 90, 85, 78, 78),
              (0.10, 0.12, 0.05, 0.28, 0.09, 0.05, 0.13, 0.09, 0.09), 0.03, 0.5),
)
# fmt: on
_BY_CODE = {i.code: i for i in INDICATORS}

# (indicator, adcode, year, month) → factor: one-off swings to detect (maintenance shutdowns,
# a Spring Festival surge at the Hainan ferry port, a one-off import cargo).
SWINGS: Mapping[tuple[str, str, int, int], float] = {
    ("iva", "440811", 2023, 8): 0.62,
    ("iva", "440811", 2023, 9): 1.15,
    ("port", "440825", 2023, 1): 1.5,
    ("port", "440825", 2023, 2): 1.45,
    ("trade", "440881", 2022, 6): 1.8,
}
# Pinned district annual values (indicator, adcode, year) and Jan-Apr city anchors.
_PINNED = {("gdp", "440823", 2020): 386.77, ("gdp", "440883", 2021): 304.41}
_YTD_ABS = {("retail", 2024): 504.34 / 1.018, ("retail", 2025): 504.34}
_YTD_YOY = {("iva", 2025): 1.048, ("fai", 2025): 1.047}
_COVID_2020 = (0.85, 0.55, 0.80, 0.92, 0.97, 1.02, 1.03, 1.04, 1.04, 1.05, 1.05, 1.05)
_BJT = timezone(timedelta(hours=8))


def _level(ind: Indicator, year: int) -> float:
    last = max(ind.levels)
    if year <= last:
        return ind.levels[year]
    return ind.levels[last] * ind.growth ** (year - last)


@lru_cache(maxsize=256)
def _monthly(ctx: SimContext, code: str, year: int) -> np.ndarray:
    """Latent monthly values (9 districts × 12 months) of one indicator for one year."""
    ind = _BY_CODE[code]
    rng = rng_for(ctx, "economy", code, year)
    trend = rng_for(ctx, "economy", code, "trend").normal(0.0, 0.012, 9)
    if code == "gdp":
        trend[:] = 0.0  # keeps the pinned county figures consistent with their shares
    shares = np.asarray(ind.shares) * (1.0 + trend) ** (year - FIRST_YEAR)
    annual = _level(ind, year) * shares / shares.sum()
    for (c, adcode, y), value in _PINNED.items():
        if c == code and y == year:
            i = _ADCODES.index(adcode)
            rest = np.arange(9) != i
            annual[rest] *= (annual.sum() - value) / annual[rest].sum()
            annual[i] = value
    season = np.asarray(ind.season, dtype="float64")
    if year == 2020:
        season = season * (1.0 - ind.covid * (1.0 - np.asarray(_COVID_2020)))
    raw = season[None, :] * rng.lognormal(0.0, ind.noise, (9, 12))
    for (c, adcode, y, m), factor in SWINGS.items():
        if c == code and y == year:
            raw[_ADCODES.index(adcode), m - 1] *= factor
    values: np.ndarray = raw / raw.sum(axis=1, keepdims=True) * annual[:, None]
    if (code, year) in _YTD_ABS:
        values *= _YTD_ABS[code, year] / values[:, :4].sum()
    elif (code, year) in _YTD_YOY:
        values *= (
            _YTD_YOY[code, year]
            * _monthly(ctx, code, year - 1)[:, :4].sum()
            / (values[:, :4].sum())
        )
    return values


@lru_cache(maxsize=64)
def _year_rows(ctx: SimContext, year: int) -> pd.DataFrame:
    """Every observation of one year, with its publication time."""
    pub = rng_for(ctx, "economy", "publication", year).integers(-3, 4, 12)
    cols: dict[str, list[Any]] = {
        k: [] for k in ("indicator", "adcode", "period", "value", "value_ytd", "ts")
    }
    for ind in INDICATORS:
        months = np.round(_monthly(ctx, ind.code, year), 2)
        ends: tuple[int, ...] = (3, 6, 9, 12)
        if ind.frequency == "quarterly":
            values = months.reshape(9, 4, 3).sum(axis=2)
        else:
            ends = tuple(range(2, 13))
            values = np.column_stack([months[:, 0] + months[:, 1], months[:, 2:]])
        ytd = np.cumsum(values, axis=1)
        for j, month in enumerate(ends):
            nxt = datetime(year + month // 12, month % 12 + 1, 1, 10, tzinfo=_BJT)
            days = (24 if ind.frequency == "quarterly" else 14) + int(pub[month - 1])
            ts = (nxt + timedelta(days=days)).astimezone(UTC)
            for d, adcode in enumerate(_ADCODES):
                cols["indicator"].append(ind.code)
                cols["adcode"].append(adcode)
                cols["period"].append(datetime(year, month, 1))
                cols["value"].append(round(float(values[d, j]), 2))
                cols["value_ytd"].append(round(float(ytd[d, j]), 2))
                cols["ts"].append(ts)
    return typed("economy_observations", cols)


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    """The shared `districts` table and the indicator catalogue."""
    ds = districts()
    district_rows = typed(
        "districts",
        {
            "adcode": [d.adcode for d in ds],
            "name_zh": [d.name_zh for d in ds],
            "name_en": [d.name_en for d in ds],
            "kind": [d.kind for d in ds],
            "population": [d.population for d in ds],
            "area_km2": [d.area_km2 for d in ds],
            "centroid_lon": [d.centroid[0] for d in ds],
            "centroid_lat": [d.centroid[1] for d in ds],
        },
    )
    indicators = typed(
        "economy_indicators",
        {
            "code": [i.code for i in INDICATORS],
            "name_zh": [i.name_zh for i in INDICATORS],
            "name_en": [i.name_en for i in INDICATORS],
            "unit": [i.unit for i in INDICATORS],
            "frequency": [i.frequency for i in INDICATORS],
            "cumulative": [i.cumulative for i in INDICATORS],
        },
    )
    return {"districts": district_rows, "economy_indicators": indicators}


def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Observations published in [start, end).

    The window that contains `ctx.start` also carries everything published before it (the whole
    series since 2019), so the seeded history holds the full series while the live feed only adds
    new publications; any split of a window into chunks yields the same rows.
    """
    holds = start <= ctx.start < end
    lo = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) if holds else start
    if lo >= end:
        return
    years = range(max(FIRST_YEAR, lo.year - 1), end.year + 1)
    rows = pd.concat([_year_rows(ctx, y) for y in years], ignore_index=True)
    ts = rows["ts"]
    before = ts < pd.Timestamp(ctx.start)
    mask = (ts >= pd.Timestamp(start)) & (ts < pd.Timestamp(end)) & ~before
    if holds:
        mask |= before
    out = rows[mask.to_numpy()].reset_index(drop=True)
    if len(out):
        yield "economy_observations", out
