"""Smart fire protection (智慧消防) of the simulated city: stations, units, IoT events, 119 calls.

Stations (特勤站, 一级站, 二级站, 小型站 and company 专职队 at 宝钢湛江钢铁, 中科炼化, the port and
the airport) sit in the urban core, the county seats and a few large towns, so the rural interior
is a coverage gap. Key fire-safety units carry IoT devices whose events are mostly false alarms
(~96 % confirmed false, ~3 % never verified, a few real), faults, and offline/restored pairs; the
typhoon multiplies faults and outages. 119 incidents are dispatched 30-90 s after the call from the
nearest station; the engine arrives after turnout plus the drive (haversine distance at an
effective ~30 km/h in town, 25 km/h in the countryside), so distant incidents miss the 5-minute
standard. A confirmed alarm at a key unit becomes a 119 incident there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from data_adapters.schema import table
from data_adapters.validate import empty_frame
from simulator.base import Scale, SimContext, rng_for
from simulator.emergency import near_towns, towns
from simulator.geography import district_of, is_land

__all__ = ["INCIDENT_LOOKBACK", "facts", "reference"]

INCIDENT_LOOKBACK = timedelta(days=30)  # incident history kept before ctx.start (statistics)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_H = timedelta(hours=1)

# name, kind, town (position), engines; company brigades with their own position
# fmt: off
_STATIONS: tuple[tuple[str, str, str, int], ...] = (
    ("湛江市消防救援支队特勤一站", "special", "北桥", 9), ("开发区特勤站", "special", "新园", 8),
    ("赤坎消防救援站", "class1", "南桥", 6), ("霞山消防救援站", "class1", "解放", 6),
    ("海滨消防救援站", "class1", "海滨", 5), ("坡头消防救援站", "class1", "南调", 5),
    ("麻章消防救援站", "class1", "麻章", 5), ("东海岛消防救援站", "class1", "东山", 5),
    ("遂溪消防救援站", "class1", "遂城", 5), ("廉江消防救援站", "class1", "罗州", 6),
    ("雷州消防救援站", "class1", "雷城", 6), ("徐闻消防救援站", "class1", "徐城", 5),
    ("吴川消防救援站", "class1", "梅菉", 6), ("调顺消防救援站", "class2", "调顺", 3),
    ("乐华消防救援站", "class2", "乐华", 3), ("湖光消防救援站", "class2", "湖光", 3),
    ("安铺消防救援站", "class2", "安铺", 4), ("海安消防救援站", "class2", "海安", 4),
    ("黄坡消防救援站", "class2", "黄坡", 3), ("南三消防救援站", "class2", "南三", 3),
    ("良垌消防救援站", "class2", "良垌", 3), ("客路消防救援站", "class2", "客路", 3),
    ("城月消防救援站", "class2", "城月", 3), ("寸金小型消防站", "small", "寸金", 2),
    ("海头小型消防站", "small", "海头", 2), ("乌石小型消防站", "small", "乌石", 2),
    ("硇洲小型消防站", "small", "硇洲", 2), ("吴阳小型消防站", "small", "吴阳", 2),
    ("石角小型消防站", "small", "石角", 2), ("下桥小型消防站", "small", "下桥", 2),
    ("沙湾小型消防站", "small", "沙湾", 2), ("博铺小型消防站", "small", "博铺", 2),
    ("白沙小型消防站", "small", "白沙", 2), ("麻斜小型消防站", "small", "麻斜", 2),
)
# fmt: on
# fmt: off
_BRIGADES = (
    ("宝钢湛江钢铁专职消防队", 110.505, 21.062, 6), ("中科炼化专职消防队", 110.452, 21.012, 5),
    ("湛江港集团专职消防队", 110.412, 21.192, 3), ("湛江吴川机场专职消防队", 110.61, 21.47, 3),
)
# fmt: on
# key units with a known place: name, category, lon, lat, devices
# fmt: off
_NAMED_UNITS = (
    ("宝钢湛江钢铁有限公司", "plant", 110.5, 21.055, 20000),
    ("中科（广东）炼化有限公司", "plant", 110.455, 21.005, 15000),
    ("湛江港霞山港区", "port", 110.41, 21.188, 3000),
    ("湛江港调顺港区", "port", 110.398, 21.297, 1500),
    ("湛江中心人民医院", "hospital", 110.366, 21.276, 2200),
    ("广东医科大学附属医院", "hospital", 110.402, 21.196, 2500),
)
# fmt: on
_CATEGORIES = {  # weight, median devices, name suffixes
    "school": (
        0.24,
        120,
        ("第一中学", "第二中学", "中心小学", "实验小学", "职业技术学校", "幼儿园"),
    ),
    "hospital": (0.08, 500, ("人民医院", "中医院", "卫生院", "妇幼保健院")),
    "mall": (0.12, 700, ("购物广场", "商业城", "百货大楼", "农贸市场")),
    "hotel": (0.12, 260, ("大酒店", "宾馆", "国际酒店", "商务酒店")),
    "plant": (
        0.12,
        1200,
        ("食品有限公司", "饲料有限公司", "化工有限公司", "电器有限公司", "水产加工厂"),
    ),
    "warehouse": (0.10, 220, ("物流园", "冷链仓储中心", "粮食储备库", "仓储中心")),
    "highrise": (0.17, 480, ("国际大厦", "商务中心", "金融大厦", "花园小区")),
    "port": (0.05, 600, ("渔港", "港区码头", "油品码头")),
}
# fmt: off
_HARBOUR_TOWNS = (
    "调顺", "海滨", "海头", "南三", "乾塘", "东简", "硇洲", "海安", "角尾", "乌石", "企水", "江洪",
    "乐民", "安铺", "营仔", "王村港", "吴阳",
)
# fmt: on
# device event kinds: rate per device-hour, extra factor at full storm impact
_DEVICE_EVENTS = (("alarm", 7e-5, 1.5), ("fault", 1.2e-4, 5.0), ("offline", 4e-5, 8.0))
# incident kinds: weight (dry, rainy season), minutes on scene (min, max)
_INCIDENTS = (
    ("building", 0.32, 0.34, (30, 150)),
    ("vehicle", 0.12, 0.12, (20, 60)),
    ("wildland", 0.10, 0.04, (60, 240)),
    ("industrial", 0.04, 0.04, (40, 180)),
    ("rescue", 0.22, 0.30, (20, 120)),
    ("other", 0.14, 0.15, (15, 60)),
)


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


@cache
def _stations(ctx: SimContext) -> pd.DataFrame:
    t = towns().set_index("name")
    rng = rng_for(ctx, "fire", "stations")
    rows = []
    for name, kind, town, engines in _STATIONS:
        lon, lat = (
            t.loc[town, "lon"] + rng.normal(0, 0.003),
            t.loc[town, "lat"] + rng.normal(0, 0.003),
        )
        if not is_land(np.array([lon]), np.array([lat]))[0]:
            lon, lat = t.loc[town, "lon"], t.loc[town, "lat"]
        rows.append((name, kind, float(lon), float(lat), engines))
    rows += [(name, "professional", lon, lat, engines) for name, lon, lat, engines in _BRIGADES]
    names, kinds, lon, lat, engines = zip(*rows, strict=True)
    x, y = np.round(lon, 5), np.round(lat, 5)
    return _typed(
        "fire_stations",
        {
            "station_id": [f"FS{i + 1:03d}" for i in range(len(rows))],
            "name": names,
            "kind": kinds,
            "adcode": district_of(x, y),
            "lon": x,
            "lat": y,
            "engines": engines,
        },
    )


@cache
def _units(ctx: SimContext) -> pd.DataFrame:
    """Key units, with a hidden `noise` factor (how prone their devices are to events)."""
    rng = rng_for(ctx, "fire", "units")
    n = {Scale.TEST: 80, Scale.DEMO: 300, Scale.BENCH: 1000}[ctx.scale] - len(_NAMED_UNITS)
    cats = list(_CATEGORIES)
    w = np.array([_CATEGORIES[c][0] for c in cats])
    cat = rng.choice(len(cats), n, p=w / w.sum())
    pos = near_towns(rng, n, 1.2)
    harbour = np.flatnonzero(cat == cats.index("port"))
    quay = near_towns(rng, len(harbour), 0.8, only=_HARBOUR_TOWNS)
    for name in ("town", "lon", "lat"):
        getattr(pos, name)[harbour] = getattr(quay, name)
    names: list[str] = []
    seen: dict[str, int] = {}
    for i in range(n):
        base = f"{pos.town[i]}{rng.choice(_CATEGORIES[cats[cat[i]]][2])}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}（{seen[base]}号）")
    median = np.array([_CATEGORIES[cats[c]][1] for c in cat], dtype=float)
    devices = np.clip(np.round(median * rng.lognormal(0, 0.5, n)), 10, 50_000).astype(int)
    named = list(zip(*_NAMED_UNITS, strict=True))
    lon = np.concatenate([named[2], pos.lon])
    lat = np.concatenate([named[3], pos.lat])
    frame = _typed(
        "fire_units",
        {
            "unit_id": [f"FU{i + 1:04d}" for i in range(len(lon))],
            "name": [*named[0], *names],
            "category": [*named[1], *(cats[c] for c in cat)],
            "adcode": district_of(lon, lat),
            "lon": lon,
            "lat": lat,
            "devices": [*named[4], *devices],
        },
    )
    return frame.assign(noise=rng.lognormal(0, 0.9, len(frame)))


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    """Fire stations and key fire-safety units."""
    return {"fire_stations": _stations(ctx), "fire_units": _units(ctx).drop(columns="noise")}


def _impact(ctx: SimContext, t: datetime) -> float:
    ts = np.array([np.datetime64(t.replace(tzinfo=None), "us")])
    return float(ctx.scenario.impact(ts)[0])


@cache
def _unit_arrays(ctx: SimContext) -> dict[str, np.ndarray]:
    u = _units(ctx)
    w = u["devices"].to_numpy(dtype=float) * u["noise"].to_numpy(dtype=float)
    return {
        "id": u["unit_id"].to_numpy(dtype=object),
        "devices": u["devices"].to_numpy(int),
        "p": w / w.sum(),
        "weight": np.asarray(w.sum()),
        "lon": u["lon"].to_numpy(float),
        "lat": u["lat"].to_numpy(float),
        "plant": (u["category"] == "plant").to_numpy(bool),
    }


_EVENT_COLUMNS = ("ts", "device_id", "unit_id", "kind", "confirmed")


@lru_cache(maxsize=4096)
def _device_bucket(ctx: SimContext, hour: int) -> tuple[np.ndarray, ...]:
    """Device events that start during one hour (restored rows may fall later), as columns."""
    rng = rng_for(ctx, "fire", "devices", hour)
    u = _unit_arrays(ctx)
    t0 = np.datetime64((_EPOCH + hour * _H).replace(tzinfo=None), "s")
    impact = _impact(ctx, _EPOCH + (hour + 0.5) * _H)
    cols: list[list[np.ndarray]] = [[] for _ in _EVENT_COLUMNS]

    def put(*arrays: np.ndarray) -> None:
        for c, a in zip(cols, arrays, strict=True):
            c.append(a)

    for kind, rate, storm in _DEVICE_EVENTS:
        n = int(rng.poisson(rate * float(u["weight"]) * (1 + storm * impact)))
        pick = rng.choice(len(u["id"]), n, p=u["p"])
        dev = (rng.random(n) * u["devices"][pick]).astype(int)
        ts = t0 + rng.integers(0, 3600, n).astype("timedelta64[s]")
        uid = u["id"][pick]
        ids = np.array([f"{a}-{b:05d}" for a, b in zip(uid, dev, strict=True)], dtype=object)
        none = np.full(n, None, dtype=object)
        confirmed = none
        if kind == "alarm":
            r = rng.random(n)
            confirmed = np.where(r < 0.004, True, np.where(r < 0.034, None, False))
        put(ts, ids, uid, np.full(n, kind, dtype=object), confirmed)
        if kind == "offline":
            back = np.clip(rng.lognormal(np.log(3600), 1.0, n), 300, 8 * 3600).astype(int)
            put(
                ts + back.astype("timedelta64[s]"),
                ids,
                uid,
                np.full(n, "restored", dtype=object),
                none,
            )
    return tuple(np.concatenate(c) for c in cols)


def _km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distance in km (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


@cache
def _station_arrays(ctx: SimContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    st = _stations(ctx)
    return (
        st["station_id"].to_numpy(dtype=object),
        st["lon"].to_numpy(float),
        st["lat"].to_numpy(float),
    )


@cache
def _core() -> tuple[np.ndarray, np.ndarray]:
    t = towns()
    core = t[t.weight >= 4]
    return core.lon.to_numpy(float), core.lat.to_numpy(float)


def _respond(
    ctx: SimContext, rng: np.random.Generator, call: datetime, lon: float, lat: float
) -> tuple[str, datetime, datetime]:
    """Station, dispatch and arrival times of an incident at (lon, lat) called in at `call`."""
    ids, slon, slat = _station_arrays(ctx)
    dist = _km(slon, slat, lon, lat)
    order = np.argsort(dist)
    busy = rng.random() < 0.08 and dist[order[1]] < 5.0  # the nearest is out, the next is close
    pick = order[1] if busy else order[0]
    urban = _km(*_core(), lon, lat).min() < 6.0
    speed = (30.0 if urban else 25.0) / (1.0 + 0.8 * _impact(ctx, call))
    drive = dist[pick] / speed * 3600 * rng.uniform(0.85, 1.25)  # effective speeds
    dispatch = call + timedelta(seconds=int(rng.uniform(30, 90)))
    arrival = dispatch + timedelta(seconds=int(rng.uniform(30, 60) + drive))
    return str(ids[pick]), dispatch, arrival


@lru_cache(maxsize=512)
def _incident_day(ctx: SimContext, day: int) -> tuple[tuple[Any, ...], ...]:
    """Every state row of the 119 incidents called in during one UTC day."""
    rng = rng_for(ctx, "fire", "incidents", day)
    d0 = _EPOCH + timedelta(days=day)
    rainy = 4 <= (d0 + 12 * _H).month <= 9
    hourly = np.array([_impact(ctx, d0 + (h + 0.5) * _H) for h in range(24)])
    diurnal = 1.0 + 0.6 * np.sin(np.pi * ((np.arange(24) + 8 - 6) % 24) / 24)  # BJT daytime
    ua = _unit_arrays(ctx)
    todo: list[tuple[datetime, str, float, float, str | None]] = []
    kinds = [k[0] for k in _INCIDENTS]
    w = np.array([k[2] if rainy else k[1] for k in _INCIDENTS])
    n = int(rng.poisson(9.0))
    hours = rng.choice(24, n, p=diurnal / diurnal.sum())
    kind = rng.choice(len(kinds), n, p=w / w.sum())
    for h, k in zip(hours, kind, strict=True):
        call = d0 + timedelta(seconds=int(h) * 3600 + int(rng.integers(0, 3600)))
        name = kinds[k]
        unit = None
        if name in ("building", "industrial") and rng.random() < (
            0.25 if name == "building" else 0.7
        ):
            cand = np.flatnonzero(ua["plant"] == (name == "industrial"))
            i = int(cand[rng.integers(len(cand))])
            unit, lon, lat = str(ua["id"][i]), float(ua["lon"][i]), float(ua["lat"][i])
        else:
            pos = near_towns(
                rng, 1, {"wildland": 8.0, "vehicle": 2.5}.get(name, 1.0), urban=name != "wildland"
            )
            lon, lat = float(pos.lon[0]), float(pos.lat[0])
        todo.append((call, name, lon, lat, unit))
    storm = int(rng.poisson(2.0 * hourly.sum()))
    if storm:
        pos = near_towns(rng, storm, 1.5)
        for i, h in enumerate(rng.choice(24, storm, p=hourly / hourly.sum())):
            call = d0 + timedelta(seconds=int(h) * 3600 + int(rng.integers(0, 3600)))
            todo.append(
                (
                    call,
                    "rescue" if rng.random() < 0.7 else "other",
                    float(pos.lon[i]),
                    float(pos.lat[i]),
                    None,
                )
            )
    index = {uid: i for i, uid in enumerate(ua["id"])}
    for h in range(24):
        ts, _, uids, kinds_, confirmed = _device_bucket(ctx, day * 24 + h)
        for j in np.flatnonzero((kinds_ == "alarm") & (confirmed == True)):  # noqa: E712
            i = index[uids[j]]
            call = _EPOCH + timedelta(
                seconds=int(ts[j].astype("int64")) + int(rng.integers(60, 240))
            )
            todo.append(
                (
                    call,
                    "industrial" if ua["plant"][i] else "building",
                    float(ua["lon"][i]),
                    float(ua["lat"][i]),
                    str(uids[j]),
                )
            )
    xy = np.array([(t[2], t[3]) for t in todo], dtype=float).reshape(-1, 2)
    codes = district_of(xy[:, 0], xy[:, 1])
    rows: list[tuple[Any, ...]] = []
    for i, (call, name, lon, lat, unit) in enumerate(todo):
        station, dispatch, arrival = _respond(ctx, rng, call, lon, lat)
        lo, hi = _INCIDENTS[kinds.index(name)][3]
        closed = arrival + timedelta(minutes=float(rng.uniform(lo, hi)))
        base = (f"FI{day}{i:03d}", call, dispatch)
        rest = (station, name, codes[i], round(lon, 5), round(lat, 5), unit)
        rows += [
            (dispatch, *base, None, *rest, "dispatched"),
            (arrival, *base, arrival, *rest, "on_scene"),
            (closed.replace(microsecond=0), *base, arrival, *rest, "closed"),
        ]
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


def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Device events and incident states in [start, end) (plus 30 days of incident history)."""
    h0, h1 = int((start - _EPOCH) // _H), int((end - _EPOCH) // _H)
    parts = [_device_bucket(ctx, h) for h in range(h0 - 9, h1 + 1)]
    cols = [np.concatenate([p[i] for p in parts]) for i in range(len(_EVENT_COLUMNS))]
    keep = _keep(cols[0], ctx, start, end, timedelta(0))
    ev = pd.DataFrame({c: a[keep] for c, a in zip(_EVENT_COLUMNS, cols, strict=True)})
    ev = ev.sort_values("ts", kind="stable").drop_duplicates(["device_id", "ts"])
    if len(ev):
        yield "fire_device_events", _typed("fire_device_events", ev.reset_index(drop=True))
    lo = min(start, ctx.start - INCIDENT_LOOKBACK) if start <= ctx.start < end else start
    day = timedelta(days=1)
    rows = [
        r
        for d in range(int((lo - _EPOCH) // day) - 1, int((end - _EPOCH) // day) + 1)
        for r in _incident_day(ctx, d)
    ]
    ts = np.array([r[0].replace(tzinfo=None) for r in rows], dtype="datetime64[us]")
    rows = sorted(
        (r for r, k in zip(rows, _keep(ts, ctx, start, end, INCIDENT_LOOKBACK), strict=True) if k),
        key=lambda r: r[0],
    )
    if rows:
        yield "fire_incidents", _from_rows("fire_incidents", rows)
