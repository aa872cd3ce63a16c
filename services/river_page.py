"""The river page's figures (河长制): sections and their class at the end of the range, reaches
with their chiefs and patrols over the range, problems reported in it, and one section's detail.

`load(data, start, end, adcode)` asks every answer of the page at once (`services.fetch.fetch`);
the table builders (`sections_rows`, `problem_rows`, `reach_rows`) apply the page's own filters
(class, below target) to those answers, so the table on screen and its export are the same rows.
`detail(data, station_id, start, end)` is one section's history, reach, chiefs and patrols.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd

from brain.districts import CITY_ADCODE
from brain.river_page import Chief, chief_chain, class_counts
from data_adapters import river
from data_adapters.result import Result
from services.fetch import DataLike, fetch, frame_of, records

__all__ = [
    "PROBLEM_COLUMNS",
    "REACH_COLUMNS",
    "SECTION_COLUMNS",
    "RiverDetail",
    "RiverView",
    "counts",
    "detail",
    "load",
    "map_features",
    "problem_rows",
    "reach_paths",
    "reach_rows",
    "sections_rows",
    "station_name",
    "summary",
]

SECTION_COLUMNS: Final = (
    "station_id",
    "name",
    "river_name",
    "reach_name",
    "adcode",
    "water_class",
    "target_class",
    "meets_target",
    "chief_name",
    "chief_level",
    "ts",
    "do",
    "codmn",
    "cod",
    "bod5",
    "nh3n",
    "tp",
    "lon",
    "lat",
    "reach_id",
)
PROBLEM_COLUMNS: Final = (
    "problem_id",
    "river_name",
    "reach_name",
    "adcode",
    "chief_name",
    "category",
    "status",
    "reported_ts",
    "ts",
    "description",
    "reach_id",
)
REACH_COLUMNS: Final = (
    "reach_id",
    "river_name",
    "reach_name",
    "adcode",
    "chief_level",
    "chief_name",
    "length_km",
    "patrols",
    "distance_km",
    "last_ts",
)


@dataclass(frozen=True)
class RiverView:
    """The page's answers for one range and district (each its own Result: one failing query
    leaves the others on screen)."""

    sections: Result[Any]  # stations_latest at the end of the range
    compliance: Result[Any]  # the city and every district (the choropleth)
    reaches: Result[Any]  # every reach of the city, with its line (map and chiefs)
    patrols: Result[Any]  # reaches of the district with their patrols in the range
    coverage: Result[Any]  # patrol coverage of the city and districts in the range
    problems: Result[Any]  # problems reported in the range or still open at its end
    summary: Result[Any]  # closure of the problems reported in the range


def load(data: DataLike, start: datetime, end: datetime, adcode: str | None) -> RiverView:
    """Every answer of the page for `[start, end)` in district `adcode` (None: the city)."""
    span = max(end - start, timedelta(minutes=1))
    results = fetch(
        data,
        (river.stations_latest, {"now": end, "adcode": adcode}),
        (river.compliance, {"now": end}),
        (river.reaches, {}),
        (river.reach_patrols, {"start": start, "end": end, "adcode": adcode}),
        (river.patrol_coverage, {"start": start, "end": end, "adcode": adcode}),
        (river.problems, {"now": end, "adcode": adcode, "lookback": span}),
        (river.problem_summary, {"now": end, "adcode": adcode, "lookback": span}),
    )
    return RiverView(*results)


def sections_rows(
    view: RiverView, water_class: str | None = None, below: bool = False
) -> pd.DataFrame:
    """The sections on screen: of one class (None: all), only those below target (`below`)."""
    frame = frame_of(view.sections)
    if frame is None:
        return pd.DataFrame(columns=list(SECTION_COLUMNS))
    if water_class is not None:
        frame = frame[frame["water_class"] == water_class]
    if below:
        frame = frame[frame["meets_target"].eq(False).fillna(False)]
    cols = [c for c in SECTION_COLUMNS if c in frame.columns]
    return frame[cols].reset_index(drop=True)


def problem_rows(view: RiverView, reach_id: str | None = None) -> pd.DataFrame:
    """The problems on screen (of one reach with `reach_id`)."""
    frame = frame_of(view.problems)
    if frame is None:
        return pd.DataFrame(columns=list(PROBLEM_COLUMNS))
    if reach_id is not None:
        frame = frame[frame["reach_id"] == reach_id]
    return frame[[c for c in PROBLEM_COLUMNS if c in frame.columns]].reset_index(drop=True)


def reach_rows(view: RiverView) -> pd.DataFrame:
    """Every reach of the district with its chief and its patrols in the range."""
    frame = frame_of(view.patrols)
    if frame is None:
        return pd.DataFrame(columns=list(REACH_COLUMNS))
    return frame[[c for c in REACH_COLUMNS if c in frame.columns]].reset_index(drop=True)


def counts(view: RiverView) -> dict[str, int]:
    """Sections per class I … 劣V (the class chart)."""
    frame = frame_of(view.sections)
    if frame is None or frame.empty:
        return class_counts([])
    return class_counts(None if pd.isna(c) else str(c) for c in frame["water_class"])


def _row(frame: pd.DataFrame | None, adcode: str) -> dict[str, Any]:
    if frame is None or frame.empty:
        return {}
    rows = records(frame[frame["adcode"] == adcode], frame.columns)
    return rows[0] if rows else {}


def summary(view: RiverView, adcode: str | None) -> dict[str, Any]:
    """The headline figures: sections at target (count and share), 劣V sections, patrol coverage,
    problems reported, closed and the closure rate."""
    code = adcode or CITY_ADCODE
    comp = _row(frame_of(view.compliance), code)
    cov = _row(frame_of(view.coverage), code)
    probs = records(frame_of(view.summary), ("reported", "closed", "open", "closure_rate"))
    return {
        "sections": comp.get("sections"),
        "meeting": comp.get("meeting"),
        "share": comp.get("share"),
        "worse_than_v": comp.get("worse_than_v"),
        "reaches": cov.get("reaches"),
        "patrolled": cov.get("patrolled"),
        "coverage": cov.get("coverage"),
        "patrol_km": cov.get("distance_km"),
        **(probs[0] if probs else {}),
    }


@dataclass(frozen=True)
class RiverDetail:
    """One section: its latest row, its readings in the range, its reach's chiefs (city level
    first) and the reach's patrols and problems in the range."""

    station: Mapping[str, Any] | None
    history: Result[Any]
    chiefs: list[Chief]
    patrols: Result[Any]
    problems: pd.DataFrame


def detail(
    data: DataLike, view: RiverView, station_id: str, start: datetime, end: datetime
) -> RiverDetail:
    """The detail of section `station_id` (its row comes from the view's sections)."""
    frame = frame_of(view.sections)
    found = (
        records(frame[frame["station_id"] == station_id], SECTION_COLUMNS)
        if frame is not None
        else []
    )
    station = found[0] if found else None
    reach_id = station["reach_id"] if station else None
    calls: list[Any] = [
        (river.station_history, {"station_id": station_id, "start": start, "end": end})
    ]
    if reach_id is not None:
        calls.append((river.reach_patrols_list, {"reach_id": reach_id, "start": start, "end": end}))
    results = fetch(data, *calls)
    reaches = frame_of(view.reaches)
    chains = chief_chain(records(reaches, reaches.columns)) if reaches is not None else {}
    return RiverDetail(
        station=station,
        history=results[0],
        chiefs=chains.get(str(reach_id), []) if reach_id else [],
        patrols=results[1] if len(results) > 1 else Result.good(pd.DataFrame()),
        problems=problem_rows(view, reach_id) if reach_id else problem_rows(view).iloc[:0],
    )


def map_features(view: RiverView, water_class: str | None = None, below: bool = False) -> Any:
    """The sections on screen as points and the reaches of the district as lines, with their
    class, target and patrols (a GeoDataFrame in WGS-84)."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point

    sections = sections_rows(view, water_class, below)
    points = gpd.GeoDataFrame(
        sections.drop(columns=["lon", "lat"]).assign(kind="section"),
        geometry=[Point(x, y) for x, y in zip(sections["lon"], sections["lat"], strict=True)],
        crs="EPSG:4326",
    )
    reaches = reach_rows(view)
    lines = frame_of(view.reaches)
    paths: dict[str, Any] = {}
    if lines is not None:
        paths = dict(zip(lines["reach_id"], lines["path"], strict=True))

    geoms = [LineString(json.loads(paths[r])) if r in paths else None for r in reaches["reach_id"]]
    lines_gdf = gpd.GeoDataFrame(reaches.assign(kind="reach"), geometry=geoms, crs="EPSG:4326")
    both = pd.concat([points, lines_gdf[lines_gdf.geometry.notna()]], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs="EPSG:4326")


def station_name(data: DataLike, station_id: str) -> str | None:
    """The name of a section (the breadcrumb), None when there is no such section."""
    frame = frame_of(data.call(river.stations))
    if frame is None:
        return None
    found = frame.loc[frame["station_id"] == station_id, "name"]
    return str(found.iloc[0]) if len(found) else None


def reach_paths(view: RiverView) -> pd.DataFrame:
    """The reaches of the district with their line, chief and patrols in the range: what the map
    draws."""
    cols = ["reach_id", "reach_name", "chief_level", "chief_name", "path", "patrols"]
    lines, per = frame_of(view.reaches), frame_of(view.patrols)
    if lines is None or per is None or per.empty:
        return pd.DataFrame(columns=cols)
    return per.merge(lines[["reach_id", "path"]], on="reach_id", how="inner")[cols]
