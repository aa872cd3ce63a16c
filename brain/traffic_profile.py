"""Time-of-day figures of the traffic page: the day's TPI profile against the same weekday of the
previous weeks (their mean as a line, their lowest and highest as a band), the bucket size of a
series over a time range, and a segment's speed by time of day.

Pure: every time is a parameter; days are Asia/Shanghai calendar days (`brain.timezone`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pandas as pd

from brain.timezone import TZ, local_midnight

__all__ = [
    "BAND_COLUMNS",
    "BAND_WEEKS",
    "bucket_minutes_for",
    "day_window",
    "hour_of_day",
    "network_series",
    "same_weekday_windows",
    "weekday_band",
]

BAND_WEEKS = 4  # the band is drawn from this many previous same weekdays
BAND_COLUMNS = ["minute_of_day", "tpi", "mean", "low", "high", "days"]
DAY = timedelta(days=1)
_INSTANT = timedelta(microseconds=1)
# (longest range, bucket minutes): about 50-200 points whatever the range
_BUCKETS = (
    (timedelta(hours=6), 5),
    (timedelta(days=2), 15),
    (timedelta(days=8), 60),
    (timedelta(days=40), 240),
)


def _aware(t: datetime, name: str) -> datetime:
    if t.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got {t!r}")
    return t.astimezone(UTC)


def bucket_minutes_for(start: datetime, end: datetime) -> int:
    """Bucket size of a TPI series over `[start, end)`: 5 min up to 6 h, 15 up to 2 days,
    an hour up to 8 days, 4 h up to 40 days, a day beyond."""
    span = _aware(end, "end") - _aware(start, "start")
    if span <= timedelta(0):
        raise ValueError(f"start {start} must be before end {end}")
    for longest, minutes in _BUCKETS:
        if span <= longest:
            return minutes
    return 1440


def _day_of(end: datetime) -> datetime:
    """Local midnight of the day a range ending at `end` (exclusive) last touches: a range
    ending at midnight ends with the day before."""
    return local_midnight(_aware(end, "end") - _INSTANT)


def day_window(end: datetime) -> tuple[datetime, datetime]:
    """The local day the range ending at `end` last touches, up to `end` (UTC): the day whose
    profile is drawn."""
    e = _aware(end, "end")
    return _day_of(e).astimezone(UTC), e


def same_weekday_windows(end: datetime, weeks: int = BAND_WEEKS) -> list[tuple[datetime, datetime]]:
    """Whole local days (UTC bounds) of the same weekday as `day_window(end)`'s, 1 … `weeks`
    weeks earlier, newest first."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    midnight = _day_of(end)
    out = []
    for k in range(1, weeks + 1):
        day = midnight - timedelta(days=7 * k)
        out.append((day.astimezone(UTC), (day + DAY).astimezone(UTC)))
    return out


def weekday_band(today: pd.DataFrame, past: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Per time of day (`minute_of_day`): the day's `tpi`, and over the previous same weekdays
    (each a `tpi_profile` frame) their `mean`, `low` and `high` TPI and how many `days` had a
    reading there. Minutes that no frame has are left out."""
    frames = [f[["minute_of_day", "tpi"]] for f in past if not f.empty]
    minutes: set[int] = set(int(m) for m in today["minute_of_day"]) if not today.empty else set()
    for f in frames:
        minutes |= {int(m) for m in f["minute_of_day"]}
    if not minutes:
        return pd.DataFrame(columns=BAND_COLUMNS)
    out = pd.DataFrame({"minute_of_day": sorted(minutes)})
    day = today.set_index(today["minute_of_day"].astype(int))["tpi"] if not today.empty else None
    out["tpi"] = (
        out["minute_of_day"].map(day).astype("float64") if day is not None else float("nan")
    )
    if frames:
        wide = pd.concat(
            [f.set_index(f["minute_of_day"].astype(int))["tpi"].astype("float64") for f in frames],
            axis=1,
        ).reindex(out["minute_of_day"])
        out["mean"] = wide.mean(axis=1).to_numpy()
        out["low"] = wide.min(axis=1).to_numpy()
        out["high"] = wide.max(axis=1).to_numpy()
        out["days"] = wide.notna().sum(axis=1).to_numpy().astype(int)
    else:
        out["mean"] = out["low"] = out["high"] = float("nan")
        out["days"] = 0
    return out[BAND_COLUMNS]


def hour_of_day(series: pd.DataFrame) -> pd.DataFrame:
    """Mean `speed_kmh` and `tpi` by local hour (0-23) of a series with `ts` (UTC), each bucket
    counted once: a segment's usual day, from its last 7 days."""
    if series.empty:
        return pd.DataFrame(columns=["hour", "speed_kmh", "tpi"])
    hours = pd.to_datetime(series["ts"], utc=True).dt.tz_convert(TZ).dt.hour
    g = series.assign(hour=hours.to_numpy()).groupby("hour")[["speed_kmh", "tpi"]].mean()
    return g.reset_index().astype({"speed_kmh": "float64", "tpi": "float64"})


def network_series(series: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """The TPI and speed per time bucket of a set of segments (a road) from their per-segment
    buckets (`segment_id, ts, speed_kmh, tpi`) and their `segment_id, road_class, length_m`:
    the TPI weighted by length × road-class weight over the segments with a reading in the
    bucket, the speed by length (as the adapters' network TPI)."""
    from brain.standards import ROAD_CLASS_WEIGHTS

    cols = ["ts", "tpi", "speed_kmh"]
    if series.empty or segments.empty:
        return pd.DataFrame(columns=cols)
    seg = segments[["segment_id", "road_class", "length_m"]]
    j = series.merge(seg, on="segment_id", how="inner")
    length = j["length_m"].astype("float64")
    w = length * j["road_class"].map(ROAD_CLASS_WEIGHTS).astype("float64").fillna(1.0)
    w = w.where(j["tpi"].notna(), 0.0)
    lw = length.where(j["speed_kmh"].notna(), 0.0)
    j = j.assign(
        tw=(j["tpi"].astype("float64") * w).fillna(0.0),
        w=w,
        sl=(j["speed_kmh"].astype("float64") * lw).fillna(0.0),
        lw=lw,
    )
    g = j.groupby("ts")[["tw", "w", "sl", "lw"]].sum()
    out = pd.DataFrame(
        {
            "tpi": g["tw"] / g["w"].where(g["w"] > 0),
            "speed_kmh": g["sl"] / g["lw"].where(g["lw"] > 0),
        }
    )
    return out.reset_index()[cols]
