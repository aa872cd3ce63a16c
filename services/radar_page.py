"""The radar page's figures (海上雷达): the sea at one moment of a playback — vessels with their
tails, radar targets without AIS (dark vessels), zone intrusions, loitering, vessels outside the
register — and one vessel's track over the range.

The sea has no districts: a vessel's district is the nearest one (`services.geography`), so the
district filter keeps the vessels off its coast. `load(data, at, adcode)` asks every answer of a
moment at once; the table builders give the rows on screen (and in the exports).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd

from brain.radar_page import LOITER_COLUMNS, loitering, playback_steps, unregistered
from data_adapters import radar
from data_adapters.result import Result
from services.fetch import DERIVED, DataLike, fetch, frame_of
from services.geography import adcodes_of
from services.radar import positions, vessel_calls, zone_intrusions

__all__ = [
    "EVENT_COLUMNS",
    "LOITER_WINDOW",
    "TAIL",
    "VESSEL_COLUMNS",
    "RadarView",
    "at_time",
    "counts",
    "dark_rows",
    "event_rows",
    "load",
    "loiter_rows",
    "map_features",
    "track",
    "track_features",
    "unregistered_rows",
    "vessel_rows",
]

TAIL: Final = timedelta(minutes=30)  # the trail drawn behind each vessel
LOITER_WINDOW: Final = timedelta(hours=2)  # how far back loitering is looked for
VESSEL_COLUMNS: Final = (
    "mmsi",
    "name",
    "vessel_type",
    "registered",
    "callsign",
    "length_m",
    "ts",
    "lon",
    "lat",
    "sog",
    "cog",
    "nav_status",
    "adcode",
)
EVENT_COLUMNS: Final = (
    "kind",
    "mmsi",
    "track_id",
    "name",
    "zone_name",
    "rule",
    "ts",
    "minutes",
    "lon",
    "lat",
    "adcode",
)


@dataclass(frozen=True)
class RadarView:
    """The answers of one moment (each its own Result)."""

    at: datetime
    positions: Result[Any]
    tails: Result[Any]
    dark: Result[Any]
    intrusions: Result[Any]
    zones: Result[Any]
    recent: Result[Any]  # AIS points of the loitering window


def at_time(value: str | None, start: datetime, end: datetime) -> datetime:
    """The playback's moment from the URL (`t`, epoch seconds), on the playback's steps
    (`brain.radar_page.playback_steps`: what the slider can stop at) inside `[start, end]`; the
    end of the range when it is missing or not a number."""
    try:
        t = datetime.fromtimestamp(int(str(value)), start.tzinfo)
    except (TypeError, ValueError, OverflowError, OSError):
        return end
    if t >= end:
        return end
    steps = playback_steps(start, end)
    return max([s for s in steps if s <= t], default=start)


def load(data: DataLike, at: datetime) -> RadarView:
    """Every answer of the moment `at`. The vessel positions and zone intrusions are derived
    from the AIS reports and register as the wall derives them (`services.radar`), with no
    query of their own."""
    reports, register, tails, dark, zones, recent = fetch(
        data,
        *vessel_calls(at),
        (radar.tails, {"now": at, "lookback": TAIL}),
        (radar.dark_targets, {"now": at}),
        (radar.zones, {}),
        (radar.tails, {"now": at, "lookback": LOITER_WINDOW}),
    )
    found = positions(reports, register)
    return RadarView(at, found, tails, dark, zone_intrusions(found, zones), zones, recent)


def _placed(frame: pd.DataFrame | None, adcode: str | None) -> pd.DataFrame:
    """`frame` with each row's nearest district, only those of `adcode` (None: all)."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=[*(frame.columns if frame is not None else []), "adcode"])
    out = frame.assign(adcode=adcodes_of(frame))
    return out if adcode is None else out[out["adcode"] == adcode].reset_index(drop=True)


def vessel_rows(view: RadarView, adcode: str | None) -> pd.DataFrame:
    """The vessels at the moment (off the district's coast)."""
    frame = _placed(frame_of(view.positions), adcode)
    return frame[[c for c in VESSEL_COLUMNS if c in frame.columns]].reset_index(drop=True)


def dark_rows(view: RadarView, adcode: str | None) -> pd.DataFrame:
    return _placed(frame_of(view.dark), adcode)


def loiter_rows(view: RadarView, adcode: str | None) -> pd.DataFrame:
    """Loitering episodes of the window before the moment that still last at it (their last
    point within the tail), with the vessel's name."""
    points, zones = frame_of(view.recent), frame_of(view.zones)
    if points is None or zones is None:
        return pd.DataFrame(columns=[*LOITER_COLUMNS, "name", "adcode"])
    found = DERIVED(
        "radar.loitering", (view.recent.key, view.zones.key), lambda: loitering(points, zones)
    )
    found = found[found["end"] > pd.Timestamp(view.at - TAIL)]
    names = vessel_rows(view, None)[["mmsi", "name"]]
    return _placed(found.merge(names, on="mmsi", how="left"), adcode)


def unregistered_rows(view: RadarView, adcode: str | None) -> pd.DataFrame:
    return unregistered(vessel_rows(view, adcode))


def event_rows(view: RadarView, adcode: str | None) -> pd.DataFrame:
    """What needs a look at the moment, one table: zone intrusions, loitering, dark targets."""
    parts = []
    intr = _placed(frame_of(view.intrusions), adcode)
    if not intr.empty:
        parts.append(intr.assign(kind="intrusion", track_id=None, minutes=None))
    loit = loiter_rows(view, adcode)
    if not loit.empty:
        parts.append(
            loit.assign(kind="loitering", track_id=None, rule=None, ts=loit["end"])[
                ["kind", "mmsi", "name", "zone_name", "ts", "minutes", "lon", "lat", "adcode"]
            ]
        )
    dark = dark_rows(view, adcode)
    if not dark.empty:
        parts.append(dark.assign(kind="dark", mmsi=None, name=None, zone_name=None, rule=None))
    cols = list(EVENT_COLUMNS)
    if not parts:
        return pd.DataFrame(columns=cols)
    frames = [p.reindex(columns=cols).astype(object) for p in parts]
    return pd.concat(frames, ignore_index=True)


def counts(view: RadarView, adcode: str | None) -> dict[str, int | None]:
    """The headline figures of the moment."""
    vessels = vessel_rows(view, adcode)
    if frame_of(view.positions) is None:
        return dict.fromkeys(
            ("vessels", "moving", "dark", "intrusions", "loitering", "unregistered")
        )
    moving = vessels["sog"].astype("float64").fillna(0) >= 0.5 if len(vessels) else []
    events = event_rows(view, adcode)
    return {
        "vessels": len(vessels),
        "moving": int(sum(moving)),
        "dark": int((events["kind"] == "dark").sum()),
        "intrusions": int((events["kind"] == "intrusion").sum()),
        "loitering": int((events["kind"] == "loitering").sum()),
        "unregistered": len(unregistered(vessels)),
    }


def track(data: DataLike, mmsi: int, start: datetime, end: datetime) -> Result[Any]:
    """One vessel's AIS track over the range."""
    return data.call(radar.track, mmsi=mmsi, start=start, end=end)


def track_features(frame: pd.DataFrame | None, mmsi: int) -> Any:
    """A track as GeoJSON features: its points (with time, speed, course) and the line."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    frame = frame if frame is not None else pd.DataFrame(columns=["ts", "lon", "lat"])
    points = gpd.GeoDataFrame(
        frame.assign(mmsi=mmsi, kind="point"),
        geometry=[Point(x, y) for x, y in zip(frame["lon"], frame["lat"], strict=True)],
        crs="EPSG:4326",
    )
    if len(frame) < 2:
        return points
    line = gpd.GeoDataFrame(
        {"mmsi": [mmsi], "kind": ["track"], "points": [len(frame)]},
        geometry=[LineString(list(zip(frame["lon"], frame["lat"], strict=True)))],
        crs="EPSG:4326",
    )
    return gpd.GeoDataFrame(pd.concat([line, points], ignore_index=True), crs="EPSG:4326")


def map_features(view: RadarView, adcode: str | None) -> Any:
    """The vessels and dark targets on screen as points, and the zones as polygons."""
    import geopandas as gpd
    from shapely.geometry import Point, Polygon

    vessels = vessel_rows(view, adcode).assign(kind="vessel")
    dark = dark_rows(view, adcode).assign(kind="dark")
    both = pd.concat([vessels, dark], ignore_index=True)
    geoms = [Point(x, y) for x, y in zip(both["lon"], both["lat"], strict=True)]
    points = gpd.GeoDataFrame(both.drop(columns=["lon", "lat"]), geometry=geoms, crs="EPSG:4326")
    zones = frame_of(view.zones)
    if zones is None or zones.empty:
        return points
    polys = gpd.GeoDataFrame(
        zones.drop(columns=["path"]).assign(kind="zone"),
        geometry=[Polygon(json.loads(p)) for p in zones["path"]],
        crs="EPSG:4326",
    )
    return gpd.GeoDataFrame(pd.concat([points, polys], ignore_index=True), crs="EPSG:4326")
