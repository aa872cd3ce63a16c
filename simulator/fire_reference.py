"""The fire-protection reference of the simulated city: fire stations and key fire-safety units.

Stations (特勤站, 一级站, 二级站, 小型站 and company 专职队 at 宝钢湛江钢铁, 中科炼化, the port and
the airport) sit in the urban core, the county seats and a few large towns, so the rural interior
is a coverage gap. Key units (schools, hospitals, malls, plants, ports …) carry IoT devices; each
has a hidden `noise` factor for how prone its devices are to events (simulator.fire).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from simulator.base import Scale, SimContext, rng_for, typed
from simulator.geography import district_of, is_land
from simulator.places import TOWNS, near_towns

__all__ = ["station_arrays", "stations", "unit_arrays", "units"]

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
_TOWN_XY = {name: (lon, lat) for name, _, lon, lat, _ in TOWNS}


@cache
def stations(ctx: SimContext) -> pd.DataFrame:
    """The `fire_stations` rows: each town station ~300 m from its town's centre, on land."""
    rng = rng_for(ctx, "fire", "stations")
    rows = []
    for name, kind, town, engines in _STATIONS:
        x0, y0 = _TOWN_XY[town]
        lon, lat = x0 + rng.normal(0, 0.003), y0 + rng.normal(0, 0.003)
        if not is_land(np.array([lon]), np.array([lat]))[0]:
            lon, lat = x0, y0
        rows.append((name, kind, float(lon), float(lat), engines))
    rows += [(name, "professional", lon, lat, engines) for name, lon, lat, engines in _BRIGADES]
    names, kinds, xs, ys, counts = zip(*rows, strict=True)
    x, y = np.round(xs, 5), np.round(ys, 5)
    return typed(
        "fire_stations",
        {
            "station_id": [f"FS{i + 1:03d}" for i in range(len(rows))],
            "name": names,
            "kind": kinds,
            "adcode": district_of(x, y),
            "lon": x,
            "lat": y,
            "engines": counts,
        },
    )


@cache
def units(ctx: SimContext) -> pd.DataFrame:
    """The `fire_units` rows, with a hidden `noise` factor (how prone their devices are to
    events)."""
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
    frame = typed(
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


@cache
def unit_arrays(ctx: SimContext) -> dict[str, np.ndarray]:
    """The units as arrays: id, devices, p (share of device events), weight (their sum), lon,
    lat, plant (whether an industrial plant)."""
    u = units(ctx)
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


@cache
def station_arrays(ctx: SimContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Station ids, lon and lat as arrays."""
    st = stations(ctx)
    return (
        st["station_id"].to_numpy(dtype=object),
        st["lon"].to_numpy(float),
        st["lat"].to_numpy(float),
    )
