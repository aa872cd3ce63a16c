"""The river chief system (河长制) of the simulated city: water quality, patrols, problems.

The rivers, reaches, chiefs and monitoring stations are in `simulator.river_network`. Sections
(国控/省控/市控) report every 4 hours around their dry-season baselines: in the dry season most
meet their target class (about 85 %), all but a few chronic offenders (`chronic_offenders`). Runoff
lowers DO and raises NH3-N, TP and COD: in the rainy season (Apr-Sep in western Guangdong), for a
few days after each heavy rain, and sharply for two or three days after the typhoon, so that about
70 % meet their target in the rainy season. Chiefs patrol at the statutory frequency (市 quarterly,
县 monthly, 镇 every ten days, 村 weekly), a few miss some; problems go reported → disposing →
closed (about 90 % closed). A chief walks a short patrol along the bank (2.5-4.5 km/h) and takes
a boat on a long one (8-14 km/h), stopping now and then; the GPS track of every patrol is in
`simulator.river_tracks`. A patrol is recorded when it ends, so its row and its track are emitted
by the window that holds its `end_ts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from brain.districts import CITY_ADCODE
from simulator.base import SimContext, emitted, from_rows, rng_for, typed
from simulator.river_network import RIVERS, network
from simulator.river_tracks import track

__all__ = ["PROBLEM_LOOKBACK", "READING_LOOKBACK", "chronic_offenders", "facts", "reference"]

READING_LOOKBACK = timedelta(days=30)
PROBLEM_LOOKBACK = timedelta(days=90)  # problems and patrols kept before ctx.start
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
_H = timedelta(hours=1)

_PERIOD_DAYS = {"市": 91, "县": 30, "镇": 10, "村": 7}
# A chief walks the bank of a short stretch and takes a boat along a long one (km/h).
_WALK_KM = 8.0
_WALK_KMH = (2.5, 4.5)
_BOAT_KMH = (8.0, 14.0)
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
    """The river chiefs, the reaches (each with its chief) and the monitoring stations."""
    reaches, stations = network(ctx)
    paths = [
        json.dumps([[round(x, 5), round(y, 5)] for x, y in line.coords]) for line in reaches["line"]
    ]
    city = reaches["chief_level"] == "市"
    chiefs = pd.DataFrame(
        {
            "chief_id": reaches["chief_id"],
            "name": reaches["chief_name"],
            "level": reaches["chief_level"],
            "parent_chief_id": reaches["parent_chief_id"],
            "adcode": reaches["adcode"].where(~city, CITY_ADCODE),  # a city chief: the city's
            "river_name": reaches["river_name"],
        }
    )
    return {
        "river_chiefs": typed("river_chiefs", chiefs),
        "river_reaches": typed("river_reaches", reaches.assign(path=paths)),
        "river_stations": typed("river_stations", stations),
    }


# Each parameter's value at the upper edge of class k sits at class position k + 0.5 (DO: its
# lower edge); values between are interpolated on a log scale. COD and BOD5 have one limit for
# classes I and II, so their class I edge is placed below it.
_POSITIONS = np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 8.0])
_EDGES = {
    "do": (9.0, 7.5, 6.0, 5.0, 3.0, 2.0, 1.0, 0.5),
    "codmn": (1.2, 2.0, 4.0, 6.0, 10.0, 15.0, 22.0, 40.0),
    "cod": (8.0, 12.0, 15.0, 20.0, 30.0, 40.0, 60.0, 110.0),
    "bod5": (1.5, 2.4, 3.0, 4.0, 6.0, 10.0, 15.0, 27.0),
    "nh3n": (0.07, 0.15, 0.5, 1.0, 1.5, 2.0, 3.5, 6.0),
    "tp": (0.01, 0.02, 0.1, 0.2, 0.3, 0.4, 0.6, 1.0),
}
# How close each parameter runs to the section's class (NH3-N and TP usually set it in western
# Guangdong), and how strongly runoff moves it: rain washes in ammonia, phosphorus and organic
# matter and lowers dissolved oxygen.
_OFFSET = {"do": -0.25, "codmn": -0.55, "cod": -0.2, "bod5": -0.45, "nh3n": 0.0, "tp": -0.1}
_RUNOFF = {"do": 1.0, "codmn": 0.7, "cod": 0.9, "bod5": 0.6, "nh3n": 1.0, "tp": 1.1}
_LIMITS = {
    "do": (0.2, 14.0),
    "codmn": (0.3, 100),
    "cod": (3.0, 500),
    "bod5": (0.5, 200),
    "nh3n": (0.02, 50),
    "tp": (0.005, 10),
}
_SEASON = 0.6  # class steps at the height of the rainy season (Apr-Sep)
_RAIN_DAYS = 7  # a heavy rain still shows this many days later
_RAIN_TAU_H = 36.0
_RAIN_MAX = 0.5  # class steps of several heavy rains in a row
_STORM = 1.2  # class steps of the typhoon's first flush at its height, 12 h after landfall
_STORM_TAU_H = 36.0


def chronic_offenders(ctx: SimContext) -> pd.DataFrame:
    """The sections kept below their target most of the time (station_id, name, target_class)."""
    _, stations = network(ctx)
    cols = ["station_id", "name", "target_class"]
    return stations.loc[stations["offender"], cols].reset_index(drop=True)


def _value(key: str, position: np.ndarray) -> np.ndarray:
    edges = np.log(np.asarray(_EDGES[key]))
    return np.asarray(np.exp(np.interp(np.clip(position, 0.5, 8.0), _POSITIONS, edges)))


def _doy(t: np.ndarray) -> np.ndarray:
    local = (t + np.timedelta64(8, "h")).astype("datetime64[D]")
    return np.asarray((local - local.astype("datetime64[Y]")).astype(int) + 1)


def _season(t: np.ndarray) -> np.ndarray:
    """0 (dry season) … 1 (the height of the rainy season, around the end of June)."""
    doy = _doy(t)
    return np.clip(np.sin(np.pi * (doy - 90) / 183.0), 0.0, None) * (doy >= 90)


@lru_cache(maxsize=2048)
def _rain(ctx: SimContext, day: int) -> float:
    """Class steps a heavy rain at noon (UTC+8) of one UTC day adds, 0 when none fell."""
    rng = rng_for(ctx, "river", "rain", day)
    t = np.array([_midnight(day)])
    chance = 0.03 + 0.25 * float(_season(t)[0])
    return float(rng.uniform(0.25, 0.6)) if rng.random() < chance else 0.0


def _midnight(day: int) -> np.datetime64:
    return np.datetime64(day * 86400, "s")


def _storm(t: np.ndarray, ctx: SimContext) -> np.ndarray:
    """Class steps the typhoon's first flush adds: rising from 6 h before landfall, at its
    height 12 h after, then washing out over a few days."""
    h = ctx.scenario.hours_from_landfall(t.astype("datetime64[us]"))
    rise = np.clip((h + 6.0) / 18.0, 0.0, 1.0)
    return _STORM * np.where(h < 12.0, rise, np.exp(-(h - 12.0) / _STORM_TAU_H))


def _runoff(t: np.ndarray, ctx: SimContext, day: int) -> np.ndarray:
    """Class steps of worsening at times `t` (datetime64[s], UTC) of one day: the rainy season,
    heavy rains of the past days and the typhoon."""
    noon = np.timedelta64(4 * 3600, "s")  # 12:00 UTC+8
    rain = np.zeros(len(t))
    for d in range(day - _RAIN_DAYS, day + 1):
        size = _rain(ctx, d)
        if size:
            h = (t - (_midnight(d) + noon)) / np.timedelta64(1, "h")
            rain += np.where(h >= 0, size * np.exp(-np.clip(h, 0, None) / _RAIN_TAU_H), 0.0)
    rain = _RAIN_MAX * np.tanh(rain / _RAIN_MAX)  # rains on rains: the soil is already wet
    return np.asarray(_SEASON * _season(t) + rain + _storm(t, ctx))


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
    runoff = _runoff(t, ctx, day)[None, :]
    q = st["quality"].to_numpy()[:, None] + rng.normal(0.0, 0.15, (n, 1))
    hour = ((np.arange(6) * 4 + 8) % 24)[None, :]
    shape = (n, 6)
    cols: dict[str, Any] = {
        "ts": np.repeat(t[None, :], n, axis=0).ravel(),
        "station_id": np.repeat(st["station_id"].to_numpy(), 6),
    }
    for key, offset in _OFFSET.items():
        position = q + offset + _RUNOFF[key] * runoff + rng.normal(0.0, 0.12, shape)
        v = _value(key, position)
        if key == "do":  # photosynthesis: highest in the afternoon
            v = v + 0.4 * np.sin(2 * np.pi * (hour - 9) / 24)
        v = np.round(np.clip(v, *_LIMITS[key]), 3).ravel()
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
        km = float(np.clip(min(r.length_km, 200.0) * rng.uniform(0.2, 0.8), 0.3, 200.0))
        speed = rng.uniform(*(_BOAT_KMH if km > _WALK_KM else _WALK_KMH))
        hours = km / speed + float(rng.uniform(0.1, 0.4))  # plus stops to look and record
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
    t0 = np.array([np.datetime64(d0.replace(tzinfo=None), "s")])
    season, storm = _season(t0)[0], _storm(t0, ctx)[0]
    n = int(rng.poisson(3.4 * (1 + 0.3 * season) + 7.0 * storm))
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
        lines = dict(zip(reaches["reach_id"], reaches["line"], strict=True))
        points = pd.concat([track(ctx, p, lines[p[1]]) for p in rows], ignore_index=True)
        yield "river_patrol_points", typed("river_patrol_points", points)
    rows = [r for d in range(_day(lo) - 33, _day(end) + 1) for r in _problem_day(ctx, d)]
    keep = emitted([r[0] for r in rows], ctx, start, end, PROBLEM_LOOKBACK)
    rows = sorted((r for r, k in zip(rows, keep, strict=True) if k), key=lambda r: r[0])
    if rows:
        yield "river_problems", from_rows("river_problems", rows)
