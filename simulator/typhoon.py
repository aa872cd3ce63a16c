"""The storm model of the replayable scenario: typhoon Mujigae (彩虹, 1522), re-dated by
`ctx.scenario`.

Its observed track comes from sparse fixes (reference/zhanjiang_typhoons.json) interpolated to
3-hourly; forecast tracks are issued every 6 h with an error that grows with lead time. The
Zhanjiang typhoon signal series follows `brain.standards.typhoon_signal` from the wind the
observatory expects over the city (white ~48 h before landfall up to red a few hours before,
then downgrades and a Cancel), with a rainstorm series around landfall; both leave as CAP
messages (`simulator.cap_messages`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from brain.standards import beaufort_force, typhoon_signal
from simulator import cap_messages
from simulator.base import SimContext, rng_for, typed
from simulator.geography import districts

__all__ = ["STORM", "storm_at", "storm_fixes", "tracks", "typhoon_warnings"]

STORM = {"storm_id": "1522", "name_zh": "彩虹", "name_en": "Mujigae"}
_H = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ALL = tuple(d.adcode for d in districts())

# Fixes of 2015 (UTC): lon, lat, max wind m/s, pressure hPa. The first is extrapolated back
# along the track; 10-04 08:00 BJT is "~160 km SE of Zhanjiang"; after 10-04 18:00 (SE Guangxi,
# 35-40 m/s) the decay over Guangxi is estimated.
_FIXES = (
    (datetime(2015, 10, 2, 6, tzinfo=UTC), 119.0, 16.6, 22.0, 992.0),
    (datetime(2015, 10, 2, 9, tzinfo=UTC), 118.4, 16.9, 23.0, 990.0),
    (datetime(2015, 10, 3, 6, tzinfo=UTC), 114.3, 18.9, 33.0, 975.0),
    (datetime(2015, 10, 4, 0, tzinfo=UTC), 111.45, 20.25, 48.0, 945.0),
    (datetime(2015, 10, 4, 6, 10, tzinfo=UTC), 110.53, 21.17, 50.0, 940.0),
    (datetime(2015, 10, 4, 10, tzinfo=UTC), 109.95, 21.95, 38.0, 965.0),
    (datetime(2015, 10, 4, 18, tzinfo=UTC), 109.3, 22.6, 23.0, 985.0),
    (datetime(2015, 10, 5, 0, tzinfo=UTC), 108.9, 23.0, 18.0, 992.0),
    (datetime(2015, 10, 5, 6, tzinfo=UTC), 108.5, 23.4, 13.0, 997.0),
)
_LEADS_H = (12, 24, 36, 48, 72)


def _s(t: datetime) -> float:
    return (t - _EPOCH).total_seconds()


def storm_fixes(ctx: SimContext) -> tuple[list[datetime], np.ndarray]:
    """The re-dated fixes: times and an array (n, 4) of lon, lat, wind m/s, pressure hPa."""
    return ([ctx.scenario.shift(f[0]) for f in _FIXES], np.array([f[1:] for f in _FIXES]))


def storm_at(ctx: SimContext, times: Sequence[datetime]) -> np.ndarray:
    """Interpolated lon, lat, wind, pressure at each time (clamped to the first/last fix)."""
    ft, fv = storm_fixes(ctx)
    x = np.array([_s(t) for t in ft])
    q = np.array([_s(t) for t in times])
    return np.column_stack([np.interp(q, x, fv[:, j]) for j in range(4)])


def _local_wind(ctx: SimContext, t: datetime) -> tuple[float, float]:
    """Mean wind and gust (m/s) the observatory expects over the city at time `t`."""
    h = (t - ctx.scenario.landfall).total_seconds() / 3600.0
    if h < 0:
        mean = float(storm_at(ctx, [t])[0, 2]) * (0.4 + 0.6 * np.exp(h / 10.0))
    else:
        mean = 45.0 * float(np.exp(-h / 6.0))
    return mean, 1.45 * mean


@cache
def typhoon_warnings(ctx: SimContext) -> tuple[cap_messages.CapWarning, ...]:
    """The typhoon signal series and the storm's rainstorm series, as CAP messages."""
    land = ctx.scenario.landfall
    steps: list[tuple[datetime, str | None]] = []
    for k in range(-60, 25):
        t = land + k * _H + timedelta(minutes=7)
        mean, gust = _local_wind(ctx, t)
        signal = typhoon_signal(max(-k - 7 / 60, 0.0), beaufort_force(mean), beaufort_force(gust))
        if k >= 0 and signal == "white":
            signal = None  # the storm has passed: nothing more to expect within 48 h
        steps.append((t.replace(microsecond=0), signal))
    out = cap_messages.series("typhoon", STORM["storm_id"], steps, _ALL, timedelta(hours=36))
    rain = [(-4, "yellow"), (0.5, "orange"), (3, "red"), (9, "orange"), (15, "yellow"), (26, None)]
    areas = ("440802", "440803", "440804", "440811", "440823", "440882", "440883")
    out += cap_messages.series(
        "rainstorm",
        STORM["storm_id"],
        [(land + timedelta(hours=h, minutes=23), s) for h, s in rain],
        areas,
        timedelta(hours=12),
    )
    return tuple(out)


@cache
def tracks(ctx: SimContext) -> pd.DataFrame:
    """The `typhoon_tracks` rows: the observed track and every forecast issued until after
    landfall."""
    ft, _ = storm_fixes(ctx)
    grid = [ft[0] + 3 * k * _H for k in range(int((ft[-1] - ft[0]) / (3 * _H)) + 1)]
    obs = storm_at(ctx, grid)
    rows: list[tuple[Any, ...]] = [(t, "observed", t, *v) for t, v in zip(grid, obs, strict=True)]
    issue = ft[0]
    k = 0
    while issue <= ctx.scenario.landfall + 12 * _H:
        rng = rng_for(ctx, "emergency", "forecast", k)
        bias = rng.normal(0.0, 40.0, 2)  # km per 24 h of lead, this issue's systematic error
        wbias = rng.normal(0.0, 1.5)  # m/s per 24 h of lead
        for lead in _LEADS_H:
            valid = issue + lead * _H
            if valid > ft[-1]:
                break
            lon, lat, wind, hpa = storm_at(ctx, [valid])[0]
            err = bias * lead / 24 + rng.normal(0.0, 10.0 * lead / 24, 2)
            lon = np.clip(lon + err[0] / (111.32 * np.cos(np.radians(lat))), 104.5, 119.5)
            lat = np.clip(lat + err[1] / 111.32, 15.5, 25.5)
            dw = wbias * lead / 24 + rng.normal(0.0, 1.5)
            rows.append(
                (
                    valid,
                    "forecast",
                    issue,
                    lon,
                    lat,
                    float(np.clip(wind + dw, 10, 70)),
                    float(np.clip(hpa - 1.6 * dw, 900, 1010)),
                )
            )
        issue += 6 * _H
        k += 1
    cols = list(zip(*rows, strict=True))
    return typed(
        "typhoon_tracks",
        {
            **{key: [v] * len(rows) for key, v in STORM.items()},
            "ts": cols[0],
            "kind": cols[1],
            "issued_ts": cols[2],
            "lon": cols[3],
            "lat": cols[4],
            "wind_ms": np.round(np.asarray(cols[5], dtype=float), 1),
            "pressure_hpa": np.round(np.asarray(cols[6], dtype=float), 1),
        },
    )
