"""The river chief system (河长制) of the simulated city: water quality, patrols, problems.

The rivers, reaches, chiefs and monitoring stations are in `simulator.river_network`. Sections
(国控/省控/市控) report every 4 hours around their per-river baselines; the rainy season (Apr-Sep)
and the typhoon's first flush worsen them. Chiefs patrol at the statutory frequency (市 quarterly,
县 monthly, 镇 every ten days, 村 weekly), a few miss some; problems go reported → disposing →
closed (about 90 % closed). A patrol is recorded when it ends, so its row is emitted by the window
that holds its `end_ts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from simulator.base import SimContext, emitted, from_rows, rng_for, typed
from simulator.river_network import RIVERS, network

__all__ = ["PROBLEM_LOOKBACK", "READING_LOOKBACK", "facts", "reference"]

READING_LOOKBACK = timedelta(days=30)
PROBLEM_LOOKBACK = timedelta(days=90)  # problems and patrols kept before ctx.start
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
_H = timedelta(hours=1)

_PERIOD_DAYS = {"市": 91, "县": 30, "镇": 10, "村": 7}
_CATEGORIES = ("sewage", "garbage", "sand_mining", "encroachment", "fishing", "algae", "other")
_CATEGORY_W = (0.25, 0.33, 0.05, 0.12, 0.08, 0.05, 0.12)
_DESCRIPTIONS = {
    "sewage": ("发现疑似生活污水直排口", "岸边排水口有黑臭水体流出", "养殖尾水未经处理排入河道"),
    "garbage": ("河面漂浮垃圾较多", "岸边堆放生活垃圾", "河道内倾倒建筑垃圾"),
    "sand_mining": ("发现疑似非法采砂船只", "河床有新近挖沙痕迹"),
    "encroachment": ("河道管理范围内违法搭建", "侵占河岸种植经济作物", "河岸被填土侵占"),
    "fishing": ("有人使用电鱼方式非法捕捞", "河道内设置拦河网"),
    "algae": ("水面出现大面积藻类", "水体发绿有异味"),
    "other": ("护栏破损需维修", "河堤局部塌方", "警示标牌缺失"),
}


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    """River reaches with their chiefs, and the monitoring stations."""
    reaches, stations = network(ctx)
    paths = [
        json.dumps([[round(x, 5), round(y, 5)] for x, y in line.coords]) for line in reaches["line"]
    ]
    return {
        "river_reaches": typed("river_reaches", reaches.assign(path=paths)),
        "river_stations": typed("river_stations", stations),
    }


def _worsening(t: np.ndarray, ctx: SimContext) -> tuple[np.ndarray, np.ndarray]:
    """(rainy-season and storm worsening in class steps) at times `t` (datetime64[s], UTC)."""
    doy = (t + np.timedelta64(8, "h")).astype("datetime64[D]")
    doy = (doy - doy.astype("datetime64[Y]")).astype(int) + 1
    season = 0.6 * np.clip(np.sin(np.pi * (doy - 90) / 183.0), 0.0, None) * (doy >= 90)
    h = ctx.scenario.hours_from_landfall(t.astype("datetime64[us]"))
    storm = np.where(h > -6.0, 1.3 * np.exp(-np.clip(h, 0.0, None) / 48.0), 0.0)
    return season, storm


@lru_cache(maxsize=1024)
def _reading_day(ctx: SimContext, day: int) -> pd.DataFrame:
    """Readings of every station at 00, 04, … 20 h UTC of one day."""
    _, st = network(ctx)
    rng = rng_for(ctx, "river", "readings", day)
    n = len(st)
    t = (
        np.datetime64("1970-01-01T00:00:00", "s")
        + np.timedelta64(day * 86400, "s")
        + (np.arange(6) * np.timedelta64(4 * 3600, "s"))
    )
    season, storm = _worsening(t, ctx)
    q = (
        st["quality"].to_numpy()[:, None]
        + season[None, :]
        + storm[None, :]
        + rng.normal(0.0, 0.2, (n, 1))
    )
    hour = ((np.arange(6) * 4 + 8) % 24)[None, :]
    shape = (n, 6)
    values = {
        "do": 8.2
        - 1.15 * (q - 1)
        + 0.5 * np.sin(2 * np.pi * (hour - 9) / 24)
        + rng.normal(0.0, 0.3, shape),
        "codmn": 1.7 * 1.5 ** (q - 1) * rng.lognormal(0.0, 0.12, shape),
        "cod": 10.0 * 1.38 ** (q - 1) * rng.lognormal(0.0, 0.12, shape),
        "bod5": 1.8 * 1.42 ** (q - 1) * rng.lognormal(0.0, 0.15, shape),
        "nh3n": 0.10 * 1.95 ** (q - 1) * rng.lognormal(0.0, 0.2, shape),
        "tp": 0.028 * 1.65 ** (q - 1) * rng.lognormal(0.0, 0.18, shape),
    }
    limits = {
        "do": (0.2, 14.0),
        "codmn": (0.3, 100),
        "cod": (3.0, 500),
        "bod5": (0.5, 200),
        "nh3n": (0.02, 50),
        "tp": (0.005, 10),
    }
    cols: dict[str, Any] = {
        "ts": np.repeat(t[None, :], n, axis=0).ravel(),
        "station_id": np.repeat(st["station_id"].to_numpy(), 6),
    }
    for key, v in values.items():
        v = np.round(np.clip(v, *limits[key]), 3).ravel()
        cols[key] = np.where(rng.random(v.size) < 0.015, np.nan, v)  # sensor maintenance
    frame = pd.DataFrame(cols)
    return frame[rng.random(len(frame)) >= 0.005]  # a few readings never arrive


@lru_cache(maxsize=8192)
def _patrols(ctx: SimContext, reach: int, period: int) -> tuple[tuple[Any, ...], ...]:
    """The patrols of one reach's chief in one statutory period."""
    reaches, _ = network(ctx)
    r = reaches.iloc[reach]
    rng = rng_for(ctx, "river", "patrols", r.reach_id, period)
    days = _PERIOD_DAYS[r.chief_level]
    n = int(rng.integers(1, 3)) if r.chief_level == "村" else 1
    out = []
    for i in range(n):
        if rng.random() > r.diligence:
            continue  # missed
        day = period * days + int(rng.integers(days))
        start = _EPOCH + day * _DAY + timedelta(hours=float(rng.uniform(0.5, 8.5)))
        hours = float(rng.uniform(2, 4) if r.chief_level == "市" else rng.uniform(0.5, 3))
        km = float(np.clip(min(r.length_km, 200.0) * rng.uniform(0.2, 0.8), 0.3, 200.0))
        out.append(
            (
                f"PT{r.reach_id}-{period}-{i}",
                r.reach_id,
                r.chief_name,
                start.replace(microsecond=0),
                (start + hours * _H).replace(microsecond=0),
                round(km, 2),
            )
        )
    return tuple(out)


@lru_cache(maxsize=1024)
def _problem_day(ctx: SimContext, day: int) -> tuple[tuple[Any, ...], ...]:
    """Every state row of the problems reported during one UTC day."""
    reaches, _ = network(ctx)
    rng = rng_for(ctx, "river", "problems", day)
    d0 = _EPOCH + day * _DAY
    season, storm = _worsening(np.array([np.datetime64(d0.replace(tzinfo=None), "s")]), ctx)
    n = int(rng.poisson(3.4 * (1 + season[0] / 2) + 6.0 * storm[0]))
    kinds = np.array([RIVERS[i][1] for i in reaches["river"]])
    w = reaches["length_km"].to_numpy() * np.where(kinds == "urban", 4.0, 1.0)
    w = w * (reaches["chief_level"] != "市").to_numpy()  # problems go to the local reach
    rows: list[tuple[Any, ...]] = []
    for k in range(n):
        i = int(rng.choice(len(reaches), p=w / w.sum()))
        cat = str(rng.choice(_CATEGORIES, p=_CATEGORY_W))
        if cat == "sand_mining" and kinds[i] == "urban":
            cat = "garbage"
        reported = (d0 + timedelta(seconds=int(rng.integers(86400)))).replace(microsecond=0)
        text = f"{reaches.reach_name.iat[i]}{rng.choice(_DESCRIPTIONS[cat])}"
        base = (f"RP{day}{k:02d}", reaches.reach_id.iat[i], cat)
        rows.append((reported, *base, "reported", reported, text))
        if rng.random() < 0.95:
            disposing = reported + timedelta(hours=float(rng.uniform(2, 48)))
            rows.append((disposing.replace(microsecond=0), *base, "disposing", reported, text))
            if rng.random() < 0.92:
                days = float(np.clip(rng.lognormal(np.log(5), 0.8), 0.5, 30))
                closed = disposing + timedelta(days=days)
                rows.append((closed.replace(microsecond=0), *base, "closed", reported, text))
    return tuple(rows)


def _day(t: datetime) -> int:
    return int((t - _EPOCH) // _DAY)


def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Readings, patrols (at their end) and problem states in [start, end), plus history."""
    holds = start <= ctx.start < end
    lo = min(start, ctx.start - READING_LOOKBACK) if holds else start
    readings = pd.concat([_reading_day(ctx, d) for d in range(_day(lo), _day(end) + 1)])
    readings = readings[emitted(readings["ts"].to_numpy(), ctx, start, end, READING_LOOKBACK)]
    if len(readings):
        yield "river_readings", typed("river_readings", readings.reset_index(drop=True))
    lo = min(start, ctx.start - PROBLEM_LOOKBACK) if holds else start
    reaches, _ = network(ctx)
    rows: list[tuple[Any, ...]] = []
    for i, level in enumerate(reaches["chief_level"]):
        days = _PERIOD_DAYS[level]
        first, last = _day(lo - 4 * _H) // days, _day(end) // days
        rows += [p for k in range(first, last + 1) for p in _patrols(ctx, i, k)]
    keep = emitted([r[4] for r in rows], ctx, start, end, PROBLEM_LOOKBACK)
    rows = sorted((r for r, k in zip(rows, keep, strict=True) if k), key=lambda r: r[4])
    if rows:
        yield "river_patrols", from_rows("river_patrols", rows)
    rows = [r for d in range(_day(lo) - 33, _day(end) + 1) for r in _problem_day(ctx, d)]
    keep = emitted([r[0] for r in rows], ctx, start, end, PROBLEM_LOOKBACK)
    rows = sorted((r for r, k in zip(rows, keep, strict=True) if k), key=lambda r: r[0])
    if rows:
        yield "river_problems", from_rows("river_problems", rows)
