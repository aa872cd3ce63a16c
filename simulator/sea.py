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

The second half holds the vessels' schedules (`timeline`): knots of position and navigational
status over time, built from per-port-call, per-day or per-round-trip random generators so that any
time window sees the same voyages.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from simulator.base import SimContext, rng_for
from simulator.geography import is_land, land
from simulator.traffic import storm_window

__all__ = [
    "ABSENT",
    "ANCHORAGES",
    "ANCHORED",
    "CHANNEL",
    "EDGES",
    "FERRY_PORTS",
    "FISHING",
    "GROUNDS",
    "HARBORS",
    "INNER_BAY",
    "MOORED",
    "MOUTH",
    "PORTS",
    "RADARS",
    "SERVICE_BASE",
    "UNDERWAY",
    "ZONES",
    "Knots",
    "Port",
    "Radar",
    "Vessel",
    "Zone",
    "at_sea",
    "channel_path",
    "timeline",
    "visit_arrivals",
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


# ── schedules: where each vessel is, as a pure function of the seed and time ────────────────
UNDERWAY, ANCHORED, MOORED, FISHING = 0, 1, 5, 7  # AIS navigational status codes
ABSENT = -1  # outside the area (ocean ships between port calls)
_H = 3_600_000_000  # microseconds
_DAY = 24 * _H
_LOCAL = 8 * _H  # Asia/Shanghai
_REF = (datetime(2020, 1, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
    microseconds=1
)
_KN = 1852.0 / 3600.0
_R = 6_371_008.8
Knots = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]  # t, lon, lat, state, dark


@dataclass(frozen=True)
class Vessel:
    """A vessel and the parameters of its schedule."""

    idx: int
    model: str  # ocean | fishing | night | ferry | tug | pilot | patrol
    vessel_type: str
    mmsi: int | None  # None: no AIS transponder
    name: str | None
    registered: bool
    callsign: str | None
    imo: int | None
    length_m: float
    ais_class: str  # "A", "B" or "" (none)
    home: str  # harbour id (fishing), "" otherwise
    ground: str  # fishing ground id
    home_pt: Point
    speed_kn: float
    dark_p: float  # chance per trip of switching AIS off for a while
    period_h: float  # ocean: port-call cycle; ferry: round-trip cycle
    phase_h: float
    harbor_ais: bool  # keeps transmitting while moored
    ais_offset_us: int
    radar_offset_us: int


def _dist(a: Point, b: Point) -> float:
    c = math.cos(math.radians((a[1] + b[1]) / 2))
    return _R * math.radians(math.hypot((b[0] - a[0]) * c, b[1] - a[1]))


def _length(pts: tuple[Point, ...]) -> float:
    return sum(_dist(a, b) for a, b in itertools.pairwise(pts))


class _Track:
    """Builds the knots of a schedule: moves along waypoints and stays."""

    def __init__(self, t0: float, p: Point) -> None:
        self.t, self.p = [t0], [p]
        self.s: list[int] = []
        self.d: list[bool] = []

    @property
    def now(self) -> float:
        return self.t[-1]

    def go(
        self, pts: tuple[Point, ...], kn: float, state: int = UNDERWAY, dark: bool = False
    ) -> None:
        for q in pts:
            dist = _dist(self.p[-1], q)
            if dist >= 1.0:
                self.move(q, self.now + dist / (kn * _KN) * 1e6, state, dark)

    def move(self, q: Point, until: float, state: int, dark: bool = False) -> None:
        if until > self.now:
            self.t.append(until)
            self.p.append(q)
            self.s.append(state)
            self.d.append(dark)

    def stay(self, until: float, state: int, dark: bool = False) -> None:
        self.move(self.p[-1], until, state, dark)

    def knots(self) -> Knots:
        p = np.asarray(self.p, dtype="float64")
        return (
            np.round(np.asarray(self.t)).astype("int64"),
            p[:, 0],
            p[:, 1],
            np.asarray(self.s, dtype="int8"),
            np.asarray(self.d, dtype=bool),
        )


def _concat(pieces: list[Knots], gap: int) -> Knots:
    """Pieces in time order joined, the time between two pieces in state `gap`."""
    t, x, y, s, d = ([p[i] for p in pieces] for i in range(5))
    for k in range(1, len(pieces)):
        if t[k][0] <= t[k - 1][-1]:  # contiguous: drop the repeated knot
            t[k], x[k], y[k] = t[k][1:], x[k][1:], y[k][1:]
        else:
            s[k] = np.concatenate([[gap], s[k]]).astype("int8")
            d[k] = np.concatenate([[False], d[k]])
    return (
        np.concatenate(t),
        np.concatenate(x),
        np.concatenate(y),
        np.concatenate(s),
        np.concatenate(d),
    )


_PORT_CHOICE = {
    "container": (("baoman", "xiashan"), (0.8, 0.2)),
    "tanker": (("donghai", "xiashan"), (0.6, 0.4)),
    "cargo": (("xiashan", "diaoshun", "donghai"), (0.5, 0.3, 0.2)),
}
_STAY_H = {"container": (14, 30), "tanker": (24, 48), "cargo": (30, 80)}


@lru_cache(maxsize=65_536)
def _visit(ctx: SimContext, v: Vessel, k: int) -> Knots | None:
    """Port call `k` of an ocean ship: open sea → anchorage → channel → berth → open sea."""
    rng = rng_for(ctx, "radar", "visit", v.idx, k)
    period, start = v.period_h * _H, _REF + v.phase_h * _H + k * v.period_h * _H
    arrive = start + round(rng.uniform(0, 24) * 3600) * 1e6
    names, p = _PORT_CHOICE[v.vessel_type]
    port_id = str(rng.choice(names, p=p))
    port = PORTS[port_id]
    berth = port.berths[int(rng.integers(len(port.berths)))]
    big_tanker = v.vessel_type == "tanker" and v.length_m > 250
    box, join = ANCHORAGES["naozhou" if big_tanker else "outer"]
    anchor = (rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3]))
    edge_in, edge_out = (EDGES[str(e)] for e in rng.choice(["SE", "E"], 2, p=[0.6, 0.4]))
    if port_id == "donghai" and join == MOUTH:
        inner: tuple[Point, ...] = (*port.entry, berth)
    else:
        inner = (*channel_path(join, port.join), *port.entry, berth)
    out_join = MOUTH if edge_out == EDGES["E"] else 0
    outer = (
        (*port.entry[::-1], edge_out)
        if port_id == "donghai" and out_join == MOUTH
        else (*port.entry[::-1], *channel_path(port.join, out_join), edge_out)
    )
    wait = float(np.clip(rng.exponential(10), 1, 40)) * _H if rng.random() < 0.7 else 0.0
    stay = rng.uniform(*_STAY_H[v.vessel_type]) * _H
    sea_kn, ch_kn = v.speed_kn, min(v.speed_kn, 10.0)
    t_sea = _dist(edge_in, anchor) / (sea_kn * _KN) * 1e6
    t_in = _length((anchor, *inner)) / (ch_kn * _KN) * 1e6
    t_out = _length((berth, *outer)) / (ch_kn * _KN) * 1e6
    storm = storm_window(ctx, 0.1)
    if storm and arrive < storm[1] and arrive + t_sea + wait + t_in > storm[0] - _H:
        if arrive + t_sea + t_in <= storm[0] - _H:
            wait = 0.0  # hurry in to shelter in port before the closure
        else:
            arrive = storm[1] + round(rng.uniform(2, 10) * 3600) * 1e6  # ride it out at sea
    leave = arrive + t_sea + wait + t_in + stay
    if storm and leave < storm[1] and leave + t_out > storm[0] - _H:
        leave = storm[1] + rng.uniform(1, 6) * _H
    limit = start + period - _H
    if leave + t_out > limit:
        leave = limit - t_out
        if leave < arrive + t_sea + wait + t_in + 4 * _H:
            return None
    tr = _Track(arrive, edge_in)
    tr.go((anchor,), sea_kn)
    tr.stay(tr.now + wait, ANCHORED)
    tr.go(inner, ch_kn)
    tr.stay(leave, MOORED)
    tr.go(outer[:-1], ch_kn)
    tr.go(outer[-1:], sea_kn)
    return tr.knots()


def _moratorium(day: int) -> bool:
    """The South China Sea summer fishing moratorium (南海伏季休渔), 1 May to 16 August."""
    date = datetime(1970, 1, 1) + timedelta(days=day)
    return (5, 1) <= (date.month, date.day) < (8, 16)


@lru_cache(maxsize=65_536)
def _fishing_day(ctx: SimContext, v: Vessel, day: int) -> Knots | None:
    """The trip of a fishing boat that leaves on local `day` (None: it stays in harbour)."""
    rng = rng_for(ctx, "radar", "day", v.idx, day)
    day0 = day * _DAY - _LOCAL
    _, box, routes = GROUNDS[v.ground]
    if v.model == "night":
        p_trip, dep_h, ret_h = (
            0.7,
            np.clip(rng.normal(19.5, 0.7), 18, 21.5),
            24 + np.clip(rng.normal(4.5, 0.5), 3, 6),
        )
    else:
        p_trip, dep_h, ret_h = (
            0.3 if _moratorium(day) else 0.85,
            np.clip(rng.normal(5.3, 0.6), 3.5, 8),
            np.clip(rng.normal(17.2, 0.7), 15, 19.5),
        )
    if rng.random() >= p_trip:
        return None
    via = routes.get(v.home, ())
    centre = (rng.uniform(box[0] + 0.01, box[2] - 0.01), rng.uniform(box[1] + 0.01, box[3] - 0.01))
    dep, ret = day0 + dep_h * _H, day0 + ret_h * _H
    storm = storm_window(ctx, 0.03)
    t_back = _length((centre, *via[::-1], v.home_pt)) / (v.speed_kn * _KN) * 1e6
    if storm and dep < storm[1] and ret + t_back > storm[0]:
        return None
    tr = _Track(dep, v.home_pt)
    tr.go((*via, centre), v.speed_kn)
    ret = max(ret, tr.now + _H)
    dark = (0.0, 0.0)
    if rng.random() < v.dark_p:
        off = rng.uniform(tr.now, ret - _H)
        dark = (off, off + rng.uniform(2, 6) * _H)
    hdg = rng.uniform(0, 2 * np.pi)
    while tr.now < ret:
        until = min(tr.now + rng.uniform(15, 40) * 60e6, ret)
        step = rng.uniform(2, 4) * _KN * (until - tr.now) / 1e6
        hdg += rng.normal(0, 0.7)
        x, y = tr.p[-1]
        for turn in (0.0, np.pi):
            q = (
                x + math.degrees(step * math.sin(hdg + turn) / (_R * math.cos(math.radians(y)))),
                y + math.degrees(step * math.cos(hdg + turn) / _R),
            )
            if (
                box[0] < q[0] < box[2]
                and box[1] < q[1] < box[3]
                and at_sea(np.array([q[0]]), np.array([q[1]]))[0]
            ):
                hdg += turn
                break
        else:
            q = (x, y)
        tr.move(q, until, FISHING, dark[0] <= (tr.now + until) / 2 < dark[1])
    tr.go((*via[::-1], v.home_pt), v.speed_kn)
    return tr.knots()


_JOBS = {
    "tug": ((2, 6), (4, 9), 5.0, 0.0),
    "pilot": ((3, 8), (4, 5), 18.0, 0.33),
    "patrol": ((1, 2), (1, 2), 12.0, 0.0),
}  # jobs a day, target channel index, back kn, wait h


@lru_cache(maxsize=65_536)
def _service_day(ctx: SimContext, v: Vessel, day: int) -> Knots:
    """A local day of a tug (escorts), pilot boat (to the boarding ground) or patrol boat."""
    rng = rng_for(ctx, "radar", "day", v.idx, day)
    day0 = day * _DAY - _LOCAL
    (n_lo, n_hi), (k_lo, k_hi), back_kn, wait_h = _JOBS[v.model]
    n = int(rng.integers(n_lo, n_hi))
    starts = [8.5 + rng.normal(0, 0.3)] if v.model == "patrol" else sorted(rng.uniform(0.5, 21, n))
    storm = storm_window(ctx, 0.1)
    last = len(CHANNEL) - 1
    tr = _Track(day0, v.home_pt)
    for start_h in starts:
        path = channel_path(last, int(rng.integers(k_lo, k_hi)))
        begin = max(day0 + start_h * _H, tr.now + 0.5 * _H)
        length = _length((v.home_pt, *path))
        end = begin + (length / (v.speed_kn * _KN) + length / (back_kn * _KN)) * 1e6 + wait_h * _H
        if end > day0 + _DAY - 0.25 * _H or (storm and begin < storm[1] and end > storm[0]):
            continue
        tr.stay(begin, MOORED)
        tr.go(path, v.speed_kn)
        tr.stay(tr.now + wait_h * _H, UNDERWAY)
        tr.go((*path[::-1][1:], v.home_pt), back_kn)
    tr.stay(day0 + _DAY, MOORED)
    return tr.knots()


@lru_cache(maxsize=65_536)
def _ferry(ctx: SimContext, v: Vessel, k: int) -> Knots:
    """Round trip `k` of a strait ferry: 海安 → 海口 → 海安 (cancelled in the storm)."""
    period = v.period_h * _H
    start = _REF + v.phase_h * _H + k * period
    other = (FERRY_PORTS["haikou"][0] + (v.idx % 5) * 0.0008, FERRY_PORTS["haikou"][1])
    tr = _Track(start, v.home_pt)
    storm = storm_window(ctx, 0.05)
    if not (storm and start < storm[1] and start + period > storm[0]):
        tr.stay(start + 0.4 * _H, MOORED)
        tr.go((other,), v.speed_kn)
        tr.stay(tr.now + 0.6 * _H, MOORED)
        tr.go((v.home_pt,), v.speed_kn)
    tr.stay(start + period, MOORED)
    return tr.knots()


def _cycles(v: Vessel, lo: int, hi: int) -> range:
    period, phase = v.period_h * _H, _REF + v.phase_h * _H
    return range(int((lo - phase) // period) - 1, int((hi - phase) // period) + 1)


def timeline(ctx: SimContext, v: Vessel, lo: int, hi: int) -> Knots:
    """The knots of a vessel's schedule covering [lo, hi) (UTC microseconds)."""
    if v.model in ("ocean", "ferry"):
        cycles = _cycles(v, lo, hi)
        return _timeline(ctx, v, cycles.start, cycles.stop)
    return _timeline(ctx, v, (lo + _LOCAL) // _DAY - 1, (hi + _LOCAL) // _DAY + 1)


@lru_cache(maxsize=4096)
def _timeline(ctx: SimContext, v: Vessel, first: int, stop: int) -> Knots:
    if v.model == "ocean":
        visits = [p for k in range(first, stop) if (p := _visit(ctx, v, k)) is not None]
        empty = (
            np.zeros(0, "int64"),
            np.zeros(0),
            np.zeros(0),
            np.zeros(0, "int8"),
            np.zeros(0, bool),
        )
        return _concat(visits, ABSENT) if visits else empty
    if v.model == "ferry":
        return _concat([_ferry(ctx, v, k) for k in range(first, stop)], MOORED)
    if v.model in _JOBS:
        return _concat([_service_day(ctx, v, d) for d in range(first, stop)], MOORED)
    home = _Track(first * _DAY - _LOCAL, v.home_pt)
    home.stay(home.now + 1, MOORED)
    end = _Track((stop + 1) * _DAY - _LOCAL, v.home_pt)
    end.stay(end.now + 1, MOORED)
    trips = [p for d in range(first, stop) if (p := _fishing_day(ctx, v, d)) is not None]
    return _concat([home.knots(), *trips, end.knots()], MOORED)


def visit_arrivals(ctx: SimContext, v: Vessel, lo: int, hi: int) -> list[int]:
    """When an ocean ship enters the area on a port call, for arrivals in [lo, hi)."""
    if v.model != "ocean":
        return []
    out = []
    for k in _cycles(v, lo, hi):
        p = _visit(ctx, v, k)
        if p is not None and lo <= int(p[0][0]) < hi:
            out.append(int(p[0][0]))
    return out
