"""Where each vessel of the simulated sea is: schedules as a pure function of the seed and time.

A schedule (`timeline`) is a sequence of knots of position and navigational status over time,
built from per-port-call, per-day or per-round-trip random generators so that any time window sees
the same voyages: ocean ships call at a port of `simulator.sea`, fishing boats work their grounds,
tugs, pilot and patrol boats work from 霞山 and ferries shuttle 海安 ↔ 海口. Times are UTC
microseconds since the epoch.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np

from simulator.base import SimContext, rng_for
from simulator.fleet import Vessel
from simulator.sea import (
    ANCHORAGES,
    CHANNEL,
    EDGES,
    FERRY_PORTS,
    GROUNDS,
    MOUTH,
    PORTS,
    Point,
    at_sea,
    channel_path,
)
from simulator.traffic import storm_window

__all__ = [
    "ABSENT",
    "ANCHORED",
    "FISHING",
    "MOORED",
    "UNDERWAY",
    "Knots",
    "timeline",
    "visit_arrivals",
]

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
