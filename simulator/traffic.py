"""Traffic of the simulated city: speed and volume of every road segment, and road incidents.

Demand follows the city's day (morning rush 07:30-09:00 and evening rush 17:30-19:00 local time on
weekdays, a flatter weekend) scaled by each segment's peak load; speed falls with load along a
BPR-style curve and volume saturates at capacity, dropping when the road is jammed. Noise is
correlated along each road. The typhoon lowers demand and speeds, closes the bay bridge around
landfall and floods low streets; open incidents slow their segment.

Everything is a pure function of the seed and time: random draws come from per-day and per-hour
generators (`rng_for`), so any window gives the same rows however it is cut.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from simulator.base import Scale, SimContext, rng_for
from simulator.roads import ROADS, segments

__all__ = ["bridge_closure", "cadence_s", "demand_profile", "facts", "reference", "storm_window"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_US = 86_400_000_000
_LOCAL_US = 8 * 3_600_000_000  # Asia/Shanghai, no daylight saving
_CAPACITY = {"expressway": 3600.0, "arterial": 2200.0, "secondary": 1300.0, "branch": 700.0}
_SIGNALS = {"expressway": 1.0, "arterial": 0.82, "secondary": 0.78, "branch": 0.75}
_PEAK = {
    ("expressway", False): (0.45, 0.70),
    ("arterial", False): (0.55, 0.85),
    ("arterial", True): (0.95, 1.30),
    ("secondary", True): (0.85, 1.20),
    ("branch", True): (0.60, 0.90),
}
_URBAN = {r.code: r.seg_m <= 800 for r in ROADS}
_BRIDGE = "HWDQ"
# id, kind, segment index, severity, opened, cleared (UTC microseconds), lon, lat, description
Incident = tuple[str, str, int, int, int, int, float, float, str]


def cadence_s(scale: Scale) -> int:
    """Seconds between two readings of a segment."""
    return 900 if scale is Scale.TEST else 300


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    seg = segments(ctx.scale)
    return {"traffic_segments": seg.drop(columns=["road_code", "mid_lon", "mid_lat"])}


def _us(t: datetime) -> int:
    return (t - _EPOCH) // timedelta(microseconds=1)


def demand_profile(t_us: np.ndarray) -> np.ndarray:
    """City demand at each time (UTC microseconds), about 1 at the weekday rush peaks."""
    local = t_us + _LOCAL_US
    h = (local % _DAY_US) / 3.6e9
    weekend = ((local // _DAY_US + 3) % 7) >= 5  # 1970-01-01 was a Thursday
    day = 0.52 / (1 + np.exp(-(h - 6.3) / 0.45)) / (1 + np.exp(-(22.8 - h) / 0.8))
    am = np.exp(-0.5 * ((h - 8.25) / 0.55) ** 2)
    pm = np.exp(-0.5 * ((h - 18.25) / 0.6) ** 2)
    weekday_d = 0.08 + day + 0.45 * am + 0.47 * pm
    weekend_d = 0.08 + 1.1 * day + 0.12 * np.exp(-0.5 * ((h - 10.5) / 1.5) ** 2) + 0.2 * pm
    return np.asarray(np.where(weekend, weekend_d, weekday_d))


@cache
def _params(ctx: SimContext) -> dict[str, np.ndarray]:
    """Per-segment capacity, peak load and signal factor."""
    seg = segments(ctx.scale)
    rng = rng_for(ctx, "traffic", "segments", ctx.scale)
    n = len(seg)
    cls = seg["road_class"].to_numpy(dtype=object)
    road = seg["road_code"].to_numpy(dtype=object)
    urban = np.array([_URBAN[r] for r in road])
    lo_hi = np.array(
        [
            _PEAK.get((c, u), _PEAK.get((c, not u), (0.6, 0.9)))
            for c, u in zip(cls, urban, strict=True)
        ]
    )
    peak = lo_hi[:, 0] + rng.random(n) * (lo_hi[:, 1] - lo_hi[:, 0])
    peak[road == _BRIDGE] = 1.3
    both_ways = 1.0 if ctx.scale is not Scale.BENCH else 0.5
    cap = np.array([_CAPACITY[c] for c in cls]) * rng.uniform(0.85, 1.2, n) * both_ways
    signals = np.where(urban, [_SIGNALS[c] for c in cls], 0.96)
    codes, road_idx = np.unique(road, return_inverse=True)
    # directional segments (bench): one way is busier in the morning, the other in the evening
    sid = seg["segment_id"].to_numpy(dtype=object)
    direction = np.array(
        [1.0 if s.endswith("F") else -1.0 if s.endswith("R") else 0.0 for s in sid]
    )
    return {
        "peak": peak,
        "cap": cap,
        "signals": signals,
        "road_idx": road_idx,
        "n_roads": np.array(len(codes)),
        "direction": direction * rng.choice([-1, 1], n),
    }


@lru_cache(maxsize=8)
def _day_noise(
    ctx: SimContext, day: int, n_slots: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Road-correlated load, speed and volume noise of one UTC day, each (segments, slots)."""
    p = _params(ctx)
    rng = rng_for(ctx, "traffic", "noise", day)
    n_roads = int(p["n_roads"])
    raw = rng.standard_normal((n_roads, n_slots + 6))
    kernel = np.ones(7) / np.sqrt(7.0)
    smooth = np.stack([np.convolve(r, kernel, mode="valid") for r in raw])
    level = rng.normal(0.0, 0.05, n_roads)[:, None]
    road = 1.0 + level + 0.07 * smooth
    speed = rng.standard_normal((len(p["peak"]), n_slots))
    volume = rng.standard_normal((len(p["peak"]), n_slots))
    return road[p["road_idx"]], speed, volume


def _slots(start_us: int, end_us: int, cad_us: int) -> np.ndarray:
    first = -(-start_us // cad_us)
    last = -(-end_us // cad_us)
    return np.arange(first, last, dtype="int64") * cad_us


def _readings(
    ctx: SimContext, t_us: np.ndarray, inc: list[Incident], closure: tuple[int, int] | None
) -> pd.DataFrame:
    """Readings of every segment at times `t_us` (all inside one UTC day)."""
    p = _params(ctx)
    seg = segments(ctx.scale)
    cad_us = cadence_s(ctx.scale) * 1_000_000
    day = int(t_us[0] // _DAY_US)
    road_noise, speed_noise, volume_noise = _day_noise(ctx, day, _DAY_US // cad_us)
    j = ((t_us - day * _DAY_US) // cad_us).astype("int64")
    impact = ctx.scenario.impact(t_us.astype("datetime64[us]"))
    demand = demand_profile(t_us)
    local_h = ((t_us + _LOCAL_US) % _DAY_US) / 3.6e9
    tide = np.where(local_h < 13.0, 1.0, -1.0) * np.clip(demand - 0.6, 0, None) * 0.35
    load = (
        p["peak"][:, None]
        * demand[None, :]
        * (1 - 0.65 * impact)[None, :]
        * road_noise[:, j]
        * (1 + p["direction"][:, None] * tide[None, :])
    )
    load = np.clip(load, 0.0, None)
    factor = p["signals"][:, None] / (1 + 0.33 * load**4)
    factor *= (1 - 0.55 * impact)[None, :] * (1 + 0.035 * speed_noise[:, j])
    volume = p["cap"][:, None] * np.where(load <= 1, load, np.clip(1.25 - 0.25 * load, 0.4, 1))
    volume *= 1 + 0.05 * volume_noise[:, j]
    _apply_incidents(inc, t_us, factor, volume)
    speed = np.clip(seg["free_speed_kmh"].to_numpy(dtype="float64")[:, None] * factor, 0.0, 150.0)
    keep = np.ones(speed.shape, dtype=bool)
    if closure is not None:
        bridge = (seg["road_code"] == _BRIDGE).to_numpy()
        keep[np.ix_(bridge, (t_us >= closure[0]) & (t_us < closure[1]))] = False
    # rows ordered by time, then segment
    keep_t = keep.T
    n_seg = len(seg)
    seg_idx = np.broadcast_to(np.arange(n_seg), (len(t_us), n_seg))[keep_t]
    ts = np.broadcast_to(t_us[:, None], (len(t_us), n_seg))[keep_t]
    ids = pd.array(seg["segment_id"].to_numpy(dtype=object), dtype="string")
    return pd.DataFrame(
        {
            "ts": _ts(ts),
            "segment_id": ids.take(seg_idx),
            "speed_kmh": pd.array(np.round(speed.T[keep_t], 1), dtype="Float64"),
            "volume": pd.array(
                np.round(np.clip(volume.T[keep_t], 0, 20_000)).astype("int64"), dtype="Int64"
            ),
        }
    )


def _apply_incidents(
    inc: list[Incident], t_us: np.ndarray, factor: np.ndarray, volume: np.ndarray
) -> None:
    """Slow the segments of incidents open at each reading (in place)."""
    for _, kind, s, sev, opened, cleared, *_ in inc:
        cols = (t_us >= opened) & (t_us < cleared)
        if cols.any():
            f = _SLOWDOWN[kind][sev - 1]
            factor[s, cols] *= f
            volume[s, cols] *= np.sqrt(f)


def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Readings and incident states with a timestamp in [start, end), one chunk per UTC day."""
    s_us, e_us = _us(start), _us(end)
    if e_us <= s_us:
        return
    cad_us = cadence_s(ctx.scale) * 1_000_000
    for day_start in range(s_us - s_us % _DAY_US, e_us, _DAY_US):
        lo, hi = max(s_us, day_start), min(e_us, day_start + _DAY_US)
        inc = _incidents(ctx, lo, hi)
        rows = _incident_rows(ctx, inc, lo, hi)
        if rows is not None:
            yield "traffic_incidents", rows
        t_us = _slots(lo, hi, cad_us)
        if len(t_us):
            yield "traffic_readings", _readings(ctx, t_us, inc, bridge_closure(ctx))


# ── incidents ───────────────────────────────────────────────────────────────────────────
_HOUR_US = 3_600_000_000
_KINDS = ("accident", "breakdown", "roadwork", "flooding", "control")
_SLOWDOWN = {
    "accident": (0.7, 0.5, 0.35, 0.2),
    "breakdown": (0.8, 0.7, 0.6, 0.5),
    "roadwork": (0.7, 0.65, 0.55, 0.45),
    "flooding": (0.45, 0.3, 0.2, 0.1),
    "control": (0.6, 0.5, 0.4, 0.3),
}
_TEXT = {
    "accident": "{road}发生交通事故，{n}车碰撞",
    "breakdown": "{road}车辆故障停驶，占用车道",
    "roadwork": "{road}道路施工，占用{n}条车道",
    "flooding": "{road}路段积水约{cm}厘米，车辆缓行",
    "control": "{road}临时交通管制",
}
_CLOSURE_IMPACT = 0.35  # the bay bridge closes while the storm's impact is at least this


@cache
def storm_window(ctx: SimContext, threshold: float) -> tuple[int, int] | None:
    """When the storm's impact is at least `threshold` (UTC microseconds, [from, to)), if ever."""
    land = _us(ctx.scenario.landfall)
    grid = land + np.arange(-72 * 60, 72 * 60, dtype="int64") * 60_000_000
    hit = grid[ctx.scenario.impact(grid.astype("datetime64[us]")) >= threshold]
    return (int(hit[0]), int(hit[-1]) + 60_000_000) if len(hit) else None


def bridge_closure(ctx: SimContext) -> tuple[int, int] | None:
    """When the bay bridge is closed for the typhoon, if ever."""
    return storm_window(ctx, _CLOSURE_IMPACT)


@cache
def _weights(ctx: SimContext) -> dict[str, np.ndarray]:
    seg = segments(ctx.scale)
    length = seg["length_m"].to_numpy(dtype="float64")
    urban = np.array([_URBAN[r] for r in seg["road_code"]])
    exposure = length * _params(ctx)["peak"]
    out = {
        "accident": exposure,
        "breakdown": exposure,
        "roadwork": length,
        "flooding": length * urban,
        "control": length * urban,
    }
    return {k: v / v.sum() for k, v in out.items()}


@cache
def _paths(scale: Scale) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(json.loads(p)) for p in segments(scale)["path"])


@lru_cache(maxsize=512)
def _hour(ctx: SimContext, hour: int) -> tuple[Incident, ...]:
    """Incidents reported in one hour: (id, kind, seg, severity, open, clear, lon, lat, text)."""
    rng = rng_for(ctx, "traffic", "incidents", hour)
    mid = np.array([hour * _HOUR_US + _HOUR_US // 2], dtype="int64")
    d = float(demand_profile(mid)[0])
    imp = float(ctx.scenario.impact(mid.astype("datetime64[us]"))[0])
    n_scale = len(segments(ctx.scale)) / 393
    lam = {
        "accident": 0.4 * (0.3 + d) * (1 + 3 * imp),
        "breakdown": 0.22 * (0.4 + d) * (1 + imp),
        "roadwork": 0.1 * (1 - imp),
        "flooding": 5.0 * imp**2 + 0.004,
        "control": 0.03,
    }
    seg = segments(ctx.scale)
    out: list[Incident] = []
    for kind in _KINDS:
        for _ in range(int(rng.poisson(lam[kind] * n_scale))):
            i = int(rng.choice(len(seg), p=_weights(ctx)[kind]))
            opened = hour * _HOUR_US + int(rng.integers(0, 3600)) * 1_000_000
            minutes = {
                "accident": rng.lognormal(np.log(45), 0.5),
                "breakdown": rng.lognormal(np.log(30), 0.4),
                "roadwork": rng.uniform(120, 480),
                "flooding": rng.uniform(90, 480) * (1 + imp),
                "control": rng.uniform(60, 240),
            }[kind]
            sev = {
                "accident": int(rng.choice(4, p=[0.45, 0.33, 0.16, 0.06])) + 1,
                "breakdown": int(rng.integers(1, 3)),
                "roadwork": 2,
                "flooding": int(np.clip(1 + round(3 * imp + rng.random()), 1, 4)),
                "control": int(rng.integers(2, 4)),
            }[kind]
            path = _paths(ctx.scale)[i]
            k = int(rng.integers(0, len(path) - 1))
            lon, lat = path[k] + rng.random() * (path[k + 1] - path[k])
            text = _TEXT[kind].format(
                road=seg["road_name"].iat[i],
                n=int(rng.integers(2, 4)),
                cm=int(rng.integers(15, 60)),
            )
            clear = opened + int(np.clip(minutes, 10, 720) * 60) * 1_000_000
            inc_id = f"TI{hour:07d}{len(out):02d}"
            out.append((inc_id, kind, i, sev, opened, clear, float(lon), float(lat), text))
    return tuple(out)


def _incidents(ctx: SimContext, lo: int, hi: int) -> list[Incident]:
    """Incidents open at some time in [lo, hi): reported up to a day before, or inside."""
    rows = [r for h in range((lo - _DAY_US) // _HOUR_US, -(-hi // _HOUR_US)) for r in _hour(ctx, h)]
    closure = bridge_closure(ctx)
    if closure is not None:
        seg = segments(ctx.scale)
        for i in np.flatnonzero((seg["road_code"] == _BRIDGE).to_numpy()):
            lon, lat = _paths(ctx.scale)[i].mean(axis=0)
            rows.append(
                (
                    f"TIBRIDGE{closure[0] // _HOUR_US:07d}{i % 100:02d}",
                    "control",
                    int(i),
                    4,
                    closure[0],
                    closure[1],
                    float(lon),
                    float(lat),
                    "台风影响，湛江海湾大桥双向封闭交通",
                )
            )
    return [r for r in rows if r[4] < hi and r[5] >= lo]


def _incident_rows(ctx: SimContext, inc: list[Incident], lo: int, hi: int) -> pd.DataFrame | None:
    """The open and cleared states of `inc` whose time falls in [lo, hi)."""
    states = sorted(
        [(r[4], "open", r) for r in inc if lo <= r[4] < hi]
        + [(r[5], "cleared", r) for r in inc if lo <= r[5] < hi],
        key=lambda s: (s[0], s[2][0]),
    )
    if not states:
        return None
    seg = segments(ctx.scale)
    idx = [r[2] for _, _, r in states]

    def col(values: list[Any], dtype: str) -> Any:
        return pd.array(values, dtype=dtype)  # type: ignore[call-overload]

    return pd.DataFrame(
        {
            "ts": _ts(np.array([t for t, _, _ in states], dtype="int64")),
            "incident_id": col([r[0] for _, _, r in states], "string"),
            "kind": col([r[1] for _, _, r in states], "string"),
            "segment_id": col(list(seg["segment_id"].to_numpy(dtype=object)[idx]), "string"),
            "adcode": col(list(seg["adcode"].to_numpy(dtype=object)[idx]), "string"),
            "lon": col([round(r[6], 6) for _, _, r in states], "Float64"),
            "lat": col([round(r[7], 6) for _, _, r in states], "Float64"),
            "severity": col([r[3] for _, _, r in states], "Int64"),
            "status": col([st for _, st, _ in states], "string"),
            "reported_ts": _ts(np.array([r[4] for _, _, r in states], dtype="int64")),
            "description": col([r[8] for _, _, r in states], "string"),
        }
    )


def _ts(us: pd.Series | np.ndarray) -> pd.Series:
    """UTC microseconds as the contract's timestamp dtype."""
    arr = np.asarray(us, dtype="int64").astype("datetime64[us]")
    return pd.Series(arr).dt.tz_localize("UTC")
