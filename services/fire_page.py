"""The fire page's figures (智慧消防): IoT alarms and faults by key unit, 119 responses against
the 5-minute standard, each station's 5-minute reach on the road network and the key units
outside every reach, false-alarm rates by unit and device.

`load(data, start, end, adcode)` asks every answer of the page at once (`services.fetch.fetch`)
and the coverage (`services.fire_coverage` on the road graph of `services.roadnet`, city-wide:
a station of the next district covers units across the boundary), kept once per distinct
answer. The row builders (`unit_rows`, `incident_rows`, `alarm_rows`) apply the page's own
filters (unit category, outside reach only, a selected station) to those answers, so a table
on screen and its export are the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from brain import fire_page as figures
from brain.memo import Memo, combine
from data_adapters import fire
from data_adapters.result import Result
from services import fire_coverage, roadnet
from services.data import floor_time
from services.fetch import DataLike, fetch, frame_of

__all__ = [
    "ALARM_COLUMNS",
    "COVERAGE_STEP_S",
    "INCIDENT_COLUMNS",
    "UNIT_COLUMNS",
    "FireDetail",
    "FireView",
    "alarm_rows",
    "areas_in_view",
    "category_counts",
    "coverage",
    "detail",
    "district_coverage",
    "entity_name",
    "entity_place",
    "incident_rows",
    "load",
    "map_features",
    "station_rows",
    "stations_in_view",
    "summary",
    "unit_rows",
]

# Reach is drawn at the road speeds of the last 5-minute step: speeds move slowly against the
# 5-minute standard, and the graph and its 38 reaches are then built once per step, not per
# traffic refresh.
COVERAGE_STEP_S: Final = 300
COVERAGES = Memo(4)

UNIT_COLUMNS: Final = (
    "unit_id",
    "name",
    "category",
    "adcode",
    "devices",
    "covered",
    "stations",
    "minutes",
    "nearest_station",
    "nearest_name",
    "alarms",
    "false_alarms",
    "real_fires",
    "false_rate",
    "faulty_devices",
    "fault_rate",
    "lon",
    "lat",
)
INCIDENT_COLUMNS: Final = (
    "incident_id",
    "station_id",
    "station_name",
    "adcode",
    "kind",
    "call_ts",
    "dispatch_ts",
    "arrival_ts",
    "handling_s",
    "response_s",
    "wait_s",
    "meets_standard",
)
ALARM_COLUMNS: Final = (
    "ts",
    "device_id",
    "unit_id",
    "unit_name",
    "category",
    "adcode",
    "confirmed",
    "lon",
    "lat",
)


@dataclass(frozen=True)
class FireView:
    """The page's answers for one range and district (each its own Result)."""

    alarms: Result[Any]  # device events in the range by kind and verification
    live: Result[Any]  # alarms up at the end of the range
    responses: Result[Any]  # incidents called in the range with an arrival
    summary: Result[Any]  # median, p90 and share within the standard
    false_rates: Result[Any]  # per unit with an alarm in the range
    faults: Result[Any]  # per unit: devices with a fault or offline
    stations: Result[Any]  # every station of the city
    units: Result[Any]  # every key unit of the city
    coverage: Result[fire_coverage.Coverage]  # city-wide, at the end of the range
    adcode: str | None


def coverage(
    data: DataLike, now: datetime, stations: Result[Any], units: Result[Any]
) -> Result[fire_coverage.Coverage]:
    """Station reach and unit coverage at `now` (floored to `COVERAGE_STEP_S`), kept once per
    distinct graph, stations and units."""
    g = roadnet.graph(data, floor_time(now, COVERAGE_STEP_S))
    st, un = frame_of(stations), frame_of(units)
    if g.value is None or st is None or un is None:
        return Result(None, g.as_of, g.error or stations.error or units.error or "no coverage")
    keys = (g.key, stations.key, units.key)
    graph = g.value
    found = COVERAGES("fire.coverage", keys, lambda: fire_coverage.coverage(graph, st, un))
    return Result(found, g.as_of, g.error or stations.error or units.error, combine(*keys))


def load(data: DataLike, start: datetime, end: datetime, adcode: str | None) -> FireView:
    """Every answer of the page for `[start, end)` in district `adcode` (None: the city)."""
    window = {"start": start, "end": end, "adcode": adcode}
    results = fetch(
        data,
        (fire.alarms, window),
        (fire.live_alarms, {"now": end, "adcode": adcode}),
        (fire.response_times, window),
        (fire.response_summary, window),
        (fire.false_alarm_rates, window),
        (fire.fault_rates, window),
        (fire.stations, {}),
        (fire.units, {}),
    )
    alarms, live, responses, resp, rates, faults, stations, units = results
    return FireView(
        alarms,
        live,
        responses,
        resp,
        rates,
        faults,
        stations,
        units,
        coverage(data, end, stations, units),
        adcode,
    )


def _in(frame: pd.DataFrame, adcode: str | None) -> pd.DataFrame:
    return frame if adcode is None else frame[frame["adcode"] == adcode]


def unit_rows(v: FireView, category: str | None = None, outside_only: bool = False) -> pd.DataFrame:
    """The key units of the district with their coverage, false alarms and faults in the range
    (filtered by `category` and to those outside every reach), outside ones first, farthest
    first, then most false alarms."""
    units = frame_of(v.units)
    if units is None:
        return pd.DataFrame(columns=list(UNIT_COLUMNS))
    out = _in(units, v.adcode)
    cov = v.coverage.value
    if cov is not None:
        out = out.merge(
            cov.units[["unit_id", "covered", "stations", "minutes", "nearest_station"]],
            on="unit_id",
            how="left",
        )
        names = frame_of(v.stations)
        lookup = (
            dict(zip(names["station_id"], names["name"], strict=True)) if names is not None else {}
        )
        out["nearest_name"] = out["nearest_station"].map(lookup)
    else:
        out = out.assign(
            covered=None, stations=None, minutes=None, nearest_station=None, nearest_name=None
        )
    rates = frame_of(v.false_rates)
    cols = ["alarms", "false_alarms", "real_fires", "false_rate"]
    if rates is not None:
        out = out.merge(rates[["unit_id", *cols]], on="unit_id", how="left")
        out[cols[:3]] = out[cols[:3]].fillna(0).astype("int64")
    else:
        out = out.assign(**dict.fromkeys(cols))
    faults = frame_of(v.faults)
    if faults is not None:
        out = out.merge(
            faults[["unit_id", "faulty_devices", "fault_rate"]], on="unit_id", how="left"
        )
    else:
        out = out.assign(faulty_devices=None, fault_rate=None)
    if category:
        out = out[out["category"] == category]
    if outside_only and cov is not None:
        out = out[~out["covered"].astype(bool)]
    if cov is not None:
        out = out.sort_values(
            ["covered", "minutes", "false_alarms", "unit_id"],
            ascending=[True, False, False, True],
            na_position="first",
        )
    return out[list(UNIT_COLUMNS)].reset_index(drop=True)


def incident_rows(v: FireView, station_id: str | None = None) -> pd.DataFrame:
    """119 incidents called in the range with an arrival and their stages, newest first (of one
    station when `station_id`)."""
    r = frame_of(v.responses)
    if r is None or r.empty:
        return pd.DataFrame(columns=list(INCIDENT_COLUMNS))
    out = figures.response_stages(r)
    if station_id is not None:
        out = out[out["station_id"] == station_id]
    out = out.sort_values(["call_ts", "incident_id"], ascending=[False, True])
    return out[list(INCIDENT_COLUMNS)].reset_index(drop=True)


def alarm_rows(v: FireView, category: str | None = None) -> pd.DataFrame:
    """Alarms up at the end of the range (of units of `category`), newest first."""
    live = frame_of(v.live)
    if live is None:
        return pd.DataFrame(columns=list(ALARM_COLUMNS))
    if category:
        live = live[live["category"] == category]
    return live[list(ALARM_COLUMNS)].reset_index(drop=True)


def station_rows(v: FireView) -> pd.DataFrame:
    """Per station with incidents in the range: `brain.fire_page.station_responses` and the
    station's own `adcode`."""
    r, st = frame_of(v.responses), frame_of(v.stations)
    if r is None or r.empty:
        return pd.DataFrame(
            columns=[
                "station_id",
                "station_name",
                "incidents",
                "median_s",
                "p90_s",
                "worst_s",
                "adcode",
            ]
        )
    out = figures.station_responses(figures.response_stages(r))
    where = dict(zip(st["station_id"], st["adcode"], strict=True)) if st is not None else {}
    return out.assign(adcode=out["station_id"].map(where))


def stations_in_view(v: FireView) -> pd.DataFrame | None:
    """The stations the map shows: every one for the city; for a district, those whose reach
    is in view (`areas_in_view`)."""
    st = frame_of(v.stations)
    if st is None or v.adcode is None:
        return st
    areas = areas_in_view(v)
    held = (
        set(areas["station_id"])
        if areas is not None
        else set(st.loc[st["adcode"] == v.adcode, "station_id"])
    )
    return st[st["station_id"].isin(held)]


def category_counts(v: FireView) -> pd.DataFrame:
    """Alarms in the range per unit category: `category, false_alarms, real_fires,
    unverified` (alarm rows with no verdict), most alarms first."""
    rates = frame_of(v.false_rates)
    cols = ["category", "false_alarms", "real_fires", "unverified"]
    if rates is None or rates.empty:
        return pd.DataFrame(columns=cols)
    r = rates.assign(unverified=rates["alarms"] - rates["verified"])
    out = r.groupby("category")[cols[1:]].sum().reset_index()
    out["total"] = out[cols[1:]].sum(axis=1)
    return out.sort_values(["total", "category"], ascending=[False, True]).reset_index(drop=True)


def _first(result: Result[Any]) -> dict[str, Any]:
    frame = frame_of(result)
    return {} if frame is None or frame.empty else dict(frame.iloc[0])


def summary(v: FireView) -> dict[str, Any]:
    """Headline figures: live alarms, alarms in the range and how many were false, the response
    summary, and the units of the district outside every reach."""
    counts = frame_of(v.alarms)
    live = frame_of(v.live)
    out: dict[str, Any] = {"live": None if live is None else len(live)}
    if counts is not None:
        a = counts[counts["kind"] == "alarm"]
        verdict = a["confirmed"].astype("boolean")
        out["alarms"] = int(a["events"].sum())
        out["false_alarms"] = int(a.loc[verdict.eq(False).fillna(False), "events"].sum())
        out["real_fires"] = int(a.loc[verdict.eq(True).fillna(False), "events"].sum())
        verified = out["false_alarms"] + out["real_fires"]
        out["false_rate"] = out["false_alarms"] / verified if verified else None
        out["faults"] = int(counts.loc[counts["kind"].isin(["fault", "offline"]), "events"].sum())
    resp = _first(v.summary)
    out["incidents"] = resp.get("incidents")
    out["median_s"] = resp.get("median_s")
    out["within_share"] = resp.get("within_standard_share")
    cov = v.coverage.value
    if cov is not None:
        units = _in(cov.units, v.adcode)
        out["units"] = len(units)
        out["outside"] = int((~units["covered"]).sum())
        out["covered_share"] = float(units["covered"].mean()) if len(units) else None
    return out


def district_coverage(v: FireView) -> pd.DataFrame:
    """Units covered per district (the choropleth)."""
    cov = v.coverage.value
    if cov is None:
        return pd.DataFrame(columns=["adcode", "units", "covered", "share"])
    return figures.coverage_by_district(cov.units)


def areas_in_view(v: FireView) -> gpd.GeoDataFrame | None:
    """The reach areas of the stations of the district and of those covering its units."""
    cov, st = v.coverage.value, frame_of(v.stations)
    if cov is None or st is None:
        return None
    if v.adcode is None:
        return cov.areas
    own = set(st.loc[st["adcode"] == v.adcode, "station_id"])
    units = _in(cov.units, v.adcode)
    for held in units["stations"]:
        own.update(s for s in str(held).split(",") if s)
    return cov.areas[cov.areas["station_id"].isin(own)]


def map_features(
    v: FireView, category: str | None = None, outside_only: bool = False
) -> gpd.GeoDataFrame:
    """What the map shows, as features: the reach areas in view (`layer` "reach") and the units
    of the table (`layer` "unit", with their coverage)."""
    areas = areas_in_view(v)
    parts: list[gpd.GeoDataFrame] = []
    if areas is not None:
        a = areas.assign(layer="reach").rename(columns={"name": "label"})
        parts.append(a[["layer", "station_id", "label", "road_km", "area_km2", "geometry"]])
    rows = unit_rows(v, category, outside_only)
    pts = gpd.GeoDataFrame(
        rows.drop(columns=["lon", "lat"]).assign(layer="unit").rename(columns={"name": "label"}),
        geometry=gpd.points_from_xy(rows["lon"], rows["lat"]),
        crs="EPSG:4326",
    )
    parts.append(pts)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")


@dataclass(frozen=True)
class FireDetail:
    """One key unit or one station: `kind` ("unit"/"station"), its row, and what belongs to it."""

    kind: str
    row: Mapping[str, Any]
    events: Result[Any] | None = None  # a unit's device events in the range
    devices: Result[Any] | None = None  # a unit's devices by false alarms
    incidents: pd.DataFrame | None = None  # a station's incidents in the range
    responses: Mapping[str, Any] | None = None  # a station's response figures
    reach: Mapping[str, Any] | None = None  # a station's reach (road km, area, units held)


def detail(
    data: DataLike, v: FireView, entity: str, start: datetime, end: datetime
) -> FireDetail | None:
    """The unit or station `entity` (None when it is neither)."""
    st = frame_of(v.stations)
    if st is not None and entity in set(st["station_id"]):
        row = dict(st[st["station_id"] == entity].iloc[0])
        per = station_rows(v)
        mine = per[per["station_id"] == entity]
        reach: dict[str, Any] = {}
        cov = v.coverage.value
        if cov is not None:
            area = cov.areas[cov.areas["station_id"] == entity]
            if not area.empty:
                reach = {
                    "road_km": float(area["road_km"].iloc[0]),
                    "area_km2": float(area["area_km2"].iloc[0]),
                    "units": int(
                        cov.units["stations"].str.split(",").apply(lambda s: entity in s).sum()
                    ),
                }
        return FireDetail(
            "station",
            row,
            incidents=incident_rows(v, entity),
            responses=dict(mine.iloc[0]) if not mine.empty else {},
            reach=reach,
        )
    units = unit_rows(v)
    found = units[units["unit_id"] == entity]
    if found.empty:
        units_all = frame_of(v.units)
        if units_all is None or entity not in set(units_all["unit_id"]):
            return None
        found = units_all[units_all["unit_id"] == entity]
    events, devices = fetch(
        data,
        (fire.unit_events, {"unit_id": entity, "start": start, "end": end}),
        (fire.device_false_alarms, {"start": start, "end": end, "unit_id": entity, "n": 20}),
    )
    return FireDetail("unit", dict(found.iloc[0]), events=events, devices=devices)


def entity_place(v: FireView, entity: str | None) -> tuple[float, float] | None:
    """Where the unit or station `entity` is (lon, lat), None when it is neither."""
    if entity is None:
        return None
    for result, key in ((v.stations, "station_id"), (v.units, "unit_id")):
        frame = frame_of(result)
        if frame is not None:
            hit = frame[frame[key] == entity]
            if not hit.empty:
                return float(hit["lon"].iloc[0]), float(hit["lat"].iloc[0])
    return None


def entity_name(data: DataLike, entity: str) -> str | None:
    """The name of the unit or station `entity` (the breadcrumb's last level)."""
    answers = fetch(data, (fire.stations, {}), (fire.units, {}))
    for result, key in zip(answers, ("station_id", "unit_id"), strict=True):
        frame = frame_of(result)
        if frame is not None:
            hit = frame.loc[frame[key] == entity, "name"]
            if not hit.empty:
                return str(hit.iloc[0])
    return None
