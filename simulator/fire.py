"""Smart fire protection (智慧消防) of the simulated city: IoT device events and 119 incidents.

The stations and key units are in `simulator.fire_reference`. The units' IoT devices report
mostly false alarms (~96 % confirmed false, ~3 % never verified, a few real), faults, and
offline/restored pairs; the typhoon multiplies faults and outages. 119 incidents are dispatched
30-90 s after the call from the nearest station; the engine arrives after turnout plus the drive
(haversine distance at an effective ~30 km/h in town, 25 km/h in the countryside), so distant
incidents miss the 5-minute standard. A confirmed alarm at a key unit becomes a 119 incident there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from simulator.base import SimContext, emitted, from_rows, rng_for, typed
from simulator.fire_reference import station_arrays, stations, unit_arrays, units
from simulator.geography import district_of
from simulator.places import near_towns, towns

__all__ = ["INCIDENT_LOOKBACK", "facts", "reference"]

INCIDENT_LOOKBACK = timedelta(days=30)  # incident history kept before ctx.start (statistics)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_H = timedelta(hours=1)

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


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    """Fire stations and key fire-safety units."""
    return {"fire_stations": stations(ctx), "fire_units": units(ctx).drop(columns="noise")}


def _impact(ctx: SimContext, t: datetime) -> float:
    ts = np.array([np.datetime64(t.replace(tzinfo=None), "us")])
    return float(ctx.scenario.impact(ts)[0])


_EVENT_COLUMNS = ("ts", "device_id", "unit_id", "kind", "confirmed")


@lru_cache(maxsize=4096)
def _device_bucket(ctx: SimContext, hour: int) -> tuple[np.ndarray, ...]:
    """Device events that start during one hour (restored rows may fall later), as columns."""
    rng = rng_for(ctx, "fire", "devices", hour)
    u = unit_arrays(ctx)
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
            confirmed = np.full(n, False, dtype=object)
            confirmed[r < 0.034] = None  # never verified
            confirmed[r < 0.004] = True
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


def _km(lon1: np.ndarray, lat1: np.ndarray, lon2: float, lat2: float) -> np.ndarray:
    """Great-circle distance in km from the points (lon1, lat1) to (lon2, lat2)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * 6371.0 * np.arcsin(np.sqrt(a)))


@cache
def _core() -> tuple[np.ndarray, np.ndarray]:
    t = towns()
    core = t[t.weight >= 4]
    return core.lon.to_numpy(float), core.lat.to_numpy(float)


def _respond(
    ctx: SimContext, rng: np.random.Generator, call: datetime, lon: float, lat: float
) -> tuple[str, datetime, datetime]:
    """Station, dispatch and arrival times of an incident at (lon, lat) called in at `call`."""
    ids, slon, slat = station_arrays(ctx)
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
    ua = unit_arrays(ctx)
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


def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Device events and incident states in [start, end) (plus 30 days of incident history)."""
    h0, h1 = int((start - _EPOCH) // _H), int((end - _EPOCH) // _H)
    parts = [_device_bucket(ctx, h) for h in range(h0 - 9, h1 + 1)]
    cols = [np.concatenate([p[i] for p in parts]) for i in range(len(_EVENT_COLUMNS))]
    keep = emitted(cols[0], ctx, start, end, timedelta(0))
    ev = pd.DataFrame({c: a[keep] for c, a in zip(_EVENT_COLUMNS, cols, strict=True)})
    ev = ev.sort_values("ts", kind="stable").drop_duplicates(["device_id", "ts"])
    if len(ev):
        yield "fire_device_events", typed("fire_device_events", ev.reset_index(drop=True))
    lo = min(start, ctx.start - INCIDENT_LOOKBACK) if start <= ctx.start < end else start
    day = timedelta(days=1)
    rows = [
        r
        for d in range(int((lo - _EPOCH) // day) - 1, int((end - _EPOCH) // day) + 1)
        for r in _incident_day(ctx, d)
    ]
    keep = emitted([r[0] for r in rows], ctx, start, end, INCIDENT_LOOKBACK)
    rows = sorted((r for r, k in zip(rows, keep, strict=True) if k), key=lambda r: r[0])
    if rows:
        yield "fire_incidents", from_rows("fire_incidents", rows)
