"""The Emergency page's figures (应急指挥): events of the range, warnings and the typhoon signal in
force, resources with capacity, the nearest resources of an event by road, and the replay of a
storm (Mujigae, 彩虹 2015, in the simulated city) at any step of its track.

`load(data, start, end, adcode, now)` asks the overview's answers at once; `event_rows` applies
the page's own filter (event kind) to the events answer, so the table on screen and its export
are the same rows. `detail(...)` is one event and its nearest resources by travel time on the
road network (`services.roadnet`). `replay(data, now, at)` is the storm at `at`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pandas as pd

from brain.emergency_page import (
    by_district,
    by_kind_level,
    forecast_cone,
    nearest_index,
    replay_steps,
    resource_summary,
    warning_areas,
)
from data_adapters import emergency
from data_adapters.result import Result
from services import roadnet
from services.fetch import DataLike, fetch, frame_of

__all__ = [
    "EVENT_COLUMNS",
    "MUJIGAE",
    "NEAREST_COLUMNS",
    "NEAREST_K",
    "REPLAY_SLACK",
    "REPLAY_STEP",
    "RESOURCE_KINDS",
    "EmergencyView",
    "EventDetail",
    "Replay",
    "detail",
    "event_rows",
    "load",
    "map_features",
    "nearest_rows",
    "replay",
]

EVENT_COLUMNS: Final = (
    "event_id",
    "title",
    "kind",
    "level",
    "status",
    "adcode",
    "reported_ts",
    "ts",
    "casualties",
    "lon",
    "lat",
)
NEAREST_COLUMNS: Final = (
    "resource_id",
    "name",
    "kind",
    "adcode",
    "capacity",
    "minutes",
    "network_km",
    "straight_km",
    "access_minutes",
    "lon",
    "lat",
)
RESOURCE_KINDS: Final = ("shelter", "depot", "rescue_team", "boat")
NEAREST_K: Final = 5  # resources listed for an event
REPLAY_STEP: Final = timedelta(hours=3)  # the replay slider's stops (the track's cadence)
MUJIGAE: Final = "1522"  # the scenario's storm (CMA number of Mujigae, 2015)
_HOUR = timedelta(hours=1)
# The data service floors a query's `now` to its lifetime's step (30-60 s here); replay steps fall
# on the track's fixes, so each is asked this much later: the floored time is then at or after
# the step (and at most this much after it), never the fix before.
REPLAY_SLACK: Final = timedelta(seconds=60)


@dataclass(frozen=True)
class EmergencyView:
    """The overview's answers: events (active at the end of the range or reported in it),
    warnings in force, the typhoon signal in force and the resources, in the district."""

    at: datetime  # the end of the range, or now when it ends later
    start: datetime
    events: Result[Any]
    warnings: Result[Any]
    signal: Result[Any]
    resources: Result[Any]

    def kinds(self) -> pd.DataFrame:
        """Events by kind and level (every kind: the chart is where a kind is chosen)."""
        return by_kind_level(event_rows(self, None))

    def districts(self, kind: str | None = None) -> dict[str, int]:
        return by_district(event_rows(self, kind))

    def capacity(self) -> pd.DataFrame:
        frame = frame_of(self.resources)
        return resource_summary(frame if frame is not None else pd.DataFrame())

    def areas(self) -> list[dict[str, Any]]:
        frame = frame_of(self.warnings)
        return warning_areas(frame) if frame is not None else []


def load(
    data: DataLike, start: datetime, end: datetime, adcode: str | None, now: datetime
) -> EmergencyView:
    """The overview of `[start, end)` in district `adcode` (None: the city)."""
    at = min(end, now)
    # whole hours of lookback, so that a range growing with the clock ("today") keeps one
    # query shape per hour; `event_rows` trims to the range's start
    hours = max(1, math.ceil((at - start) / _HOUR))
    ev, warn, sig, res = fetch(
        data,
        (
            emergency.events,
            {"now": at, "adcode": adcode, "active_only": False, "lookback": hours * _HOUR},
        ),
        (emergency.warnings_in_force, {"now": at, "adcode": adcode}),
        (emergency.typhoon_signal_now, {"now": at, "adcode": adcode}),
        (emergency.resources, {"adcode": adcode}),
    )
    return EmergencyView(at, start, ev, warn, sig, res)


def event_rows(view: EmergencyView, kind: str | None) -> pd.DataFrame:
    """The events on screen: active at the end of the range or reported in it, of `kind`."""
    frame = frame_of(view.events)
    if frame is None or frame.empty:
        return pd.DataFrame(columns=list(EVENT_COLUMNS))
    keep = (frame["status"] != "closed") | (frame["reported_ts"] >= pd.Timestamp(view.start))
    if kind:
        keep &= frame["kind"] == kind
    return frame.loc[keep, list(EVENT_COLUMNS)].reset_index(drop=True)


@dataclass(frozen=True)
class EventDetail:
    """One event (None: not among the events of the view) and its nearest resources by road."""

    event: dict[str, Any] | None
    nearest: Result[Any]


def detail(
    data: DataLike, view: EmergencyView, event_id: str, resource_kind: str | None
) -> EventDetail:
    """The event `event_id` of the view and the `NEAREST_K` resources (of `resource_kind`)
    quickest to reach from it on the road network as it flows at the view's time."""
    rows = event_rows(view, None)
    match = rows[rows["event_id"] == event_id]
    if match.empty:
        return EventDetail(None, Result(None, view.at, None))
    event = {str(k): v for k, v in match.iloc[0].to_dict().items()}
    candidates = data.call(emergency.resources, kind=resource_kind)
    origin = (float(event["lon"]), float(event["lat"]))
    nearest = roadnet.nearest(data, view.at, origin, candidates, NEAREST_K)
    return EventDetail(event, nearest)


def nearest_rows(found: EventDetail) -> pd.DataFrame:
    """The nearest-resources table of an event detail (the rows its export writes)."""
    frame = frame_of(found.nearest)
    if frame is None or frame.empty:
        return pd.DataFrame(columns=list(NEAREST_COLUMNS))
    out = frame[list(NEAREST_COLUMNS)].copy()
    for col in ("minutes", "network_km", "straight_km", "access_minutes"):
        out[col] = out[col].astype("float64").round(2)
    return out


@dataclass(frozen=True)
class Replay:
    """A storm at one step of its replay: the steps, the step shown, the track known then (with
    its forecast cone), the signal and the warnings in force then."""

    storm: dict[str, Any] | None  # None: no storm in the data
    steps: list[datetime]
    at: datetime | None
    track: Result[Any]
    cone: list[list[float]] | None
    signal: Result[Any]
    warnings: Result[Any]

    def areas(self) -> list[dict[str, Any]]:
        """The areas of the warnings in force at the step."""
        frame = frame_of(self.warnings)
        return warning_areas(frame) if frame is not None else []


def _storm(data: DataLike, now: datetime) -> tuple[dict[str, Any] | None, Result[Any]]:
    found = data.call(emergency.storms, now=now)
    frame = frame_of(found)
    if frame is None or frame.empty:
        return None, found
    pick = frame[frame["storm_id"] == MUJIGAE]
    row = (pick if not pick.empty else frame).iloc[0].to_dict()
    return {str(k): v for k, v in row.items()}, found


def _utc(value: Any) -> datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    when: datetime = stamp.to_pydatetime()
    return when


def _peak(data: DataLike, last: datetime) -> datetime | None:
    """When the storm's observed wind was strongest (Mujigae: its landfall)."""
    track = frame_of(data.call(emergency.typhoon_track, now=last + REPLAY_SLACK))
    if track is None or track.empty:
        return None
    obs = track[track["kind"] == "observed"]
    if obs.empty:
        return None
    return _utc(obs.sort_values(["wind_ms", "ts"], ascending=[False, True]).iloc[0]["ts"])


def replay(data: DataLike, now: datetime, at: datetime | None) -> Replay:
    """The scenario storm (Mujigae, else the newest storm) at the replay step nearest `at`
    (None: the step of its strongest wind)."""
    storm, found = _storm(data, now)
    empty: Result[Any] = Result(None, None, found.error)
    if storm is None:
        return Replay(None, [], None, empty, None, empty, empty)
    first, last = _utc(storm["first_ts"]), _utc(storm["last_ts"])
    steps = replay_steps(first, last, REPLAY_STEP)
    wanted = at or _peak(data, last) or last
    shown = steps[nearest_index(steps, wanted)]
    asked = shown + REPLAY_SLACK
    track, signal, warnings = fetch(
        data,
        (emergency.typhoon_track, {"now": asked}),
        (emergency.typhoon_signal_now, {"now": asked}),
        (emergency.warnings_in_force, {"now": asked}),
    )
    frame = frame_of(track)
    cone = forecast_cone(frame) if frame is not None and not frame.empty else None
    return Replay(storm, steps, shown, track, cone, signal, warnings)


def map_features(view: EmergencyView, kind: str | None) -> dict[str, Any]:
    """The map's features under the page's filters as a GeoJSON FeatureCollection: the events
    on screen (points), the warning areas in force (polygons) and the resources (points)."""
    features: list[dict[str, Any]] = []
    for row in event_rows(view, kind).to_dict("records"):
        props = {str(k): _plain(v) for k, v in row.items() if k not in ("lon", "lat")}
        features.append(_point(row["lon"], row["lat"], {"layer": "event", **props}))
    for area in view.areas():
        props = {k: v for k, v in area.items() if k != "ring"}
        geometry = {"type": "Polygon", "coordinates": [area["ring"]]}
        features.append(
            {"type": "Feature", "geometry": geometry, "properties": {"layer": "warning", **props}}
        )
    res = frame_of(view.resources)
    for row in res.to_dict("records") if res is not None else []:
        props = {str(k): _plain(v) for k, v in row.items() if k not in ("lon", "lat")}
        features.append(_point(row["lon"], row["lat"], {"layer": "resource", **props}))
    return {"type": "FeatureCollection", "features": features}


def _point(lon: Any, lat: Any, props: dict[str, Any]) -> dict[str, Any]:
    geometry = {"type": "Point", "coordinates": [float(lon), float(lat)]}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _plain(v: Any) -> Any:
    if isinstance(v, pd.Timestamp | datetime):
        return v.isoformat()
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v
