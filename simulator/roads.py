"""The road network of the simulated city: real corridors of Zhanjiang as approximate polylines.

Waypoints are WGS-84 lon/lat written from general knowledge of the city's geography (the
urban spine along the bay in 赤坎 and 霞山, the bay bridge to 坡头, the national roads and
expressways that run down the Leizhou peninsula to the Hainan ferry at 海安). They follow the real
corridors to within a few hundred metres, not survey-grade; town arterial names outside the urban
core are representative. Each road is split into segments: short ones in town, longer ones on
highways.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from simulator.base import Scale
from simulator.geography import district_of

__all__ = ["ROADS", "Road", "haversine_m", "segments"]

Point = tuple[float, float]


@dataclass(frozen=True)
class Road:
    code: str  # short id used in segment ids
    name: str
    road_class: str  # expressway | arterial | secondary | branch
    free_kmh: float
    seg_m: float  # target segment length at demo scale
    points: tuple[Point, ...]
    core: bool = False  # part of the urban core (赤坎/霞山/坡头/麻章): kept at test scale


def _r(
    code: str, name: str, cls: str, kmh: float, seg: float, pts: list[Point], core: bool = False
) -> Road:
    return Road(code, name, cls, kmh, seg, tuple(pts), core)


# fmt: off
ROADS: tuple[Road, ...] = (
    # ── urban core: 赤坎 / 霞山 along the west shore of the bay ───────────────────────
    _r("RMDD", "人民大道", "arterial", 60, 600, [
        (110.3690, 21.3060), (110.3745, 21.2900), (110.3800, 21.2760), (110.3860, 21.2620),
        (110.3920, 21.2470), (110.3975, 21.2320), (110.4000, 21.2180), (110.4005, 21.2040),
        (110.3995, 21.1900), (110.3985, 21.1760), (110.3970, 21.1640),
    ], core=True),
    _r("HBDD", "海滨大道", "arterial", 60, 600, [
        (110.3900, 21.2880), (110.3950, 21.2720), (110.4010, 21.2560), (110.4060, 21.2400),
        (110.4080, 21.2260), (110.4085, 21.2120), (110.4070, 21.1980),
    ], core=True),
    _r("ZCDD", "椹川大道", "arterial", 60, 600, [
        (110.3500, 21.3050), (110.3540, 21.2880), (110.3580, 21.2700), (110.3630, 21.2530),
        (110.3700, 21.2360), (110.3770, 21.2200), (110.3830, 21.2050), (110.3870, 21.1900),
        (110.3880, 21.1720), (110.3870, 21.1560),
    ], core=True),
    _r("SGDD", "疏港大道", "arterial", 60, 700, [
        (110.3995, 21.2110), (110.3800, 21.2130), (110.3550, 21.2180), (110.3300, 21.2230),
        (110.3000, 21.2300), (110.2700, 21.2380), (110.2450, 21.2450),
    ], core=True),
    _r("GHL", "观海路", "secondary", 50, 500, [
        (110.3745, 21.2830), (110.3830, 21.2810), (110.3920, 21.2790),
    ], core=True),
    _r("HDL", "海大路", "arterial", 60, 700, [
        (110.3870, 21.1950), (110.3650, 21.1850), (110.3400, 21.1720), (110.3150, 21.1600),
        (110.2980, 21.1500),
    ], core=True),
    _r("HGKX", "湖光快线", "arterial", 80, 800, [
        (110.3600, 21.2450), (110.3350, 21.2150), (110.3150, 21.1850), (110.2950, 21.1550),
        (110.2850, 21.1300),
    ], core=True),
    _r("JFL", "解放路", "secondary", 45, 450, [
        (110.3700, 21.1950), (110.3850, 21.1960), (110.3995, 21.1970), (110.4070, 21.1980),
    ], core=True),
    _r("ZSL", "中山路", "secondary", 45, 450, [
        (110.3450, 21.2720), (110.3600, 21.2710), (110.3750, 21.2700), (110.3850, 21.2690),
    ], core=True),
    _r("LSL", "乐山路", "secondary", 50, 500, [
        (110.3770, 21.2340), (110.3950, 21.2330), (110.4120, 21.2320),
    ], core=True),
    _r("HWDQ", "湛江海湾大桥", "arterial", 80, 800, [
        (110.4120, 21.2320), (110.4250, 21.2370), (110.4380, 21.2420), (110.4480, 21.2460),
    ], core=True),
    _r("HCKX", "海川快线", "arterial", 80, 800, [
        (110.4480, 21.2460), (110.4600, 21.2600), (110.4750, 21.2800), (110.4950, 21.3000),
        (110.5200, 21.3200),
    ], core=True),
    # ── national roads and expressways ────────────────────────────────────────────────
    _r("G15", "沈海高速G15", "expressway", 110, 4000, [
        (110.8000, 21.5000), (110.7400, 21.4650), (110.6800, 21.4300), (110.5800, 21.3900),
        (110.4800, 21.3750), (110.3800, 21.3600), (110.3000, 21.3450), (110.2500, 21.3200),
        (110.2100, 21.2500), (110.1800, 21.1500), (110.1400, 21.0400), (110.1200, 20.9300),
        (110.1300, 20.8000), (110.1500, 20.6500), (110.1700, 20.5000), (110.1900, 20.3800),
        (110.2150, 20.2900),
    ], core=True),
    _r("G207", "国道G207", "arterial", 70, 4500, [
        (110.2950, 21.6500), (110.2850, 21.6100), (110.2700, 21.5000), (110.2500, 21.3800),
        (110.2900, 21.3000), (110.3300, 21.2600), (110.3000, 21.2000), (110.2850, 21.1300),
        (110.2300, 21.0900), (110.1600, 21.0300), (110.0900, 20.9100), (110.1000, 20.7500),
        (110.1300, 20.6000), (110.1500, 20.4500), (110.1750, 20.3300), (110.2200, 20.2700),
    ]),
    _r("G325", "国道G325", "arterial", 70, 4500, [
        (110.7800, 21.4400), (110.7000, 21.4000), (110.6000, 21.3500), (110.5200, 21.3200),
        (110.4500, 21.3150), (110.3900, 21.3100), (110.3400, 21.2900), (110.3300, 21.2600),
        (110.2700, 21.3200), (110.2500, 21.3800), (110.1500, 21.4700), (110.0500, 21.5500),
    ]),
    _r("ZXGS", "湛徐高速", "expressway", 110, 4000, [
        (110.3000, 21.2200), (110.2700, 21.1000), (110.2500, 20.9800), (110.2300, 20.8500),
        (110.2200, 20.7000), (110.2300, 20.5500), (110.2400, 20.4200), (110.2300, 20.3000),
    ]),
    _r("DHDD", "东海岛大道", "arterial", 70, 1500, [
        (110.2950, 21.1400), (110.3200, 21.1050), (110.3600, 21.0800), (110.4100, 21.0600),
        (110.4600, 21.0450), (110.5100, 21.0350),
    ]),
    # ── county towns ──────────────────────────────────────────────────────────────────
    _r("SCDD", "遂城大道", "arterial", 50, 800, [(110.2200, 21.3800), (110.2800, 21.3800)]),
    _r("SXRM", "遂溪人民路", "secondary", 40, 700, [(110.2500, 21.3600), (110.2500, 21.4000)]),
    _r("LJDD", "廉江大道", "arterial", 50, 800, [(110.2600, 21.6100), (110.3100, 21.6100)]),
    _r("LJRM", "廉江人民大道", "secondary", 40, 700, [(110.2850, 21.5900), (110.2850, 21.6300)]),
    _r("LZDD", "雷州大道", "arterial", 50, 800, [(110.0600, 20.9100), (110.1200, 20.9100)]),
    _r("XHDD", "西湖大道", "secondary", 40, 700, [(110.0900, 20.8900), (110.0900, 20.9300)]),
    _r("WCDD", "吴川大道", "arterial", 50, 800, [(110.7500, 21.4400), (110.8100, 21.4400)]),
    _r("MLDD", "梅岭大道", "secondary", 40, 700, [(110.7800, 21.4200), (110.7800, 21.4600)]),
    _r("XCDD", "徐城大道", "arterial", 50, 800, [(110.1500, 20.3300), (110.2000, 20.3300)]),
    _r("XWDD", "徐闻大道", "secondary", 40, 700, [(110.1750, 20.3100), (110.1750, 20.3500)]),
)
# fmt: on

_EARTH_M = 6_371_008.8


def haversine_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in metres between points (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * _EARTH_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def _split(points: tuple[Point, ...], target_m: float) -> list[np.ndarray]:
    """The polyline cut into pieces of about `target_m`, each keeping the vertices inside it."""
    p = np.asarray(points, dtype="float64")
    step = haversine_m(p[:-1, 0], p[:-1, 1], p[1:, 0], p[1:, 1])
    cum = np.concatenate([[0.0], np.cumsum(step)])
    n = max(1, round(float(cum[-1] / target_m)))
    cuts = np.linspace(0.0, cum[-1], n + 1)
    cut_pts = np.column_stack([np.interp(cuts, cum, p[:, 0]), np.interp(cuts, cum, p[:, 1])])
    pieces = []
    for i in range(n):
        inner = p[(cum > cuts[i]) & (cum < cuts[i + 1])]
        pieces.append(np.vstack([cut_pts[i], inner, cut_pts[i + 1]]))
    return pieces


# demo: one segment per road piece; bench: 0.6 of the length and one segment per direction;
# test: the urban core only, with pieces twice as long
_SCALE_SPLIT = {Scale.TEST: (2.0, False), Scale.DEMO: (1.0, False), Scale.BENCH: (0.6, True)}


@cache
def _segments(scale: Scale) -> pd.DataFrame:
    factor, both_ways = _SCALE_SPLIT[scale]
    rows: list[dict[str, object]] = []
    for road in ROADS:
        if scale is Scale.TEST and not road.core:
            continue
        for i, piece in enumerate(_split(road.points, road.seg_m * factor)):
            ways = (("F", piece), ("R", piece[::-1])) if both_ways else (("", piece),)
            for suffix, line in ways:
                rows.append(
                    {
                        "segment_id": f"{road.code}-{i + 1:03d}{suffix}",
                        "road_name": road.name,
                        "road_class": road.road_class,
                        "free_speed_kmh": float(road.free_kmh),
                        "length_m": float(
                            np.sum(
                                haversine_m(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1])
                            )
                        ),
                        "path": json.dumps(np.round(line, 6).tolist(), separators=(",", ":")),
                        "_mid": line[len(line) // 2] if len(line) > 2 else line.mean(axis=0),
                        "_road": road.code,
                    }
                )
    mids = np.array([r.pop("_mid") for r in rows])
    frame = pd.DataFrame(rows)
    frame.insert(3, "adcode", district_of(mids[:, 0], mids[:, 1]))
    frame["mid_lon"], frame["mid_lat"] = mids[:, 0], mids[:, 1]
    frame = frame.rename(columns={"_road": "road_code"})
    for col in ("segment_id", "road_name", "road_class", "adcode", "path", "road_code"):
        frame[col] = frame[col].astype("string")
    for col in ("free_speed_kmh", "length_m", "mid_lon", "mid_lat"):
        frame[col] = frame[col].astype("Float64")
    return frame


def segments(scale: Scale) -> pd.DataFrame:
    """Road segments at a scale, with the contract's columns plus `road_code`, `mid_lon`,
    `mid_lat` (drop those three before ingest)."""
    return _segments(scale).copy()
