"""The traffic page's figures (智慧交通): TPI of the city, its districts and roads at the end of the
selected range and over it, the segments by level, the day's time-of-day profile against the same
weekday of the previous weeks, the worst roads, incidents and their effect on nearby segments,
and one segment's 24-hour and 7-day speed.

Every function takes the view's range (`start`, `end`: `end` is the view's "now") and district;
each answer stays a `Result`, so one failed query shows its own error and last good time while
the others draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from brain.traffic import network, worst_roads
from brain.traffic_impact import (
    IMPACT_BEFORE,
    IMPACT_RADIUS_M,
    after_end,
    impact,
    parse_path,
)
from brain.traffic_impact import nearby_segments as _nearby
from brain.traffic_profile import (
    bucket_minutes_for,
    day_window,
    hour_of_day,
    network_series,
    same_weekday_windows,
    weekday_band,
)
from data_adapters import traffic
from data_adapters.result import Result
from services.fetch import Call, DataLike, fetch, frame_of, records

__all__ = [
    "WORST_ROADS",
    "Overview",
    "SegmentDetail",
    "district_rows",
    "incident_effect",
    "incident_row",
    "incident_rows",
    "map_features",
    "overview",
    "road_series",
    "roads",
    "segment_detail",
    "segment_row",
    "segment_rows",
    "series_rows",
]

WORST_ROADS = 10
TABLE_COLUMNS = (
    "segment_id",
    "road_name",
    "road_class",
    "adcode",
    "speed_kmh",
    "free_speed_kmh",
    "delay_ratio",
    "tpi",
    "level",
    "volume",
    "length_m",
    "ts",
)


@dataclass(frozen=True)
class Overview:
    """What the page draws for a range and district (each a Result: value or error)."""

    districts: Result[Any]  # district_tpi at `end` (city row first)
    state: Result[Any]  # segment_state at `end`
    series: Result[Any]  # tpi_series over the range
    incidents: Result[Any]  # open at `end`, or reported in the range
    today: Result[Any]  # tpi_profile of the day of `end`
    past: tuple[Result[Any], ...]  # tpi_profile of the same weekday, 1 … 4 weeks back

    @property
    def band(self) -> pd.DataFrame:
        """The day's profile against the previous same weekdays (`brain.traffic_profile`)."""
        today = frame_of(self.today)
        past = [f for f in (frame_of(r) for r in self.past) if f is not None]
        return weekday_band(today if today is not None else _empty_profile(), past)

    def network(self, road: str | None = None) -> dict[str, Any]:
        """TPI, level and speed of the shown network (one road's, with `road`)."""
        return network(segment_rows(self, road=road))

    def worst(self, n: int = WORST_ROADS) -> pd.DataFrame:
        """The `n` roads of the district with the highest TPI at the end of the range."""
        return worst_roads(segment_rows(self), n)


def _empty_profile() -> pd.DataFrame:
    return pd.DataFrame({"minute_of_day": pd.Series(dtype="int64"), "tpi": pd.Series(dtype=float)})


def overview(
    data: DataLike, *, start: datetime, end: datetime, adcode: str | None = None
) -> Overview:
    """Every query of the page's overview, asked side by side."""
    day = day_window(end)
    weeks = same_weekday_windows(end)
    bucket = bucket_minutes_for(start, end)
    calls: list[Call] = [
        (traffic.district_tpi, {"now": end}),
        (traffic.segment_state, {"now": end, "adcode": adcode}),
        (
            traffic.tpi_series,
            {"start": start, "end": end, "adcode": adcode, "bucket_minutes": bucket},
        ),
        (
            traffic.incidents,
            {"now": end, "adcode": adcode, "open_only": False, "lookback": end - start},
        ),
        (traffic.tpi_profile, {"start": day[0], "end": day[1], "adcode": adcode}),
    ]
    calls += [(traffic.tpi_profile, {"start": a, "end": b, "adcode": adcode}) for a, b in weeks]
    found = fetch(data, *calls)
    districts, state, series, incidents, today = found[:5]
    return Overview(districts, state, series, incidents, today, tuple(found[5:]))


def segment_rows(
    view: Overview, *, road: str | None = None, level: int | None = None
) -> pd.DataFrame:
    """The segments of the table and the map: the district's, of one road and of one level when
    asked (the rows an export writes)."""
    state = frame_of(view.state)
    if state is None:
        return pd.DataFrame(columns=[*TABLE_COLUMNS, "path"])
    rows = state
    if road:
        rows = rows[rows["road_name"] == road]
    if level is not None:
        rows = rows[rows["level"] == level]
    return rows.reset_index(drop=True)


@dataclass(frozen=True)
class SegmentDetail:
    """One segment's speed: the last 24 hours (15-minute buckets) and 7 days (hourly)."""

    day: Result[Any]
    week: Result[Any]

    @property
    def usual(self) -> pd.DataFrame:
        """Its speed and TPI by local hour over the 7 days."""
        week = frame_of(self.week)
        return hour_of_day(week if week is not None else pd.DataFrame())


def segment_detail(data: DataLike, *, segment_id: str, end: datetime) -> SegmentDetail:
    ids = (str(segment_id),)
    day, week = fetch(
        data,
        (
            traffic.segment_series,
            {
                "segment_ids": ids,
                "start": end - timedelta(days=1),
                "end": end,
                "bucket_minutes": 15,
            },
        ),
        (
            traffic.segment_series,
            {
                "segment_ids": ids,
                "start": end - timedelta(days=7),
                "end": end,
                "bucket_minutes": 60,
            },
        ),
    )
    return SegmentDetail(day, week)


def incident_effect(
    data: DataLike,
    incident: dict[str, Any],
    *,
    end: datetime,
    radius_m: float = IMPACT_RADIUS_M,
) -> Result[Any]:
    """Speed and TPI of the segments within `radius_m` of an incident, the hour before its start
    against the hour after (or until it cleared, or `end`), per segment nearest first."""
    segs = data.call(traffic.segments)
    frame = frame_of(segs)
    if frame is None:
        return Result(None, segs.as_of, segs.error or "no segments")
    started = pd.Timestamp(incident["reported_ts"]).to_pydatetime()
    cleared = incident.get("ts") if incident.get("status") == "cleared" else None
    stop = min(end, pd.Timestamp(cleared).to_pydatetime()) if cleared else end
    near = _nearby(frame, float(incident["lon"]), float(incident["lat"]), radius_m)
    if near.empty:
        return Result(impact(near, pd.DataFrame(), started), segs.as_of)
    window_end = after_end(started, stop)
    series = data.call(
        traffic.segment_series,
        segment_ids=tuple(sorted(near["segment_id"])),
        start=started - IMPACT_BEFORE,
        end=window_end,
        bucket_minutes=5,
    )
    readings = frame_of(series)
    if readings is None:
        return Result(None, series.as_of, series.error or "no readings")
    return Result(impact(near, readings, started, end=stop), series.as_of, series.error)


def roads(view: Overview) -> list[str]:
    """The names of the roads of the shown district (the road filter's choices)."""
    state = frame_of(view.state)
    if state is None or state.empty:
        return []
    return sorted(str(r) for r in state["road_name"].dropna().unique())


def segment_row(view: Overview, segment_id: str) -> dict[str, Any] | None:
    """One segment of the overview's state, as plain data (None when it is not there)."""
    state = frame_of(view.state)
    if state is None:
        return None
    rows = state[state["segment_id"] == segment_id]
    return None if rows.empty else records(rows, rows.columns)[0]


def incident_row(view: Overview, incident_id: str | None) -> dict[str, Any] | None:
    """One incident of the range, as plain data (None when it is not there)."""
    frame = frame_of(view.incidents)
    if frame is None or not incident_id:
        return None
    rows = frame[frame["incident_id"] == incident_id]
    return None if rows.empty else records(rows, rows.columns)[0]


def district_rows(view: Overview) -> pd.DataFrame:
    """The city row and every district's TPI at the end of the range."""
    frame = frame_of(view.districts)
    return frame if frame is not None else pd.DataFrame(columns=["adcode", "tpi", "level"])


def incident_rows(view: Overview) -> pd.DataFrame:
    frame = frame_of(view.incidents)
    return frame if frame is not None else pd.DataFrame(columns=["incident_id"])


def series_rows(series: Result[Any]) -> pd.DataFrame:
    """The rows of a TPI series answer (`Overview.series` or `road_series`)."""
    frame = frame_of(series)
    return frame if frame is not None else pd.DataFrame(columns=["ts", "tpi"])


def map_features(
    view: Overview, *, road: str | None = None, level: int | None = None
) -> dict[str, Any]:
    """The segments on the map (the same filters as the table) as a GeoJSON FeatureCollection
    of lines with their state at the end of the range."""
    rows = segment_rows(view, road=road, level=level)
    props = [c for c in TABLE_COLUMNS if c in rows.columns]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(p) for p in parse_path(path)]},
            "properties": rec,
        }
        for path, rec in zip(rows["path"], records(rows, props), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def road_series(
    data: DataLike, view: Overview, road: str, *, start: datetime, end: datetime
) -> Result[Any]:
    """One road's TPI and speed per bucket of the range (the bucket of `tpi_series`), from its
    segments' buckets weighted as the network TPI (`brain.traffic_profile.network_series`)."""
    segs = segment_rows(view, road=road)
    if segs.empty:
        return Result(network_series(pd.DataFrame(), segs), view.state.as_of, view.state.error)
    answer = data.call(
        traffic.segment_series,
        segment_ids=tuple(sorted(str(s) for s in segs["segment_id"])),
        start=start,
        end=end,
        bucket_minutes=bucket_minutes_for(start, end),
    )
    frame = frame_of(answer)
    if frame is None:
        return Result(None, answer.as_of, answer.error or "no readings")
    return Result(network_series(frame, segs), answer.as_of, answer.error)
