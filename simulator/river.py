"""The river chief system (河长制) of the simulated city: reaches, chiefs, stations, readings.

Rivers follow their real courses approximately (waypoints from reference/zhanjiang_rivers.json and
general geography, clipped to land): 鉴江, 九洲江, 南渡河, 遂溪河, 雷州青年运河, 袂花江, 大水桥河
and the urban 南柳河, 南桥河, 南调河. Each river is split by district into county reaches
(县级河长), long ones into town reaches (镇级), urban ones into community reaches (村级); the major
rivers also have a city-level reach (市级). Chiefs are invented people. Monitoring sections
(国控/省控/市控) report every 4 hours with per-river baselines (鉴江 mostly II-III, 南柳河
IV-劣V); the rainy season (Apr-Sep) and the typhoon's first flush worsen them. Chiefs patrol at
the statutory frequency (市 quarterly, 县 monthly, 镇 every ten days, 村 weekly), a few miss some;
problems go reported → disposing → closed (about 90 % closed). A patrol is recorded when it
ends, so its row is emitted by the window that holds its `end_ts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from data_adapters.schema import table
from data_adapters.validate import empty_frame
from simulator.base import SimContext, rng_for
from simulator.emergency import towns
from simulator.geography import districts, land

__all__ = ["PROBLEM_LOOKBACK", "READING_LOOKBACK", "RIVERS", "facts", "reference"]

READING_LOOKBACK = timedelta(days=30)
PROBLEM_LOOKBACK = timedelta(days=90)  # problems and patrols kept before ctx.start
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
_H = timedelta(hours=1)

# name, kind (major | river | urban), quality (1 = class I … 6 = 劣V), target class, waypoints
RIVERS: tuple[tuple[str, str, float, str, tuple[tuple[float, float], ...]], ...] = (
    (
        "鉴江",
        "major",
        2.3,
        "III",
        (
            (110.655, 21.62),
            (110.645, 21.55),
            (110.632, 21.47),
            (110.630, 21.43),
            (110.625, 21.37),
            (110.635, 21.31),
            (110.640, 21.245),
        ),
    ),
    (
        "九洲江",
        "major",
        3.0,
        "III",
        (
            (110.335, 21.86),
            (110.30, 21.76),
            (110.27, 21.72),
            (110.20, 21.69),
            (110.10, 21.64),
            (110.02, 21.57),
            (109.95, 21.50),
            (109.90, 21.47),
            (109.80, 21.47),
        ),
    ),
    (
        "南渡河",
        "major",
        3.2,
        "III",
        (
            (109.93, 21.08),
            (109.98, 21.02),
            (110.03, 20.97),
            (110.08, 20.935),
            (110.12, 20.915),
            (110.17, 20.905),
            (110.20, 20.90),
        ),
    ),
    (
        "雷州青年运河",
        "major",
        2.1,
        "II",
        (
            (110.30, 21.71),
            (110.29, 21.62),
            (110.27, 21.53),
            (110.26, 21.45),
            (110.25, 21.39),
            (110.24, 21.30),
            (110.22, 21.20),
            (110.16, 21.08),
            (110.10, 20.98),
        ),
    ),
    (
        "遂溪河",
        "river",
        3.9,
        "IV",
        (
            (110.10, 21.42),
            (110.18, 21.40),
            (110.25, 21.375),
            (110.29, 21.34),
            (110.32, 21.31),
            (110.35, 21.30),
        ),
    ),
    (
        "袂花江",
        "river",
        3.3,
        "III",
        ((110.90, 21.52), (110.83, 21.46), (110.78, 21.425), (110.72, 21.36), (110.66, 21.30)),
    ),
    (
        "大水桥河",
        "river",
        2.3,
        "II",
        ((110.07, 20.42), (110.12, 20.37), (110.17, 20.32), (110.21, 20.285), (110.225, 20.265)),
    ),
    (
        "南柳河",
        "urban",
        5.4,
        "V",
        ((110.30, 21.215), (110.33, 21.21), (110.36, 21.205), (110.385, 21.195), (110.40, 21.19)),
    ),
    (
        "南桥河",
        "urban",
        4.6,
        "IV",
        ((110.30, 21.285), (110.33, 21.28), (110.35, 21.272), (110.37, 21.268), (110.385, 21.27)),
    ),
    (
        "南调河",
        "urban",
        4.2,
        "IV",
        ((110.47, 21.29), (110.46, 21.265), (110.455, 21.245), (110.45, 21.235)),
    ),
)
_SURNAMES = "王李张陈林黄吴刘杨梁何郑谢许罗邓冯蔡庞莫钟潘"
# fmt: off
_GIVEN = (
    "建国", "志强", "海燕", "国华", "文杰", "丽华", "伟明", "振南", "秀英", "永康", "少峰", "家豪",
    "春梅", "汉明", "德胜", "玉兰", "晓东", "俊杰", "卫东", "美玲", "定坤", "锦超",
)
# fmt: on
_COMMUNITIES = ("东风", "新村", "文明", "北月", "龙潭", "南华", "福田", "山尾", "石头", "边塘")
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


def _typed(name: str, data: Mapping[str, Any]) -> pd.DataFrame:
    """A frame with the contract's columns and dtypes for table `name`."""
    out = {}
    for col, dtype in empty_frame(table(name)).dtypes.items():
        s = pd.Series(data[col])
        if isinstance(dtype, pd.DatetimeTZDtype):
            s = pd.to_datetime(s, utc=True)
        out[col] = s.astype(dtype)
    return pd.DataFrame(out)


def _from_rows(name: str, rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """A typed frame from row tuples in the contract's column order."""
    return _typed(name, dict(zip(table(name).column_names, zip(*rows, strict=True), strict=True)))


def _km(line: LineString) -> float:
    xy = np.asarray(line.coords)
    dx = np.diff(xy[:, 0]) * 111.32 * np.cos(np.radians(xy[:-1, 1]))
    return float(np.hypot(dx, np.diff(xy[:, 1]) * 110.57).sum())


def _parts(geom: Any) -> list[LineString]:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, LineString) and g.length]
    return sorted(parts, key=lambda g: -g.length)


def _nearest_town(p: Point, adcode: str) -> str:
    t = towns()
    t = t[t.adcode == adcode]
    d = np.hypot(t.lon.to_numpy() - p.x, t.lat.to_numpy() - p.y)
    return str(t.name.to_numpy()[int(np.argmin(d))])


@cache
def _network(ctx: SimContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reaches with river index, quality and level; stations with quality) of the city."""
    rng = rng_for(ctx, "river", "network")
    reaches: list[dict[str, Any]] = []
    stations: list[dict[str, Any]] = []

    def reach(river: int, name: str, adcode: str, level: str, line: LineString) -> str:
        rid = f"RV{len(reaches) + 1:03d}"
        chief = str(rng.choice(list(_SURNAMES))) + str(rng.choice(_GIVEN))
        reaches.append(
            {
                "reach_id": rid,
                "river_name": RIVERS[river][0],
                "reach_name": name,
                "adcode": adcode,
                "chief_name": chief,
                "chief_level": level,
                "length_km": round(_km(line), 2),
                "line": line,
                "river": river,
                "diligence": float(rng.uniform(0.75, 1.0)),
            }
        )
        return rid

    tag = {"major": "（国控）", "river": "（省控）", "urban": "（市控）"}
    for i, (name, kind, quality, target, points) in enumerate(RIVERS):
        course = _parts(shapely.intersection(LineString(points), land()))
        if kind == "major":
            reach(i, f"{name}湛江段", _main_district(course[0]), "市", course[0])
        for d in districts():
            pieces = [
                p
                for p in _parts(shapely.intersection(LineString(points), d.geometry))
                if _km(p) >= 1.0
            ]
            if not pieces:
                continue
            piece = pieces[0]
            county = reach(i, f"{name}{d.name_zh}段", d.adcode, "县", piece)
            step = 2.5 if kind == "urban" else 10.0
            k = int(np.ceil(_km(piece) / step)) if _km(piece) > step else 1
            finest = [(county, piece)]
            if k > 1:
                finest = []
                seen: dict[str, int] = {}
                for j in range(k):
                    sub = substring(piece, j / k, (j + 1) / k, normalized=True)
                    town = _nearest_town(sub.interpolate(0.5, normalized=True), d.adcode)
                    label = (
                        f"{name}{town}{_COMMUNITIES[(3 * i + j) % len(_COMMUNITIES)]}社区段"
                        if kind == "urban"
                        else f"{name}{town}段"
                    )
                    seen[label] = seen.get(label, 0) + 1
                    label += "" if seen[label] == 1 else f"（{'一二三四五六'[seen[label] - 1]}）"
                    finest.append(
                        (reach(i, label, d.adcode, "村" if kind == "urban" else "镇", sub), sub)
                    )
            for j in range(1 if _km(piece) < 30 else 2):
                rid, line = finest[len(finest) // 2 if j == 0 else len(finest) - 1]
                at = line.interpolate(0.5, normalized=True)
                town = _nearest_town(at, d.adcode)
                first = not any(st["name"].startswith(name) for st in stations)
                level = tag["river"] if kind == "major" and not first else tag[kind]
                stations.append(
                    {
                        "station_id": f"WQ{len(stations) + 1:03d}",
                        "reach_id": rid,
                        "name": f"{name}{town}断面{level}",
                        "lon": round(at.x, 5),
                        "lat": round(at.y, 5),
                        "target_class": target,
                        "quality": quality + float(rng.normal(0.0, 0.2)),
                    }
                )
    return pd.DataFrame(reaches), pd.DataFrame(stations)


def _main_district(line: LineString) -> str:
    mid = line.interpolate(0.5, normalized=True)
    return next((d.adcode for d in districts() if d.geometry.contains(mid)), districts()[0].adcode)


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    """River reaches with their chiefs, and the monitoring stations."""
    reaches, stations = _network(ctx)
    paths = [
        json.dumps([[round(x, 5), round(y, 5)] for x, y in line.coords]) for line in reaches["line"]
    ]
    return {
        "river_reaches": _typed("river_reaches", reaches.assign(path=paths)),
        "river_stations": _typed("river_stations", stations),
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
    _, st = _network(ctx)
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
    reaches, _ = _network(ctx)
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
    reaches, _ = _network(ctx)
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


def _keep(
    ts: np.ndarray, ctx: SimContext, start: datetime, end: datetime, lookback: timedelta
) -> np.ndarray:
    """Which times `ts` (naive UTC datetime64) a window emits: those in [start, end), except that
    the `lookback` before ctx.start goes with the window that holds ctx.start."""

    def at(t: datetime) -> np.datetime64:
        return np.datetime64(t.astimezone(UTC).replace(tzinfo=None), "us")

    ts = ts.astype("datetime64[us]")
    pre = (ts >= at(ctx.start - lookback)) & (ts < at(ctx.start))
    mask = (ts >= at(start)) & (ts < at(end)) & ~pre
    return mask | pre if start <= ctx.start < end else mask


def _rows(
    rows: list[tuple[Any, ...]],
    col: int,
    ctx: SimContext,
    start: datetime,
    end: datetime,
    lookback: timedelta,
) -> list[tuple[Any, ...]]:
    ts = np.array([r[col].replace(tzinfo=None) for r in rows], dtype="datetime64[us]")
    if not rows:
        return []
    keep = _keep(ts, ctx, start, end, lookback)
    return [r for r, k in zip(rows, keep, strict=True) if k]


def _day(t: datetime) -> int:
    return int((t - _EPOCH) // _DAY)


def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Readings, patrols (at their end) and problem states in [start, end), plus history."""
    holds = start <= ctx.start < end
    lo = min(start, ctx.start - READING_LOOKBACK) if holds else start
    readings = pd.concat([_reading_day(ctx, d) for d in range(_day(lo), _day(end) + 1)])
    readings = readings[_keep(readings["ts"].to_numpy(), ctx, start, end, READING_LOOKBACK)]
    if len(readings):
        yield "river_readings", _typed("river_readings", readings.reset_index(drop=True))
    lo = min(start, ctx.start - PROBLEM_LOOKBACK) if holds else start
    reaches, _ = _network(ctx)
    rows: list[tuple[Any, ...]] = []
    for i, level in enumerate(reaches["chief_level"]):
        days = _PERIOD_DAYS[level]
        first, last = _day(lo - 4 * _H) // days, _day(end) // days
        rows += [p for k in range(first, last + 1) for p in _patrols(ctx, i, k)]
    rows = sorted(_rows(rows, 4, ctx, start, end, PROBLEM_LOOKBACK), key=lambda r: r[4])
    if rows:
        yield "river_patrols", _from_rows("river_patrols", rows)
    rows = [r for d in range(_day(lo) - 33, _day(end) + 1) for r in _problem_day(ctx, d)]
    rows = sorted(_rows(rows, 0, ctx, start, end, PROBLEM_LOOKBACK), key=lambda r: r[0])
    if rows:
        yield "river_problems", _from_rows("river_problems", rows)
