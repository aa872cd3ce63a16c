"""Vessels around Zhanjiang: the register, AIS position reports and shore-radar tracks.

Every vessel follows a schedule that is a pure function of the seed and time (`simulator.sea`
builds the schedules): ocean ships call at the port, fishing boats go out at dawn and come back in
the evening, unregistered boats without AIS fish the aquaculture zone at night, ferries shuttle
海安 ↔ 海口, tugs, pilot and patrol boats work from 霞山. AIS reports come every minute under way
and every three minutes at anchor or moored; shore radars plot every target in range once a minute
(not ships moored at a quay, which merge into the shore echo), fused with the vessel's MMSI while
it transmits and anonymous ("dark") otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from simulator.base import Scale, SimContext, rng_for
from simulator.scenario import Scenario
from simulator.sea import (
    FERRY_PORTS,
    GROUNDS,
    HARBORS,
    MOORED,
    RADARS,
    SERVICE_BASE,
    Vessel,
    timeline,
    visit_arrivals,
    zones,
)

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


# ── the fleet ───────────────────────────────────────────────────────────────────────────
_COUNTS = {  # model: vessels at test, demo, bench scale
    "ocean": (4, 40, 56),
    "fishing": (6, 70, 75),
    "rogue": (1, 4, 5),
    "night": (1, 5, 8),
    "ferry": (2, 10, 12),
    "tug": (1, 6, 8),
    "pilot": (1, 2, 3),
    "patrol": (1, 2, 3),
}
# MID of the flag state and its call-sign prefix, for the foreign ocean ships
_FOREIGN = {  # Panama, Hong Kong, Singapore, Liberia, Marshall Is., Korea, Japan, SE Asia
    351: "3F", 353: "3E", 370: "HP", 477: "VR", 563: "9V", 566: "9V", 636: "A8", 538: "V7",
    440: "D7", 431: "7J", 533: "9M", 574: "3W", 525: "PK", 548: "DU",
}  # fmt: skip
_EN = (  # noqa: SIM905
    "OCEAN PACIFIC GOLDEN GLORY BRIGHT GRAND ASIA BLUE JADE SILVER ORIENT HARMONY FORTUNE "
    "PEARL SPRING HORIZON SUMMIT CORAL LUCKY"
).split()
_EN2 = "STAR WAY BRIDGE WAVE VENTURE SPIRIT PIONEER TRADER CROWN DAWN".split()  # noqa: SIM905
_PY = "HAI NAN XIN JIN HUA YUE MING DA HONG AN TONG SHUN FU".split()  # noqa: SIM905
_HOMES = ("qishui", "wushi", "naozhou", "wailuo", "haian")
_HOME_P = (0.2, 0.2, 0.25, 0.15, 0.2)
_LENGTH = {"container": (180, 300), "tanker": (120, 330), "cargo": (150, 230)}


def _imo(rng: np.random.Generator) -> int:
    """A 7-digit IMO number with a valid check digit."""
    d = [9, *map(int, rng.integers(0, 10, 5))]
    return (
        int("".join(map(str, d))) * 10
        + sum(x * w for x, w in zip(d, range(7, 1, -1), strict=True)) % 10
    )


def _callsign(rng: np.random.Generator, prefix: str) -> str:
    letters = "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 3))
    return f"{prefix}{letters}{int(rng.integers(2, 10))}"


def _ocean(rng: np.random.Generator, used: set[int]) -> dict[str, object]:
    vtype = str(rng.choice(["container", "cargo", "tanker"], p=[0.3, 0.45, 0.25]))
    if rng.random() < 0.4:
        mmsi = _mmsi(rng, int(rng.choice([413, 414])), used)
        name = f"{' '.join(rng.choice(_PY, 2))} {int(rng.integers(1, 99))}"
        callsign = _callsign(rng, "B")
    else:
        mid = int(rng.choice(list(_FOREIGN)))
        mmsi, callsign = _mmsi(rng, mid, used), _callsign(rng, _FOREIGN[mid])
        name = f"{rng.choice(_EN)} {rng.choice(_EN2)}"
    period = rng.uniform(7, 14) * 24
    return {
        "model": "ocean",
        "vessel_type": vtype,
        "mmsi": mmsi,
        "name": name,
        "callsign": callsign,
        "imo": _imo(rng),
        "length_m": float(rng.uniform(*_LENGTH[vtype])),
        "ais_class": "A",
        "speed_kn": float(rng.uniform(11, 14.5)),
        "period_h": period,
        "phase_h": float(rng.uniform(0, period)),
        "harbor_ais": True,
    }


def _mmsi(rng: np.random.Generator, mid: int, used: set[int]) -> int:
    while True:
        mmsi = mid * 1_000_000 + int(rng.integers(100_000, 1_000_000))
        if mmsi not in used:
            used.add(mmsi)
            return mmsi


def _boat(
    rng: np.random.Generator, model: str, used: set[int], names: set[str]
) -> dict[str, object]:
    home = "donghai" if model == "night" else str(rng.choice(_HOMES, p=_HOME_P))
    ground = (
        next(g for g, (_, _, routes) in GROUNDS.items() if home in routes)
        if model == "night"
        else str(
            rng.choice([g for g, (_, _, r) in GROUNDS.items() if home in r and g != "leizhou_bay"])
        )
    )
    cls = "" if model == "night" else "B" if model == "rogue" or rng.random() < 0.8 else "A"
    name = None
    if model == "fishing":
        while name is None or name in names:
            name = f"{HARBORS[home][2]}{int(rng.integers(10_000, 100_000))}"
        names.add(name)
    jitter = rng.uniform(-0.0005, 0.0005, 2)
    return {
        "model": model,
        "vessel_type": "fishing",
        "registered": model == "fishing",
        "mmsi": _mmsi(rng, 412, used) if cls else None,
        "name": name,
        "ais_class": cls,
        "length_m": float(rng.uniform(12, 40)),
        "home": home,
        "ground": ground,
        "home_pt": (HARBORS[home][1][0] + jitter[0], HARBORS[home][1][1] + jitter[1]),
        "speed_kn": float(rng.uniform(7, 10)),
        "dark_p": 0.5 if model == "rogue" else 0.3 if rng.random() < 0.12 else 0.02,
        "harbor_ais": bool(rng.random() < 0.3),
    }


def _craft(
    rng: np.random.Generator, model: str, n: int, count: int, used: set[int]
) -> dict[str, object]:
    if model == "ferry":
        return {
            "model": model,
            "vessel_type": "passenger",
            "mmsi": _mmsi(rng, 413, used),
            "name": f"{('QIONG HAI', 'XU WEN HAI')[n % 2]} {n // 2 + 1}",
            "callsign": _callsign(rng, "B"),
            "imo": _imo(rng),
            "ais_class": "A",
            "length_m": float(rng.uniform(110, 165)),
            "speed_kn": float(rng.uniform(11, 13)),
            "home_pt": (FERRY_PORTS["haian"][0] + (n % 5) * 0.0008, FERRY_PORTS["haian"][1]),
            "period_h": 4.0,
            "phase_h": 4.0 * n / count + float(rng.uniform(0, 0.2)),
            "harbor_ais": True,
        }
    vtype, name, kn, length = {
        "tug": ("tug", f"ZHAN GANG TUO {n + 1}", (10, 12), (28, 38)),
        "pilot": ("service", f"ZHAN YIN {n + 1}", (17, 20), (18, 26)),
        "patrol": ("service", f"HAI XUN 09{n + 11}", (14, 17), (40, 60)),
    }[model]
    return {
        "model": model,
        "vessel_type": vtype,
        "mmsi": _mmsi(rng, 413, used),
        "name": name,
        "callsign": _callsign(rng, "B"),
        "ais_class": "A",
        "harbor_ais": True,
        "length_m": float(rng.uniform(*length)),
        "speed_kn": float(rng.uniform(*kn)),
        "home_pt": (SERVICE_BASE[0] + n * 0.0003, SERVICE_BASE[1]),
    }


_SCALE_COL = {Scale.TEST: 0, Scale.DEMO: 1, Scale.BENCH: 2}


def fleet(ctx: SimContext) -> tuple[Vessel, ...]:
    """Every vessel of the simulated sea (those without AIS included)."""
    return _fleet(ctx.seed, ctx.scale)


@lru_cache(maxsize=8)
def _fleet(seed: int, scale: Scale) -> tuple[Vessel, ...]:
    when = datetime(2000, 1, 1, tzinfo=UTC)
    rng = rng_for(SimContext(seed, when, scale, Scenario(when)), "radar", "fleet", scale)
    used: set[int] = set()
    names: set[str] = set()
    out: list[Vessel] = []
    for model, counts in _COUNTS.items():
        count = counts[_SCALE_COL[scale]]
        for n in range(count):
            if model == "ocean":
                spec = _ocean(rng, used)
            elif model in ("fishing", "rogue", "night"):
                spec = _boat(rng, model, used, names)
            else:
                spec = _craft(rng, model, n, count, used)
            i = len(out)
            base: dict[str, object] = {
                "idx": i,
                "registered": True,
                "callsign": None,
                "imo": None,
                "home": "",
                "ground": "",
                "home_pt": (0.0, 0.0),
                "dark_p": 0.0,
                "period_h": 0.0,
                "phase_h": 0.0,
                "ais_offset_us": int(rng.integers(0, 60)) * 1_000_000,
                "radar_offset_us": int(rng.integers(0, 60_000)) * 1_000,
            }
            out.append(Vessel(**(base | spec)))  # type: ignore[arg-type]
    return tuple(out)


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
        for v in _ticking(ctx, lo, hi):
            a, r = _vessel_rows(ctx, v, lo, hi)
            if a is not None:
                ais.append((v, a))
            if r is not None:
                rad.append((v, r))
        if ais:
            yield "ais_reports", _ais_frame(ctx, ais)
        if rad:
            yield "radar_tracks", _radar_frame(ctx, rad)


def _ticking(ctx: SimContext, lo: int, hi: int) -> list[Vessel]:
    """The vessels with an AIS or radar time slot in [lo, hi) (most of them, in a few seconds)."""
    vessels = fleet(ctx)
    if hi - lo >= _MIN:
        return list(vessels)
    offsets = _offsets(ctx.seed, ctx.scale)
    tick = (-(-(lo - offsets) // _MIN)) < (-(-(hi - offsets) // _MIN))
    return [vessels[i] for i in np.flatnonzero(tick.any(axis=1))]


@lru_cache(maxsize=8)
def _offsets(seed: int, scale: Scale) -> np.ndarray:
    return np.array(
        [
            (v.ais_offset_us if v.mmsi is not None else -_DAY, v.radar_offset_us)
            for v in _fleet(seed, scale)
        ],
        dtype="int64",
    )


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
