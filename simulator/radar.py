"""Vessels around Zhanjiang: the register, AIS position reports and shore-radar tracks.

Every vessel of the fleet (`simulator.fleet`) follows a schedule that is a pure function of the
seed and time (`simulator.voyages`): ocean ships call at the port, fishing boats go out at dawn
and come back in the evening, unregistered boats without AIS fish the aquaculture zone at night,
ferries shuttle 海安 ↔ 海口, tugs, pilot and patrol boats work from 霞山. AIS reports come
every minute under way and every three minutes at anchor or moored; shore radars plot every target
in range once a minute (not ships moored at a quay, which merge into the shore echo), fused with
the vessel's MMSI while it transmits and anonymous ("dark") otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from simulator.base import SimContext
from simulator.fleet import Vessel, fleet, ticking
from simulator.sea import RADARS, zones
from simulator.voyages import MOORED, timeline, visit_arrivals

__all__ = ["facts", "fleet", "reference"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN = 60_000_000
_DAY = 86_400_000_000
_LOCAL = 8 * 3_600_000_000
_KN = 1852.0 / 3600.0  # m/s in a knot
_R = 6_371_008.8
_STATIONS = np.array([[r.lon, r.lat, r.range_km * 1000.0] for r in RADARS])
_RADAR_IDS = pd.array([r.radar_id for r in RADARS], dtype="string")


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    return {"sea_zones": zones()}


def _us(t: datetime) -> int:
    return (t - _EPOCH) // timedelta(microseconds=1)


def _normal(seed: int, key: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Standard normal noise that depends only on (seed, key, idx): splitmix64 + Box-Muller."""
    with np.errstate(over="ignore"):
        z = (
            np.uint64(seed * 0x9E3779B97F4A7C15 % 2**64)
            + key.astype("uint64") * np.uint64(0xBF58476D1CE4E5B9)
            + idx.astype("uint64") * np.uint64(2)
        )
        out: list[np.ndarray] = []
        for k in (np.uint64(0), np.uint64(1)):
            x: np.ndarray = z + k
            x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            x = x ^ (x >> np.uint64(31))
            out.append(((x >> np.uint64(11)).astype("float64") + 0.5) / 2.0**53)
    return np.asarray(np.sqrt(-2.0 * np.log(out[0])) * np.cos(2.0 * np.pi * out[1]))


def _sample(knots: tuple[np.ndarray, ...], ts: np.ndarray) -> dict[str, np.ndarray]:
    """Position, state, speed (kn) and course (deg) of a schedule at times `ts`."""
    t, lon, lat, state, dark = knots
    i = np.searchsorted(t, ts, side="right") - 1
    ok = (i >= 0) & (i < len(t) - 1)
    i = np.clip(i, 0, max(len(t) - 2, 0))
    dt = (t[1:] - t[:-1]).astype("float64")
    frac = (ts - t[i]) / dt[i]
    dlon, dlat = lon[1:] - lon[:-1], lat[1:] - lat[:-1]
    cos_lat = np.cos(np.radians(lat[:-1]))
    dist = _R * np.radians(np.hypot(dlon * cos_lat, dlat))
    course = np.degrees(np.arctan2(dlon * cos_lat, dlat)) % 360.0
    st = np.where(ok, state[i], -1)
    return {
        "lon": lon[i] + frac * dlon[i],
        "lat": lat[i] + frac * dlat[i],
        "state": st,
        "dark": dark[i] & ok,
        "sog": dist[i] / (dt[i] / 1e6) / _KN,
        "cog": course[i],
    }


def _minutes(lo: int, hi: int, offset: int) -> np.ndarray:
    first = -(-(lo - offset) // _MIN)
    last = -(-(hi - offset) // _MIN)
    return np.arange(first, last, dtype="int64")


def _vessel_rows(
    ctx: SimContext, v: Vessel, lo: int, hi: int
) -> tuple[dict[str, np.ndarray] | None, dict[str, np.ndarray] | None]:
    """AIS and radar rows of one vessel in [lo, hi)."""
    m_ais = _minutes(lo, hi, v.ais_offset_us) if v.mmsi is not None else np.zeros(0, "int64")
    m = _minutes(lo, hi, v.radar_offset_us)
    if not (len(m_ais) or len(m)):
        return None, None
    knots = timeline(ctx, v, lo, hi)
    if len(knots[0]) < 2:
        return None, None
    ais = rad = None
    if len(m_ais):
        ts = m_ais * _MIN + v.ais_offset_us
        s = _sample(knots, ts)
        moving = s["sog"] > 0.5
        on = (s["state"] >= 0) & ~s["dark"] & (v.harbor_ais | (s["state"] != MOORED))
        keep = on & (moving | (m_ais % 3 == 0))
        if keep.any():
            ais = {k: a[keep] for k, a in s.items()} | {"ts": ts[keep], "m": m_ais[keep]}
    if not len(m):
        return ais, None
    ts = m * _MIN + v.radar_offset_us
    s = _sample(knots, ts)
    seen = (s["state"] >= 0) & (s["state"] != MOORED)
    if seen.any():
        lon, lat = s["lon"][:, None], s["lat"][:, None]
        d = _R * np.radians(
            np.hypot((lon - _STATIONS[:, 0]) * np.cos(np.radians(lat)), lat - _STATIONS[:, 1])
        )
        d = np.where(d <= _STATIONS[:, 2], d, np.inf)
        station = np.argmin(d, axis=1)
        seen &= np.isfinite(d.min(axis=1))
        if seen.any():
            fused = (v.mmsi is not None) & ~s["dark"]
            rad = {k: a[seen] for k, a in s.items()} | {
                "ts": ts[seen],
                "m": m[seen],
                "station": station[seen],
                "fused": fused[seen],
            }
    return ais, rad


# ── facts ───────────────────────────────────────────────────────────────────────────────
def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Register rows, AIS reports and radar plots with a timestamp in [start, end), per UTC day."""
    s_us, e_us = _us(start), _us(end)
    for day_start in range(s_us - s_us % _DAY, e_us, _DAY):
        lo, hi = max(s_us, day_start), min(e_us, day_start + _DAY)
        register = _register(ctx, lo, hi)
        if len(register):
            yield "vessels", register
        ais: list[tuple[Vessel, dict[str, np.ndarray]]] = []
        rad: list[tuple[Vessel, dict[str, np.ndarray]]] = []
        for v in ticking(ctx, lo, hi):
            a, r = _vessel_rows(ctx, v, lo, hi)
            if a is not None:
                ais.append((v, a))
            if r is not None:
                rad.append((v, r))
        if ais:
            yield "ais_reports", _ais_frame(ctx, ais)
        if rad:
            yield "radar_tracks", _radar_frame(ctx, rad)


def _register(ctx: SimContext, lo: int, hi: int) -> pd.DataFrame:
    """The register at the start of the history, and again whenever a ship arrives to call."""
    first = _us(ctx.start)
    rows: list[tuple[Vessel, int]] = []
    for v in fleet(ctx):
        if v.mmsi is None or (v.model != "ocean" and not lo <= first < hi):
            continue
        if lo <= first < hi:
            rows.append((v, first))
        rows.extend((v, t) for t in visit_arrivals(ctx, v, lo, hi) if t != first)
    rows.sort(key=lambda r: (r[1], r[0].idx))
    return pd.DataFrame(
        {
            "mmsi": pd.array([v.mmsi for v, _ in rows], dtype="Int64"),
            "name": pd.array([v.name for v, _ in rows], dtype="string"),
            "vessel_type": pd.array([v.vessel_type for v, _ in rows], dtype="string"),
            "registered": pd.array([v.registered for v, _ in rows], dtype="boolean"),
            "callsign": pd.array([v.callsign for v, _ in rows], dtype="string"),
            "imo": pd.array([v.imo for v, _ in rows], dtype="Int64"),
            "length_m": pd.array([round(v.length_m, 1) for v, _ in rows], dtype="Float64"),
            "ts": _ts(np.array([t for _, t in rows], dtype="int64")),
        }
    )


def _cat(parts: list[tuple[Vessel, dict[str, np.ndarray]]], key: str) -> np.ndarray:
    return np.concatenate([p[key] for _, p in parts])


def _per_row(parts: list[tuple[Vessel, dict[str, np.ndarray]]], value: object) -> np.ndarray:
    return np.concatenate([np.full(len(p["ts"]), getattr(v, str(value))) for v, p in parts])


def _noise(
    ctx: SimContext, parts: list[tuple[Vessel, dict[str, np.ndarray]]], stream: int
) -> np.ndarray:
    key = _per_row(parts, "idx").astype("int64") * 16 + stream
    return _normal(ctx.seed, key, _cat(parts, "m"))


def _ais_frame(ctx: SimContext, parts: list[tuple[Vessel, dict[str, np.ndarray]]]) -> pd.DataFrame:
    ts, state = _cat(parts, "ts"), _cat(parts, "state")
    sog, cog = _cat(parts, "sog"), _cat(parts, "cog")
    class_a = _per_row(parts, "ais_class") == "A"
    idx = _per_row(parts, "idx").astype("float64")
    moving = sog > 0.5
    sog = np.where(
        moving,
        np.clip(sog + 0.1 * _noise(ctx, parts, 0), 0.0, 102.0),
        np.abs(0.04 * _noise(ctx, parts, 0)),
    )
    drift = (idx * 137.5 + 180.0 * np.abs(_noise(ctx, parts, 1))) % 360.0
    cog = np.where(moving, (cog + 1.5 * _noise(ctx, parts, 1)) % 360.0, drift)
    tide = 40.0 * np.sin(2 * np.pi * ts / (12.42 * 3.6e9))
    heading = np.where(
        moving, cog + 2.0 * _noise(ctx, parts, 2), idx * 137.5 + np.where(state == 1, tide, 0.0)
    )
    heading = np.round(heading) % 360
    msg = np.where(class_a, np.where(_noise(ctx, parts, 3) > 1.3, 3, 1), 18)
    order = np.lexsort((_per_row(parts, "idx"), ts))
    mmsi = _per_row(parts, "mmsi").astype("int64")
    return pd.DataFrame(
        {
            "ts": _ts(ts[order]),
            "mmsi": pd.array(mmsi[order], dtype="Int64"),
            "msg_type": pd.array(msg[order].astype("int64"), dtype="Int64"),
            "lon": pd.array(np.round(_cat(parts, "lon")[order], 6), dtype="Float64"),
            "lat": pd.array(np.round(_cat(parts, "lat")[order], 6), dtype="Float64"),
            "sog": pd.array(np.round(sog[order], 1), dtype="Float64"),
            "cog": pd.array(np.round(cog[order], 1) % 360.0, dtype="Float64"),
            "heading": pd.array(np.where(class_a, heading, np.nan)[order], dtype="Int64"),
            "nav_status": pd.array(np.where(class_a, state, np.nan)[order], dtype="Int64"),
        }
    )


def _track_ids(
    ctx: SimContext, vessel: np.ndarray, station: np.ndarray, ts: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """One radar track per vessel, station and local day (the tracker restarts at midnight)."""
    day = (ts + _LOCAL) // _DAY
    key = (vessel.astype("int64") * 16 + station) * 100_000 + day
    uniq, inv = np.unique(key, return_inverse=True)
    names = []
    for k in uniq.tolist():
        digest = hashlib.blake2b(f"{ctx.seed}:{k}".encode(), digest_size=5).hexdigest().upper()
        names.append(f"{RADARS[(k // 100_000) % 16].radar_id[4:]}-{digest}")
    return pd.array(np.array(names, dtype=object), dtype="string").take(inv)


def _radar_frame(
    ctx: SimContext, parts: list[tuple[Vessel, dict[str, np.ndarray]]]
) -> pd.DataFrame:
    ts, lat = _cat(parts, "ts"), _cat(parts, "lat")
    sog, cog, station = _cat(parts, "sog"), _cat(parts, "cog"), _cat(parts, "station")
    metres = 25.0 / 111_195.0
    lon = _cat(parts, "lon") + metres / np.cos(np.radians(lat)) * _noise(ctx, parts, 4)
    lat = lat + metres * _noise(ctx, parts, 5)
    speed = np.clip(sog + 0.3 * _noise(ctx, parts, 6), 0.0, 60.0)
    course = (cog + np.where(sog > 0.5, 3.0, 90.0) * _noise(ctx, parts, 7)) % 360.0
    vessel = _per_row(parts, "idx")
    mmsi = np.concatenate(
        [np.where(p["fused"], v.mmsi if v.mmsi is not None else 0, -1) for v, p in parts]
    )
    order = np.lexsort((vessel, ts))
    return pd.DataFrame(
        {
            "ts": _ts(ts[order]),
            "track_id": _track_ids(ctx, vessel[order], station[order], ts[order]),
            "radar_id": _RADAR_IDS.take(station[order]),
            "lon": pd.array(np.round(lon[order], 6), dtype="Float64"),
            "lat": pd.array(np.round(lat[order], 6), dtype="Float64"),
            "speed_kn": pd.array(np.round(speed[order], 1), dtype="Float64"),
            "course": pd.array(np.round(course[order], 1) % 360.0, dtype="Float64"),
            "mmsi": pd.array(np.where(mmsi[order] >= 0, mmsi[order], np.nan), dtype="Int64"),
        }
    )


def _ts(us: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(us, dtype="int64").astype("datetime64[us]")).dt.tz_localize("UTC")
