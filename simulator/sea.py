"""The sea around Zhanjiang for the simulated city: zones, routes, harbours and shore radars.

Zhanjiang Bay (湛江湾) opens to the South China Sea between 东海岛 and 南三岛; the port's main
channel (湛江港主航道) comes in from the open sea south of 硇洲岛, through the passage between
硇洲岛 and 东海岛, north along 东海岛's east coast, through the bay mouth and west to the 霞山 port
area; the inner bay (麻斜海湾) continues north past 宝满, under the bay bridge, to 调顺. Fishing
boats work the Beibu Gulf off 雷州's west coast, the edge of the Qiongzhou Strait off 徐闻 and the
grounds east of 硇洲岛; ferries cross the strait between 海安 and 海口.

The district boundaries (`simulator.geography.land`) include the water of the inner bay north of
霞山 (administrative boundaries run down the middle of the bay), so the inner bay is declared here
(`INNER_BAY`) and `at_sea` counts it as water. Coordinates are WGS-84, approximate (a few hundred
metres), written from general knowledge of the coast and checked against the land mask by the tests.

The vessels' schedules over this geography are in `simulator.voyages`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from simulator.geography import is_land, land

__all__ = [
    "ANCHORAGES",
    "CHANNEL",
    "EDGES",
    "FERRY_PORTS",
    "GROUNDS",
    "HARBORS",
    "INNER_BAY",
    "MOUTH",
    "PORTS",
    "RADARS",
    "SERVICE_BASE",
    "ZONES",
    "Point",
    "Port",
    "Radar",
    "Zone",
    "at_sea",
    "channel_path",
    "zones",
]

Point = tuple[float, float]

# fmt: off
INNER_BAY: tuple[Point, ...] = (
    (110.4120, 21.1880), (110.4125, 21.2050), (110.4120, 21.2200), (110.4135, 21.2320),
    (110.4090, 21.2450), (110.4040, 21.2580), (110.3990, 21.2720), (110.3955, 21.2850),
    (110.3965, 21.2950), (110.4000, 21.3050), (110.4080, 21.3100), (110.4150, 21.3000),
    (110.4200, 21.2850), (110.4280, 21.2700), (110.4360, 21.2560), (110.4420, 21.2440),
    (110.4380, 21.2300), (110.4320, 21.2150), (110.4280, 21.2000), (110.4260, 21.1860),
)
# fmt: on


@cache
def _inner_bay() -> Polygon:
    poly = Polygon(INNER_BAY)
    shapely.prepare(poly)
    return poly


def at_sea(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where a point is water: off the city's land, or in the inner bay."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    return np.asarray(~is_land(lon, lat) | shapely.contains_xy(_inner_bay(), lon, lat), dtype=bool)


@dataclass(frozen=True)
class Radar:
    radar_id: str
    name: str
    lon: float
    lat: float
    range_km: float


RADARS: tuple[Radar, ...] = (
    Radar("RDR-NZ", "硇洲岛雷达站", 110.6050, 20.9050, 40.0),
    Radar("RDR-XS", "霞山VTS雷达站", 110.4100, 21.1950, 20.0),
    Radar("RDR-HA", "海安雷达站", 110.2300, 20.2600, 35.0),
    Radar("RDR-WS", "雷州乌石雷达站", 109.7200, 20.7000, 35.0),
)

# the main channel, from the outer fairway south of 硇洲岛 to the 霞山 port entrance
# fmt: off
CHANNEL: tuple[Point, ...] = (
    (110.7000, 20.8000), (110.5865, 20.8215), (110.5330, 20.8750), (110.5400, 20.9400),
    (110.5700, 21.0750), (110.5350, 21.0815), (110.4950, 21.1085), (110.4550, 21.1085),
    (110.4120, 21.1500), (110.4105, 21.1590), (110.4200, 21.1700),
)
# fmt: on
MOUTH = 4  # index of the bay mouth in CHANNEL
# where ships appear and leave: south-east (Qiongzhou Strait, South-East Asia), east (Pearl River)
EDGES: dict[str, Point] = {"SE": (111.0000, 20.6500), "E": (111.0500, 21.0000)}
# anchorages: (box, the CHANNEL index ships join from there)
ANCHORAGES: dict[str, tuple[tuple[float, float, float, float], int]] = {
    "outer": ((110.625, 21.005, 110.675, 21.045), MOUTH),
    "naozhou": ((110.685, 20.825, 110.735, 20.865), 0),
}
SERVICE_BASE: Point = (110.4180, 21.1865)  # tugs, pilot and patrol boats of 霞山


@dataclass(frozen=True)
class Port:
    name: str
    entry: tuple[Point, ...]  # from the channel end (or `join`) to the quay
    berths: tuple[Point, ...]  # berth positions, just off the quay line
    join: int = len(CHANNEL) - 1  # CHANNEL index where the entry starts


# fmt: off
PORTS: dict[str, Port] = {
    "xiashan": Port("霞山港区", (), (
        (110.4106, 21.1650), (110.4120, 21.1700), (110.4135, 21.1750),
        (110.4149, 21.1800), (110.4163, 21.1850),
    )),
    "baoman": Port("宝满港区", ((110.4190, 21.2000),), (
        (110.4130, 21.2120), (110.4128, 21.2180), (110.4132, 21.2240),
    )),
    "diaoshun": Port("调顺港区", ((110.4207, 21.2553), (110.4050, 21.2900)), (
        (110.3963, 21.2860), (110.3969, 21.2920), (110.3983, 21.2980),
    )),
    "donghai": Port("东海岛港区", ((110.5580, 21.0000),), (
        (110.5481, 21.0250), (110.5516, 21.0350), (110.5551, 21.0450),
    ), join=3),
}
# fmt: on

HARBORS: dict[str, tuple[str, Point, str]] = {  # id: (name, mooring, prefix of boat names)
    "qishui": ("企水港", (109.6750, 20.8000), "粤雷渔"),
    "wushi": ("乌石港", (109.7850, 20.5500), "粤雷渔"),
    "naozhou": ("硇洲渔港", (110.6260, 20.9470), "粤湛渔"),
    "wailuo": ("外罗港", (110.4910, 20.6005), "粤徐渔"),
    "haian": ("海安渔港", (110.3000, 20.2450), "粤徐渔"),
    "donghai": ("东海岛东山渔港", (110.4000, 20.9820), "粤湛渔"),
}
# fishing grounds: name, box (lon0, lat0, lon1, lat1), and the way out from each harbour
GROUNDS: dict[str, tuple[str, tuple[float, float, float, float], dict[str, tuple[Point, ...]]]] = {
    "beibu": (
        "雷州西部渔场（北部湾）",
        (109.48, 20.62, 109.62, 20.98),
        {"qishui": (), "wushi": ((109.660, 20.650),)},
    ),
    "naozhou_e": (
        "硇洲岛以东渔场",
        (110.75, 20.80, 110.90, 20.95),
        {"naozhou": ((110.670, 20.955),), "wailuo": ()},
    ),
    "xuwen_s": (
        "徐闻南部渔场（琼州海峡东口）",
        (110.32, 20.10, 110.50, 20.19),
        {"haian": (), "wailuo": ((110.567, 20.53), (110.567, 20.40), (110.43, 20.236))},
    ),
    "leizhou_bay": ("雷州湾", (110.30, 20.87, 110.37, 20.93), {"donghai": ()}),
}

FERRY_PORTS: dict[str, Point] = {"haian": (110.2400, 20.2470), "haikou": (110.1550, 20.0600)}


def channel_path(i: int, j: int) -> tuple[Point, ...]:
    """The CHANNEL points from index `i` to index `j` inclusive, in either direction."""
    return CHANNEL[i : j + 1] if i <= j else CHANNEL[j : i + 1][::-1]


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str
    kind: str  # anchorage | channel | restricted | aquaculture | port | fishing
    rule: str  # no_entry | no_anchoring | no_fishing | speed_limit | none
    ring: tuple[Point, ...]


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[Point, ...]:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def _grow(box: tuple[float, float, float, float], d: float) -> tuple[float, float, float, float]:
    return (box[0] - d, box[1] - d, box[2] + d, box[3] + d)


def _band(line: tuple[Point, ...], half_width_deg: float) -> tuple[Point, ...]:
    """A polygon of about `half_width_deg` on each side of a polyline (flat ends)."""
    band = shapely.LineString(line).buffer(half_width_deg, cap_style="flat", join_style="mitre")
    band = band.simplify(half_width_deg / 4)
    return tuple((float(x), float(y)) for x, y in band.exterior.coords[:-1])


ZONES: tuple[Zone, ...] = (
    Zone("SZ-CH-01", "湛江港主航道", "channel", "speed_limit", _band(CHANNEL, 0.0030)),
    Zone(
        "SZ-CH-02",
        "湛江湾内航道（霞山—调顺）",
        "channel",
        "speed_limit",
        _band((CHANNEL[-1], *PORTS["diaoshun"].entry), 0.0020),
    ),
    Zone(
        "SZ-AN-01",
        "湛江港外锚地",
        "anchorage",
        "no_fishing",
        _box(*_grow(ANCHORAGES["outer"][0], 0.005)),
    ),
    Zone(
        "SZ-AN-02",
        "硇洲岛南锚地（大型油轮）",
        "anchorage",
        "no_fishing",
        _box(*_grow(ANCHORAGES["naozhou"][0], 0.005)),
    ),
    Zone(
        "SZ-AN-03",
        "特呈岛防台锚地",
        "anchorage",
        "no_fishing",
        _box(110.435, 21.133, 110.460, 21.147),
    ),
    Zone(
        "SZ-PT-01", "霞山港区水域", "port", "no_anchoring", _box(110.403, 21.155, 110.425, 21.192)
    ),
    Zone(
        "SZ-PT-02", "宝满港区水域", "port", "no_anchoring", _box(110.4115, 21.205, 110.424, 21.230)
    ),
    Zone(
        "SZ-PT-03", "调顺港区水域", "port", "no_anchoring", _box(110.394, 21.280, 110.410, 21.302)
    ),
    Zone(
        "SZ-PT-04", "东海岛港区水域", "port", "no_anchoring", _box(110.545, 21.018, 110.566, 21.052)
    ),
    Zone("SZ-PT-05", "海安港水域", "port", "speed_limit", _box(110.225, 20.238, 110.255, 20.252)),
    Zone(
        "SZ-RS-01",
        "湛江海湾大桥桥区水域",
        "restricted",
        "no_anchoring",
        _box(110.416, 21.229, 110.438, 21.243),
    ),
    Zone(
        "SZ-RS-02", "南三岛以东禁航区", "restricted", "no_entry", _box(110.66, 21.12, 110.71, 21.17)
    ),
    Zone("SZ-AQ-01", "雷州湾养殖区", "aquaculture", "no_fishing", _box(*GROUNDS["leizhou_bay"][1])),
    Zone(
        "SZ-AQ-02",
        "徐闻东岸养殖区",
        "aquaculture",
        "no_anchoring",
        _box(110.500, 20.520, 110.540, 20.580),
    ),
    *(
        Zone(f"SZ-FG-0{i}", GROUNDS[g][0], "fishing", "none", _box(*GROUNDS[g][1]))
        for i, g in enumerate(("beibu", "naozhou_e", "xuwen_s"), start=1)
    ),
)


def _water_ring(ring: tuple[Point, ...]) -> tuple[Point, ...]:
    """The largest water part of a polygon (zones drawn as boxes may overlap the shore)."""
    poly = Polygon(ring)
    water = poly.difference(land()).union(poly.intersection(_inner_bay()))
    parts = list(getattr(water, "geoms", [water]))
    best = max((p for p in parts if isinstance(p, Polygon)), key=lambda p: p.area)
    best = best.simplify(0.0001)
    return tuple((float(x), float(y)) for x, y in best.exterior.coords[:-1])


@cache
def _rings() -> tuple[tuple[Point, ...], ...]:
    return tuple(_water_ring(z.ring) for z in ZONES)


def zones() -> pd.DataFrame:
    """The `sea_zones` table, each zone cut to its water part."""
    rings = _rings()
    return pd.DataFrame(
        {
            "zone_id": pd.array([z.zone_id for z in ZONES], dtype="string"),
            "name": pd.array([z.name for z in ZONES], dtype="string"),
            "kind": pd.array([z.kind for z in ZONES], dtype="string"),
            "rule": pd.array([z.rule for z in ZONES], dtype="string"),
            "path": pd.array(
                [
                    json.dumps(
                        [[round(x, 6), round(y, 6)] for x, y in (*r, r[0])], separators=(",", ":")
                    )
                    for r in rings
                ],
                dtype="string",
            ),
        }
    )
