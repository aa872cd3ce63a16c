"""The river page's figures (河长制): sections and their class at the end of the range, reaches
with their chiefs and patrols over the range, problems reported in it, and one section's detail.

`load(data, start, end, adcode)` asks every answer of the page at once (`services.fetch.fetch`);
the table builders (`sections_rows`, `problem_rows`, `reach_rows`) apply the page's own filters
(class, below target) to those answers, so the table on screen and its export are the same rows.
`detail(data, view, station_id, start, end, patrol)` is one section's history, its reach's chain
of chiefs (as `river_chiefs` stores it), patrols and their GPS tracks, one of them chosen.
Coverage is the share of each reach's line within 50 m of a patrol track in the range
(`brain.river_page.reach_coverage`), worked out once per distinct answer (`COVERAGES`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd

from brain.districts import CITY_ADCODE
from brain.memo import Memo
from brain.river_page import Chief, chief_chains, class_counts, reach_coverage
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
    "coverage",
    "detail",
    "load",
    "map_features",
    "map_tracks",
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
    "coverage",
    "last_ts",
)
COVERAGES = Memo(8)  # coverage of the last few ranges and districts asked


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
    chiefs: Result[Any]  # the chain of chiefs of every reach of the district
    tracks: Result[Any]  # GPS fixes of the district's patrols in the range


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
        (river.reach_chiefs, {"adcode": adcode}),
        (river.patrol_tracks, {"start": start, "end": end, "adcode": adcode}),
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


def _tracks(frame: pd.DataFrame | None) -> list[list[tuple[float, float]]]:
    if frame is None or frame.empty:
        return []
    lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    ids = frame["patrol_id"].to_numpy()
    cuts = [0, *(i for i in range(1, len(ids)) if ids[i] != ids[i - 1]), len(ids)]
    return [list(zip(lon[a:b], lat[a:b], strict=True)) for a, b in itertools.pairwise(cuts)]


def coverage(view: RiverView) -> dict[str, float]:
    """The share (0-1) of each reach of the district within 50 m of a patrol track of the range
    (empty when the reaches or the tracks failed)."""
    lines, per, tracks = frame_of(view.reaches), frame_of(view.patrols), frame_of(view.tracks)
    if lines is None or per is None or tracks is None:
        return {}

    def derive() -> dict[str, float]:
        paths = dict(zip(lines["reach_id"], lines["path"], strict=True))
        own = {r: json.loads(paths[r]) for r in per["reach_id"] if r in paths}
        return reach_coverage(own, _tracks(tracks))

    keys = [view.reaches.key, view.patrols.key, view.tracks.key]
    return COVERAGES("river.coverage", keys, derive)


def reach_rows(view: RiverView) -> pd.DataFrame:
    """Every reach of the district with its chief, its patrols in the range and the share of its
    length they covered (`coverage`, 0-1; null when the tracks are not known)."""
    frame = frame_of(view.patrols)
    if frame is None:
        return pd.DataFrame(columns=list(REACH_COLUMNS))
    shares = coverage(view)
    frame = frame.assign(coverage=[shares.get(r) for r in frame["reach_id"]])
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
        "coverage": _length_share(view),
        "patrol_km": cov.get("distance_km"),
        **(probs[0] if probs else {}),
    }


def _length_share(view: RiverView) -> float | None:
    """The share of the district's river length within 50 m of a patrol track (None: unknown)."""
    per, shares = frame_of(view.patrols), coverage(view)
    if per is None or per.empty or not shares:
        return None
    length = per["length_km"].astype(float)
    total = float(length.sum())
    covered = sum(shares.get(r, 0.0) * km for r, km in zip(per["reach_id"], length, strict=True))
    return covered / total if total > 0 else None


@dataclass(frozen=True)
class RiverDetail:
    """One section: its latest row, its readings in the range, its reach's chiefs (city level
    first), the reach's patrols in the range with their GPS tracks, the patrol chosen (its row,
    None when none or not one of them) and the reach's problems in the range."""

    station: Mapping[str, Any] | None
    history: Result[Any]
    chiefs: list[Chief]
    patrols: Result[Any]
    problems: pd.DataFrame
    tracks: Result[Any]
    patrol: Mapping[str, Any] | None = None


def detail(
    data: DataLike,
    view: RiverView,
    station_id: str,
    start: datetime,
    end: datetime,
    patrol: str | None = None,
) -> RiverDetail:
    """The detail of section `station_id` (its row comes from the view's sections), with the
    patrol `patrol` chosen."""
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
        span = {"reach_id": reach_id, "start": start, "end": end}
        calls += [(river.reach_patrols_list, span), (river.patrol_tracks, span)]
    results = fetch(data, *calls)
    stored = frame_of(view.chiefs)
    chains = chief_chains(records(stored, stored.columns)) if stored is not None else {}
    none = Result.good(pd.DataFrame())
    patrols = results[1] if len(results) > 1 else none
    listed = frame_of(patrols)
    chosen = (
        records(listed[listed["patrol_id"] == patrol], listed.columns)
        if patrol is not None and listed is not None
        else []
    )
    return RiverDetail(
        station=station,
        history=results[0],
        chiefs=chains.get(str(reach_id), []) if reach_id else [],
        patrols=patrols,
        problems=problem_rows(view, reach_id) if reach_id else problem_rows(view).iloc[:0],
        tracks=results[2] if len(results) > 2 else none,
        patrol=chosen[0] if chosen else None,
    )


def map_tracks(view: RiverView, d: RiverDetail | None, adcode: str | None) -> pd.DataFrame:
    """The patrol tracks the map draws: the chosen section's reach's, else the district's (the
    city's would cover every river: none)."""
    cols = ["patrol_id", "reach_id", "ts", "lon", "lat"]
    frame = frame_of(d.tracks) if d is not None else frame_of(view.tracks) if adcode else None
    if frame is None or frame.empty:
        return pd.DataFrame(columns=cols)
    return frame[cols]


def map_features(
    view: RiverView,
    water_class: str | None = None,
    below: bool = False,
    tracks: pd.DataFrame | None = None,
) -> Any:
    """The sections on screen as points, the reaches of the district as lines with their class,
    target, patrols and coverage, and the patrol `tracks` on the map as lines with their patrol
    (a GeoDataFrame in WGS-84)."""
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
    parts = [points, lines_gdf[lines_gdf.geometry.notna()]]
    if tracks is not None and not tracks.empty:
        walked = _track_rows(tracks)
        parts.append(
            gpd.GeoDataFrame(
                walked.drop(columns=["line"]).assign(kind="track"),
                geometry=[LineString(p) if len(p) > 1 else Point(p[0]) for p in walked["line"]],
                crs="EPSG:4326",
            )
        )
    both = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs="EPSG:4326")


def _track_rows(tracks: pd.DataFrame) -> pd.DataFrame:
    """One row per patrol of `tracks`: patrol_id, reach_id, start and end of its fixes, fixes,
    and its line."""
    rows = []
    groups = tracks.groupby("patrol_id", sort=False)
    for line, (pid, fixes) in zip(_tracks(tracks), groups, strict=True):
        rows.append(
            {
                "patrol_id": pid,
                "reach_id": fixes["reach_id"].iloc[0],
                "ts": fixes["ts"].iloc[0],
                "end_ts": fixes["ts"].iloc[-1],
                "fixes": len(fixes),
                "line": line,
            }
        )
    return pd.DataFrame(rows, columns=["patrol_id", "reach_id", "ts", "end_ts", "fixes", "line"])


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
