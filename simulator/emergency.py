"""Emergency command of the simulated city: resources, events, typhoon tracks and warnings.

The replayable scenario is typhoon Mujigae (彩虹, 1522) re-dated by `ctx.scenario`: its observed
track (sparse fixes from reference/zhanjiang_typhoons.json, interpolated to 3-hourly), forecast
tracks issued every 6 h with an error that grows with lead time, the Zhanjiang typhoon signal
series driven by `brain.standards.typhoon_signal` (white ~48 h before landfall up to red a few
hours before, then downgrades and a Cancel), a rainstorm series around landfall, the city's
typhoon response and a spike of waterlogging and flood events. Outside the storm, events follow
a seasonal Poisson process (mostly level IV) and everyday warnings come from
`simulator.cap_messages.ordinary`. Warnings leave this module as CAP 1.2 XML ("cap_messages").
The window that holds ctx.start also carries the `HISTORY` before it, so that even a short seeded
history holds the storm. `TOWNS` and `near_towns` place things of the fire and river domains too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from brain.standards import beaufort_force, typhoon_signal
from data_adapters.schema import table
from data_adapters.validate import empty_frame
from simulator import cap_messages
from simulator.base import Scale, SimContext, rng_for
from simulator.geography import district_of, districts, is_land

__all__ = [
    "HISTORY",
    "STORM",
    "TOWNS",
    "Places",
    "facts",
    "near_towns",
    "reference",
    "sea_points",
    "storm_fixes",
    "towns",
    "typhoon_warnings",
]

STORM = {"storm_id": "1522", "name_zh": "彩虹", "name_en": "Mujigae"}
_H = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ALL = tuple(d.adcode for d in districts())
_NAMES = {d.adcode: d.name_zh for d in districts()}

# Fixes of 2015 (UTC): lon, lat, max wind m/s, pressure hPa. The first is extrapolated back
# along the track; 10-04 08:00 BJT is "~160 km SE of Zhanjiang"; after 10-04 18:00 (SE Guangxi,
# 35-40 m/s) the decay over Guangxi is estimated.
_FIXES = (
    (datetime(2015, 10, 2, 6, tzinfo=UTC), 119.0, 16.6, 22.0, 992.0),
    (datetime(2015, 10, 2, 9, tzinfo=UTC), 118.4, 16.9, 23.0, 990.0),
    (datetime(2015, 10, 3, 6, tzinfo=UTC), 114.3, 18.9, 33.0, 975.0),
    (datetime(2015, 10, 4, 0, tzinfo=UTC), 111.45, 20.25, 48.0, 945.0),
    (datetime(2015, 10, 4, 6, 10, tzinfo=UTC), 110.53, 21.17, 50.0, 940.0),
    (datetime(2015, 10, 4, 10, tzinfo=UTC), 109.95, 21.95, 38.0, 965.0),
    (datetime(2015, 10, 4, 18, tzinfo=UTC), 109.3, 22.6, 23.0, 985.0),
    (datetime(2015, 10, 5, 0, tzinfo=UTC), 108.9, 23.0, 18.0, 992.0),
    (datetime(2015, 10, 5, 6, tzinfo=UTC), 108.5, 23.4, 13.0, 997.0),
)
_LEADS_H = (12, 24, 36, 48, 72)
HISTORY = timedelta(days=5)  # emitted with the window holding ctx.start: covers the whole storm

# Towns (镇/街道) at approximate WGS-84 positions (±2-3 km) with a weight for how much happens
# there (people, buildings, traffic).
# fmt: off
TOWNS: tuple[tuple[str, str, float, float, float], ...] = (
    ("南桥", "440802", 110.362, 21.27, 8), ("北桥", "440802", 110.368, 21.283, 7),
    ("调顺", "440802", 110.395, 21.3, 3), ("沙湾", "440802", 110.38, 21.262, 6),
    ("寸金", "440802", 110.352, 21.258, 6), ("解放", "440803", 110.405, 21.197, 8),
    ("海滨", "440803", 110.41, 21.172, 6), ("新园", "440803", 110.395, 21.215, 7),
    ("东新", "440803", 110.385, 21.205, 6), ("乐华", "440803", 110.345, 21.195, 4),
    ("海头", "440803", 110.385, 21.16, 4), ("爱国", "440803", 110.408, 21.185, 6),
    ("南调", "440804", 110.455, 21.244, 4), ("坡头", "440804", 110.47, 21.275, 2),
    ("南三", "440804", 110.57, 21.19, 2), ("乾塘", "440804", 110.55, 21.27, 1),
    ("龙头", "440804", 110.52, 21.35, 1), ("官渡", "440804", 110.47, 21.34, 1),
    ("麻斜", "440804", 110.445, 21.245, 2), ("麻章", "440811", 110.329, 21.265, 5),
    ("太平", "440811", 110.23, 21.22, 1.5), ("湖光", "440811", 110.29, 21.15, 2),
    ("东山", "440811", 110.39, 21.03, 1.5), ("东简", "440811", 110.5, 21.06, 2.5),
    ("民安", "440811", 110.33, 21.0, 1), ("硇洲", "440811", 110.6, 20.9, 1),
    ("遂城", "440823", 110.25, 21.378, 5), ("黄略", "440823", 110.33, 21.4, 1.5),
    ("洋青", "440823", 110.16, 21.38, 1), ("界炮", "440823", 109.97, 21.38, 1),
    ("乐民", "440823", 109.78, 21.29, 1), ("杨柑", "440823", 109.93, 21.27, 1),
    ("城月", "440823", 110.18, 21.12, 1.5), ("北坡", "440823", 109.92, 21.4, 1),
    ("岭北", "440823", 110.05, 21.35, 1), ("江洪", "440823", 109.7, 21.05, 1),
    ("徐城", "440825", 110.176, 20.326, 5), ("海安", "440825", 110.22, 20.27, 2.5),
    ("下桥", "440825", 110.1, 20.4, 1), ("迈陈", "440825", 109.99, 20.35, 1),
    ("前山", "440825", 110.3, 20.43, 1), ("锦和", "440825", 110.4, 20.48, 1),
    ("角尾", "440825", 109.93, 20.25, 1), ("曲界", "440825", 110.26, 20.42, 1),
    ("罗州", "440881", 110.285, 21.611, 7), ("安铺", "440881", 109.93, 21.46, 2.5),
    ("营仔", "440881", 109.85, 21.47, 1), ("良垌", "440881", 110.4, 21.55, 1.5),
    ("横山", "440881", 110.46, 21.47, 1), ("石角", "440881", 110.27, 21.8, 1),
    ("河唇", "440881", 110.3, 21.76, 1), ("吉水", "440881", 110.2, 21.7, 1),
    ("新民", "440881", 110.38, 21.51, 1), ("青平", "440881", 110.0, 21.7, 1),
    ("雷城", "440882", 110.088, 20.909, 7), ("客路", "440882", 110.03, 21.04, 1.5),
    ("白沙", "440882", 110.16, 20.94, 1), ("乌石", "440882", 109.83, 20.55, 1.5),
    ("企水", "440882", 109.78, 20.78, 1), ("调风", "440882", 110.3, 20.79, 1),
    ("英利", "440882", 110.05, 20.61, 1), ("北和", "440882", 109.78, 20.64, 1),
    ("松竹", "440882", 110.11, 20.83, 1), ("纪家", "440882", 109.9, 20.86, 1),
    ("梅菉", "440883", 110.78, 21.428, 6), ("吴阳", "440883", 110.66, 21.3, 1.5),
    ("黄坡", "440883", 110.63, 21.43, 2), ("塘缀", "440883", 110.8, 21.5, 1),
    ("长岐", "440883", 110.7, 21.5, 1), ("王村港", "440883", 110.71, 21.32, 1),
    ("覃巴", "440883", 110.88, 21.45, 1), ("博铺", "440883", 110.77, 21.4, 2),
)
# Sea areas off the coast, for maritime things: name, lon, lat.
_SEAS = (
    ("湛江湾", 110.47, 21.1), ("雷州湾", 110.4, 20.82), ("琼州海峡", 110.2, 20.15),
    ("北部湾", 109.62, 20.6), ("南三岛外海", 110.75, 21.12), ("北部湾", 109.6, 21.25),
)
# fmt: on


@dataclass(frozen=True)
class Places:
    """Points with the name of the town (or sea area) they belong to and their district."""

    town: np.ndarray
    adcode: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


@cache
def towns() -> pd.DataFrame:
    """TOWNS as a frame: name, adcode, lon, lat, weight (each point is on land in its district)."""
    return pd.DataFrame(TOWNS, columns=["name", "adcode", "lon", "lat", "weight"])


def near_towns(
    rng: np.random.Generator,
    n: int,
    km: float,
    *,
    urban: bool = True,
    adcode: str | None = None,
    only: tuple[str, ...] = (),
) -> Places:
    """`n` points on land within ~`km` of towns (of `adcode`, or named in `only`), in the town's
    district, the towns picked by weight (`urban`) or uniformly."""
    t = towns()
    if adcode is not None:
        t = t[t.adcode == adcode]
    if only:
        t = t[t.name.isin(only)]
    w = t.weight.to_numpy(dtype=float) if urban else np.ones(len(t))
    pick = rng.choice(len(t), n, p=w / w.sum())
    lon0, lat0 = t.lon.to_numpy()[pick], t.lat.to_numpy()[pick]
    lon, lat = lon0.copy(), lat0.copy()
    todo = np.ones(n, dtype=bool)
    for _ in range(8):
        if not todo.any():
            break
        k = int(todo.sum())
        dy, dx = rng.normal(0.0, km / 111.32, (2, k))
        lon[todo] = lon0[todo] + dx / np.cos(np.radians(lat0[todo]))
        lat[todo] = lat0[todo] + dy
        home = t.adcode.to_numpy()[pick][todo]
        todo[todo] = ~is_land(lon[todo], lat[todo]) | (district_of(lon[todo], lat[todo]) != home)
    lon[todo], lat[todo] = lon0[todo], lat0[todo]
    return Places(
        t.name.to_numpy()[pick], t.adcode.to_numpy()[pick], np.round(lon, 5), np.round(lat, 5)
    )


def sea_points(rng: np.random.Generator, n: int) -> Places:
    """`n` points at sea off the coast; the district is the nearest one."""
    names: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    while len(lon) < n:
        name, x, y = _SEAS[int(rng.integers(len(_SEAS)))]
        px, py = x + rng.normal(0.0, 0.06), y + rng.normal(0.0, 0.05)
        if not is_land(np.array([px]), np.array([py]))[0]:
            names.append(name)
            lon.append(round(float(px), 5))
            lat.append(round(float(py), 5))
    xs, ys = np.array(lon), np.array(lat)
    return Places(np.array(names, dtype=object), district_of(xs, ys), xs, ys)


def _s(t: datetime) -> float:
    return (t - _EPOCH).total_seconds()


def storm_fixes(ctx: SimContext) -> tuple[list[datetime], np.ndarray]:
    """The re-dated fixes: times and an array (n, 4) of lon, lat, wind m/s, pressure hPa."""
    return ([ctx.scenario.shift(f[0]) for f in _FIXES], np.array([f[1:] for f in _FIXES]))


def _storm_at(ctx: SimContext, times: list[datetime]) -> np.ndarray:
    """Interpolated lon, lat, wind, pressure at each time (clamped to the first/last fix)."""
    ft, fv = storm_fixes(ctx)
    x = np.array([_s(t) for t in ft])
    q = np.array([_s(t) for t in times])
    return np.column_stack([np.interp(q, x, fv[:, j]) for j in range(4)])


def _local_wind(ctx: SimContext, t: datetime) -> tuple[float, float]:
    """Mean wind and gust (m/s) the observatory expects over the city at time `t`."""
    h = (t - ctx.scenario.landfall).total_seconds() / 3600.0
    if h < 0:
        mean = float(_storm_at(ctx, [t])[0, 2]) * (0.4 + 0.6 * np.exp(h / 10.0))
    else:
        mean = 45.0 * float(np.exp(-h / 6.0))
    return mean, 1.45 * mean


@cache
def typhoon_warnings(ctx: SimContext) -> tuple[cap_messages.CapWarning, ...]:
    """The typhoon signal series and the storm's rainstorm series, as CAP messages."""
    land = ctx.scenario.landfall
    steps: list[tuple[datetime, str | None]] = []
    for k in range(-60, 25):
        t = land + k * _H + timedelta(minutes=7)
        mean, gust = _local_wind(ctx, t)
        signal = typhoon_signal(max(-k - 7 / 60, 0.0), beaufort_force(mean), beaufort_force(gust))
        if k >= 0 and signal == "white":
            signal = None  # the storm has passed: nothing more to expect within 48 h
        steps.append((t.replace(microsecond=0), signal))
    out = cap_messages.series("typhoon", STORM["storm_id"], steps, _ALL, timedelta(hours=36))
    rain = [(-4, "yellow"), (0.5, "orange"), (3, "red"), (9, "orange"), (15, "yellow"), (26, None)]
    areas = ("440802", "440803", "440804", "440811", "440823", "440882", "440883")
    out += cap_messages.series(
        "rainstorm",
        STORM["storm_id"],
        [(land + timedelta(hours=h, minutes=23), s) for h, s in rain],
        areas,
        timedelta(hours=12),
    )
    return tuple(out)


@cache
def _tracks(ctx: SimContext) -> pd.DataFrame:
    ft, _ = storm_fixes(ctx)
    grid = [ft[0] + 3 * k * _H for k in range(int((ft[-1] - ft[0]) / (3 * _H)) + 1)]
    obs = _storm_at(ctx, grid)
    rows: list[tuple[Any, ...]] = [(t, "observed", t, *v) for t, v in zip(grid, obs, strict=True)]
    issue = ft[0]
    k = 0
    while issue <= ctx.scenario.landfall + 12 * _H:
        rng = rng_for(ctx, "emergency", "forecast", k)
        bias = rng.normal(0.0, 40.0, 2)  # km per 24 h of lead, this issue's systematic error
        wbias = rng.normal(0.0, 1.5)  # m/s per 24 h of lead
        for lead in _LEADS_H:
            valid = issue + lead * _H
            if valid > ft[-1]:
                break
            lon, lat, wind, hpa = _storm_at(ctx, [valid])[0]
            err = bias * lead / 24 + rng.normal(0.0, 10.0 * lead / 24, 2)
            lon = np.clip(lon + err[0] / (111.32 * np.cos(np.radians(lat))), 104.5, 119.5)
            lat = np.clip(lat + err[1] / 111.32, 15.5, 25.5)
            dw = wbias * lead / 24 + rng.normal(0.0, 1.5)
            rows.append(
                (
                    valid,
                    "forecast",
                    issue,
                    lon,
                    lat,
                    float(np.clip(wind + dw, 10, 70)),
                    float(np.clip(hpa - 1.6 * dw, 900, 1010)),
                )
            )
        issue += 6 * _H
        k += 1
    cols = list(zip(*rows, strict=True))
    return _typed(
        "typhoon_tracks",
        {
            **{key: [v] * len(rows) for key, v in STORM.items()},
            "ts": cols[0],
            "kind": cols[1],
            "issued_ts": cols[2],
            "lon": cols[3],
            "lat": cols[4],
            "wind_ms": np.round(np.asarray(cols[5], dtype=float), 1),
            "pressure_hpa": np.round(np.asarray(cols[6], dtype=float), 1),
        },
    )


# kind: events per day (dry, rainy season), per hour at full storm impact, placement,
# (min, max) hours to close, mean casualties, title templates ({d} district, {t} town)
# fmt: off
_KINDS: tuple[tuple[str, float, float, float, str, tuple[float, float], float, tuple[str, ...]],
              ...] = (
    ("traffic", 2.2, 2.4, 0.6, "urban", (1, 5), 0.9,
     ("{d}{t}路段交通事故", "{d}{t}多车相撞事故", "{d}{t}货车侧翻事故")),
    ("fire", 0.9, 0.6, 0.1, "urban", (1, 6), 0.2,
     ("{d}{t}民房火灾", "{d}{t}厂房火灾", "{d}{t}仓库火灾", "{d}{t}林地火灾")),
    ("maritime", 0.5, 0.6, 0.5, "sea", (2, 20), 0.4,
     ("{d}附近海域渔船遇险", "{d}附近海域船舶碰撞", "{d}附近海域人员落水")),
    ("public_health", 0.25, 0.35, 0.0, "urban", (12, 24), 2.0,
     ("{d}{t}聚集性食物中毒事件", "{d}{t}登革热聚集性疫情", "{d}{t}学校聚集性发热病例")),
    ("hazmat", 0.12, 0.12, 0.05, "urban", (2, 10), 0.3,
     ("{d}{t}危险化学品泄漏", "{d}{t}槽罐车泄漏事故")),
    ("geological", 0.05, 0.2, 0.25, "rural", (4, 24), 0.2, ("{d}{t}山体滑坡", "{d}{t}地面塌陷")),
    ("waterlogging", 0.05, 0.5, 2.5, "urban", (1, 8), 0.0,
     ("{d}{t}路段严重积水", "{d}{t}低洼地带内涝", "{d}{t}地下车库进水")),
    ("flood", 0.01, 0.15, 0.8, "rural", (4, 24), 0.1,
     ("{d}{t}河段水位超警戒", "{d}{t}农田受淹", "{d}{t}堤围险情")),
)
# fmt: on
_LEVELS = ("IV", "III", "II", "I")


@lru_cache(maxsize=4096)
def _event_bucket(ctx: SimContext, hour: int) -> tuple[tuple[Any, ...], ...]:
    """Every state row of the ordinary events reported during one hour."""
    rng = rng_for(ctx, "emergency", "events", hour)
    t0 = _EPOCH + hour * _H
    impact = float(
        ctx.scenario.impact(
            np.array([np.datetime64(t0.replace(tzinfo=None), "us") + np.timedelta64(30, "m")])
        )[0]
    )
    rainy = 4 <= (t0 + 8 * _H).month <= 9
    rows: list[tuple[Any, ...]] = []
    k = 0
    for kind, dry, wet, storm, where, dur, casualties, titles in _KINDS:
        n = int(rng.poisson((wet if rainy else dry) / 24.0 + storm * impact))
        if n == 0:
            continue
        pos = (
            sea_points(rng, n)
            if where == "sea"
            else near_towns(rng, n, 2.0 if where == "urban" else 8.0, urban=where == "urban")
        )
        codes = pos.adcode
        for i in range(n):
            reported = t0 + float(rng.uniform(0, 3600)) * timedelta(seconds=1)
            reported = reported.replace(microsecond=0)
            responding = reported + timedelta(minutes=float(rng.uniform(3, 30)))
            closed = responding + timedelta(hours=float(rng.uniform(*dur)))
            p = (
                np.array([0.82, 0.14, 0.035, 0.005])
                if impact < 0.5
                else np.array([0.55, 0.35, 0.09, 0.01])
            )
            level = _LEVELS[int(rng.choice(4, p=p))]
            hurt = int(rng.poisson(casualties * (1 + _LEVELS.index(level))))
            town = str(pos.town[i])
            title = str(rng.choice(titles)).format(d=_NAMES[codes[i]], t=town)
            eid = f"EV{hour}{k:02d}"
            k += 1
            base = (eid, kind, level, codes[i], float(pos.lon[i]), float(pos.lat[i]), title)
            rows += [
                (reported, *base, "reported", reported, 0),
                (responding.replace(microsecond=0), *base, "responding", reported, hurt),
                (closed.replace(microsecond=0), *base, "closed", reported, hurt),
            ]
    return tuple(rows)


@cache
def _typhoon_events(ctx: SimContext) -> tuple[tuple[Any, ...], ...]:
    """The city's typhoon response and the storm's damage events per district."""
    land = ctx.scenario.landfall
    rng = rng_for(ctx, "emergency", "typhoon-events")
    title = f"台风“{STORM['name_zh']}”防御应急响应"
    base = ("EV-TY1522-00", "typhoon")
    city = (110.3610, 21.2720)  # the city government, 赤坎
    rows: list[tuple[Any, ...]] = []
    reported = land - 48 * _H
    for h, level, status, hurt in (
        (-48, "IV", "reported", 0),
        (-24, "III", "responding", 0),
        (-12, "II", "responding", 0),
        (-6, "I", "responding", 2),
        (36, "I", "closed", 9),
    ):
        rows.append((land + h * _H, *base, level, "440802", *city, title, status, reported, hurt))
    for i, adcode in enumerate(("440804", "440803", "440811", "440802", "440883", "440823")):
        pos = near_towns(rng, 1, 2.0, urban=True, adcode=adcode)
        start = (land + float(rng.uniform(0.2, 3.0)) * _H).replace(microsecond=0)
        level = "II" if i < 3 else "III"
        hurt = int(rng.poisson(3 if i < 3 else 1))
        base2 = (
            f"EV-TY1522-{i + 1:02d}",
            "typhoon",
            level,
            adcode,
            float(pos.lon[0]),
            float(pos.lat[0]),
            f"{_NAMES[adcode]}{pos.town[0]}台风灾害",
        )
        for dt, status in (
            (0.0, "reported"),
            (0.4, "responding"),
            (float(rng.uniform(24, 48)), "closed"),
        ):
            rows.append(
                (
                    (start + dt * _H).replace(microsecond=0),
                    *base2,
                    status,
                    start,
                    0 if status == "reported" else hurt,
                )
            )
    return tuple(rows)


_SCHOOLS = ("中心小学", "第一小学", "实验小学", "中学", "第二中学", "实验学校", "职业技术学校")
_CIVIL_TEAMS = ("湛江海燕应急救援队", "湛江红棉志愿救援队", "雷州半岛蓝盾救援队", "吴川鉴江救援队")


def _resources(ctx: SimContext) -> pd.DataFrame:
    """Shelters (in schools and stadiums, capacity by population), depots, teams and boats."""
    rng = rng_for(ctx, "emergency", "resources")
    n = {Scale.TEST: 40, Scale.DEMO: 150, Scale.BENCH: 400}[ctx.scale]
    pop = np.array([d.population for d in districts()], dtype=float)
    per = np.maximum(1, np.round(n * pop / pop.sum())).astype(int)
    rows: list[tuple[Any, ...]] = []
    seen: dict[str, int] = {}

    def add(prefix: str, kind: str, name: str, pos: Places, i: int, capacity: int) -> None:
        seen[name] = seen.get(name, 0) + 1
        label = name if seen[name] == 1 else f"{name}（{seen[name]}）"
        rows.append(
            (
                f"{prefix}{len(rows) + 1:04d}",
                kind,
                label,
                str(pos.adcode[i]),
                float(pos.lon[i]),
                float(pos.lat[i]),
                capacity,
            )
        )

    for d, k in zip(districts(), per, strict=True):
        pos = near_towns(rng, int(k), 1.5, adcode=d.adcode)
        share = d.population * 0.04 / k  # shelter places for ~4 % of residents
        for i in range(int(k)):
            if rng.random() < 0.12:
                add(
                    "SH",
                    "shelter",
                    f"{pos.town[i]}体育馆避护场所",
                    pos,
                    i,
                    int(round(share * rng.uniform(1.5, 3.0), -1)),
                )
            else:
                add(
                    "SH",
                    "shelter",
                    f"{pos.town[i]}{rng.choice(_SCHOOLS)}避护场所",
                    pos,
                    i,
                    int(round(share * rng.uniform(0.4, 1.2), -1)),
                )
        depot = near_towns(rng, 2, 2.0, adcode=d.adcode)
        add("DP", "depot", f"{d.name_zh}应急物资储备库", depot, 0, int(rng.integers(5, 20)) * 1000)
        add(
            "DP",
            "depot",
            f"{depot.town[1]}应急物资储备点",
            depot,
            1,
            int(rng.integers(5, 30)) * 100,
        )
        team = near_towns(rng, 1, 1.0, adcode=d.adcode)
        add("RT", "rescue_team", f"{d.name_zh}应急救援大队", team, 0, int(rng.integers(40, 120)))
    city = near_towns(rng, 2, 1.0, adcode="440811")
    add("DP", "depot", "湛江市应急物资储备库", city, 0, 50_000)
    add("RT", "rescue_team", "湛江市应急救援支队", city, 1, 180)
    civil = near_towns(rng, len(_CIVIL_TEAMS), 2.0)
    for i, name in enumerate(_CIVIL_TEAMS):
        add("RT", "rescue_team", f"{name}（民间）", civil, i, int(rng.integers(20, 90)))
    coastal = (
        "440802",
        "440803",
        "440804",
        "440811",
        "440823",
        "440825",
        "440881",
        "440882",
        "440883",
    )
    for adcode in coastal:
        boats = near_towns(rng, 3, 1.0, adcode=adcode)
        for i, (label, seats) in enumerate((("冲锋舟", 12), ("橡皮艇", 8), ("救援船", 40))):
            add("BT", "boat", f"{boats.town[i]}应急{label}", boats, i, seats)
    return _from_rows("emergency_resources", rows)


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


def _hour(t: datetime) -> int:
    return int((t - _EPOCH) // _H)


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    """Shelters, depots, rescue teams and boats."""
    return {"emergency_resources": _resources(ctx)}


def _emitted(t: datetime, ctx: SimContext, start: datetime, end: datetime) -> bool:
    """Whether the window [start, end) emits a row of time `t`: the HISTORY before ctx.start goes
    with the window that holds ctx.start (so a short seeded history still has the storm)."""
    before = ctx.start - HISTORY <= t < ctx.start
    return start <= ctx.start < end if before else start <= t < end


def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Events, typhoon tracks and CAP messages of [start, end) (see `_emitted`)."""
    lo = min(start, ctx.start - HISTORY) if start <= ctx.start < end else start
    rows = [r for h in range(_hour(lo) - 49, _hour(end) + 1) for r in _event_bucket(ctx, h)]
    rows = [r for r in [*rows, *_typhoon_events(ctx)] if _emitted(r[0], ctx, start, end)]
    if rows:
        yield "emergency_events", _from_rows("emergency_events", sorted(rows, key=lambda r: r[0]))
    tracks = _tracks(ctx)
    keep = [_emitted(t, ctx, start, end) for t in tracks["issued_ts"].dt.to_pydatetime()]
    if any(keep):
        yield "typhoon_tracks", tracks[keep].reset_index(drop=True)
    land = ctx.scenario.landfall
    quiet = (land - 60 * _H, land + 30 * _H)
    warnings = [*typhoon_warnings(ctx)]
    for day in range(_hour(lo) // 24 - 1, _hour(end) // 24 + 1):
        warnings += cap_messages.ordinary(ctx, day, quiet)
    warnings = [w for w in warnings if _emitted(w.sent, ctx, start, end)]
    if warnings:
        yield "cap_messages", cap_messages.frame(warnings)
