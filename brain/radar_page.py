"""Radar page computations: loitering in sea zones, the steps of a time playback, and the vessels
outside the register (三无船舶).

Pure: frames in, frames out. Loitering is a vessel moving slower than `max_sog` inside one zone
for longer than `min_minutes` (its AIS points in a row inside the zone, each below the speed, no
gap between two of them longer than `max_gap_minutes`). Anchorages are left out by default: lying
there slowly is what they are for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import numpy as np
import pandas as pd
import shapely

from brain.zones import zone_polygon

__all__ = [
    "LOITER_COLUMNS",
    "LOITER_KINDS",
    "LOITER_MAX_SOG_KN",
    "LOITER_MIN_MINUTES",
    "PLAYBACK_STEPS_MIN",
    "loitering",
    "playback_steps",
    "unregistered",
]

LOITER_MAX_SOG_KN: Final = 2.0
LOITER_MIN_MINUTES: Final = 30.0
LOITER_MAX_GAP_MINUTES: Final = 10.0
LOITER_KINDS: Final = ("channel", "restricted", "aquaculture", "port", "fishing")
LOITER_COLUMNS: Final = [
    "mmsi",
    "zone_id",
    "zone_name",
    "zone_kind",
    "start",
    "end",
    "minutes",
    "points",
    "lon",
    "lat",
]
PLAYBACK_STEPS_MIN: Final = (1, 5, 15, 30, 60, 180, 360, 1440)


def loitering(
    points: pd.DataFrame,
    zones: pd.DataFrame,
    *,
    max_sog: float = LOITER_MAX_SOG_KN,
    min_minutes: float = LOITER_MIN_MINUTES,
    max_gap_minutes: float = LOITER_MAX_GAP_MINUTES,
    kinds: tuple[str, ...] = LOITER_KINDS,
) -> pd.DataFrame:
    """Episodes of loitering: (vessel, zone, start, end, minutes, points, last position).

    `points`: AIS points (mmsi, ts, lon, lat, sog); `zones`: zone_id, name, kind, path (JSON
    ring of [lon, lat]). An episode lasts from its first to its last point and counts when that
    is longer than `min_minutes`. Ordered by start, then MMSI."""
    if min_minutes < 0 or max_sog < 0 or max_gap_minutes <= 0:
        raise ValueError("loitering needs min_minutes >= 0, max_sog >= 0 and max_gap_minutes > 0")
    if points.empty or zones.empty:
        return pd.DataFrame(columns=LOITER_COLUMNS)
    p = points.sort_values(["mmsi", "ts"], kind="stable").reset_index(drop=True)
    lon = p["lon"].to_numpy(dtype="float64", na_value=np.nan)
    lat = p["lat"].to_numpy(dtype="float64", na_value=np.nan)
    slow = p["sog"].to_numpy(dtype="float64", na_value=np.inf) < max_sog
    mmsi = p["mmsi"].to_numpy()
    ts = pd.to_datetime(p["ts"], utc=True)
    minutes = (ts - ts.iloc[0]).dt.total_seconds().to_numpy() / 60.0
    rows: list[dict[str, object]] = []
    for z in zones.itertuples():
        if str(z.kind) not in kinds:
            continue
        flag = slow & shapely.contains_xy(zone_polygon(str(z.path)), lon, lat)
        i, n = 0, len(p)
        while i < n:
            if not flag[i]:
                i += 1
                continue
            j = i
            while (
                j + 1 < n
                and flag[j + 1]
                and mmsi[j + 1] == mmsi[i]
                and minutes[j + 1] - minutes[j] <= max_gap_minutes
            ):
                j += 1
            lasted = minutes[j] - minutes[i]
            if lasted > min_minutes:
                rows.append(
                    {
                        "mmsi": mmsi[i],
                        "zone_id": z.zone_id,
                        "zone_name": z.name,
                        "zone_kind": z.kind,
                        "start": ts.iloc[i],
                        "end": ts.iloc[j],
                        "minutes": round(float(lasted), 1),
                        "points": j - i + 1,
                        "lon": lon[j],
                        "lat": lat[j],
                    }
                )
            i = j + 1
    if not rows:
        return pd.DataFrame(columns=LOITER_COLUMNS)
    out = pd.DataFrame(rows, columns=LOITER_COLUMNS)
    return out.sort_values(["start", "mmsi"], kind="stable").reset_index(drop=True)


def playback_steps(start: datetime, end: datetime, max_steps: int = 200) -> list[datetime]:
    """The times a playback of `[start, end]` stops at: every k minutes from `start`, k the
    smallest of PLAYBACK_STEPS_MIN that gives at most `max_steps` steps, then `end` itself."""
    if end <= start:
        raise ValueError(f"a playback needs start < end (got {start} … {end})")
    if max_steps < 2:
        raise ValueError("a playback needs at least two steps")
    span = (end - start).total_seconds() / 60.0
    step = next(
        (k for k in PLAYBACK_STEPS_MIN if span / k <= max_steps - 1), PLAYBACK_STEPS_MIN[-1]
    )
    times = []
    t = start
    while t < end:
        times.append(t)
        t += timedelta(minutes=step)
    return [*times, end]


def unregistered(positions: pd.DataFrame) -> pd.DataFrame:
    """Vessels outside the register (三无船舶 candidates): `registered` False (on the register's
    books as not registered) or unknown (absent from the register), with `reason`
    ("not_registered" / "not_in_register"), fishing vessels first, then by MMSI."""
    if positions.empty:
        return positions.assign(reason=pd.Series(dtype="object"))
    reg = positions["registered"].astype("boolean")
    out = positions[reg.ne(True).fillna(True)]
    reason = np.where(
        out["registered"].astype("boolean").isna(), "not_in_register", "not_registered"
    )
    fishing = out["vessel_type"].astype("object").eq("fishing")
    out = out.assign(reason=reason, _f=~fishing.to_numpy())
    return out.sort_values(["_f", "mmsi"], kind="stable").drop(columns="_f").reset_index(drop=True)
