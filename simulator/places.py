"""Where things happen in the simulated city: its towns, sea areas and points sampled near them.

`TOWNS` are the towns (镇/街道) of the nine districts at approximate WGS-84 positions (±2-3 km),
each with a weight for how much happens there (people, buildings, traffic). `near_towns` samples
points on land around them (emergency events and resources, fire units and incidents, river
reaches name their nearest town); `sea_points` samples points in the sea areas off the coast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from simulator.geography import district_of, is_land

__all__ = ["TOWNS", "Places", "near_towns", "sea_points", "towns"]

# name, adcode, lon, lat, weight
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
