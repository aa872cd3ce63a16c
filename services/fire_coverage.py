"""Fire-station coverage on the road network: each station's 5-minute reach as an area, and the
key units outside every station's reach.

A station's reach is what `brain.roadnet.reach` finds within the 5-minute standard
(城市消防站建设标准, `FIRE_RESPONSE_STANDARD_S`) from the station at the road speeds of the
moment: the reached edges (partly reached ones cut where the time runs out) and the part of the
straight access leg from the station to its junction driven within the budget. Its area is that
union of lines buffered by `REACH_BUFFER_M` (the frontage and the first block of the streets the
network does not hold), computed in metres (UTM zone 49N, EPSG:32649, which holds Zhanjiang) and
returned in WGS-84. Key units are points; a spatial join (`geopandas.sjoin`, predicate
`within`) says which areas hold each one, and a unit in none is outside every reach.

Each unit also gets `minutes`, from the quickest station by road (its access leg, then the
network) to the point of the network nearest the unit, and `off_road_m`, the unit's distance from
that point: a unit is inside the areas about when `minutes` ≤ 5 and `off_road_m` ≤ the buffer, so
a unit outside them is listed with how far it is from the standard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from brain import roadnet
from brain.standards import FIRE_RESPONSE_STANDARD_S

__all__ = [
    "METRIC_CRS",
    "REACH_BUFFER_M",
    "REACH_MINUTES",
    "SEARCH_MINUTES",
    "Coverage",
    "coverage",
    "station_areas",
    "unit_coverage",
]

REACH_MINUTES = FIRE_RESPONSE_STANDARD_S / 60.0  # 5 minutes from dispatch
REACH_BUFFER_M = 250.0  # either side of a reached road: its frontage and the first block
SEARCH_MINUTES = 180.0  # a unit's quickest station is looked for this far
METRIC_CRS = "EPSG:32649"  # WGS 84 / UTM zone 49N (108°E-114°E)
_WGS84 = "EPSG:4326"
_AREA_COLUMNS = ["station_id", "name", "edges", "road_km", "area_km2", "geometry"]


@dataclass(frozen=True)
class Coverage:
    """`areas`: one row per station (`station_id, name, edges, road_km, area_km2`, polygon in
    WGS-84; empty geometry when nothing is reached); `units`: the units with `covered` (inside
    at least one area), `stations` (ids of the areas holding it, comma-separated), `minutes`
    (from the quickest station by road to the point of the network nearest the unit; NaN when
    none within `SEARCH_MINUTES`), `off_road_m` (the unit's distance from that point) and
    `nearest_station` (that station)."""

    areas: gpd.GeoDataFrame
    units: pd.DataFrame

    @property
    def outside(self) -> pd.DataFrame:
        """The units outside every station's reach, farthest first."""
        out = self.units[~self.units["covered"]]
        return out.sort_values(["minutes", "unit_id"], ascending=[False, True], na_position="first")


def _local_m(minutes: float) -> float:
    """How far local streets take an engine in `minutes` (straight, at `roadnet.ACCESS_KMH`)."""
    return minutes / 60.0 * roadnet.ACCESS_KMH * 1000.0


def _road_km(g: roadnet.RoadGraph, edges: pd.DataFrame) -> float:
    """Road reached, km (by the segments' lengths): a road reached from both ends counts once."""
    share: dict[tuple[int, int], list[float]] = {}
    for u, v, f in zip(edges["u"], edges["v"], edges["fraction"], strict=True):
        rec = share.setdefault((min(u, v), max(u, v)), [0.0, float(g.graph[u][v]["length_m"])])
        rec[0] = min(1.0, rec[0] + float(f))
    return sum(f * metres for f, metres in share.values()) / 1000.0


def station_areas(
    g: roadnet.RoadGraph,
    stations: pd.DataFrame,
    *,
    minutes: float = REACH_MINUTES,
    buffer_m: float = REACH_BUFFER_M,
) -> gpd.GeoDataFrame:
    """Each station's reach within `minutes` as an area (see the module docstring)."""
    if not buffer_m > 0:
        raise ValueError("buffer_m must be positive")
    ids, names, edges, road_km, lines = [], [], [], [], []
    s: Any
    for s in stations.itertuples(index=False):
        r = roadnet.reach(g, (float(s.lon), float(s.lat)), minutes)
        ids.append(str(s.station_id))
        names.append(str(s.name))
        edges.append(len(r.edges))
        road_km.append(_road_km(g, r.edges))
        lines.append(shapely.MultiLineString(list(r.edges["coords"])))
    roads = gpd.GeoSeries(lines, crs=_WGS84).to_crs(METRIC_CRS).buffer(buffer_m)
    sites = gpd.GeoSeries(gpd.points_from_xy(stations["lon"], stations["lat"]), crs=_WGS84).to_crs(
        METRIC_CRS
    )
    areas = roads.union(sites.buffer(_local_m(minutes)), align=False)
    out = gpd.GeoDataFrame(
        {
            "station_id": ids,
            "name": names,
            "edges": edges,
            "road_km": road_km,
            "area_km2": (areas.area / 1e6).to_numpy(),
        },
        geometry=areas.to_crs(_WGS84).to_numpy(),
        crs=_WGS84,
    )
    return out[_AREA_COLUMNS]


def unit_coverage(areas: gpd.GeoDataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """`units` with `covered` and `stations` from a spatial join of the units with `areas`."""
    points = gpd.GeoDataFrame(
        units[["unit_id"]].copy(),
        geometry=gpd.points_from_xy(units["lon"], units["lat"]),
        crs=_WGS84,
    )
    joined = gpd.sjoin(points, areas[["station_id", "geometry"]], how="inner", predicate="within")
    holders = joined.groupby("unit_id")["station_id"].agg(lambda s: ",".join(sorted(s)))
    out = units.copy()
    out["stations"] = out["unit_id"].map(holders).fillna("")
    out["covered"] = out["stations"] != ""
    return out


def _road_pieces(g: roadnet.RoadGraph) -> tuple[np.ndarray, np.ndarray, Any, np.ndarray]:
    """The network's pieces of road, one per pair of junctions: ends `a < b`, lines a → b in
    scaled degrees (x = lon·cos φ₀, y = lat), and the minutes a → b and b → a (NaN: one way)."""
    pieces: dict[tuple[int, int], list[Any]] = {}
    for u, v, d in g.graph.edges(data=True):
        a, b = (u, v) if u < v else (v, u)
        rec = pieces.setdefault((a, b), [d["coords"] if u == a else d["coords"][::-1], *_NAN2])
        rec[1 if u == a else 2] = d["minutes"]
    ends = np.array(list(pieces), dtype="int64").reshape(-1, 2)
    k = math.cos(math.radians(g.lat0))
    lines = np.array(
        [shapely.LineString([(x * k, y) for x, y in rec[0]]) for rec in pieces.values()],
        dtype=object,
    )
    minutes = np.array([rec[1:] for rec in pieces.values()], dtype="float64").reshape(-1, 2)
    return ends[:, 0], ends[:, 1], lines, minutes


_NAN2 = (math.nan, math.nan)
_KM_PER_DEG = math.pi / 180.0 * 6371.0088


def _quickest(
    g: roadnet.RoadGraph, stations: pd.DataFrame, units: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Per unit: the minutes from its quickest station, the unit's distance (m) off the road
    point nearest it, and the station's id. A station's time to a unit is the quicker of the
    local streets (straight, at `roadnet.ACCESS_KMH`) and its access leg, the network to that
    road point and the leg off the road."""
    n = len(units)
    best, off = np.full(n, math.nan), np.full(n, math.nan)
    who: list[str | None] = [None] * n
    if n == 0:
        return best, off, who
    ulon, ulat = units["lon"].to_numpy("float64"), units["lat"].to_numpy("float64")
    road = None
    if g.edges:
        a, b, lines, minutes = _road_pieces(g)
        k = math.cos(math.radians(g.lat0))
        pts = shapely.points(ulon * k, ulat)
        (src, idx), dist = shapely.STRtree(lines).query_nearest(
            pts, return_distance=True, all_matches=False
        )
        idx, dist = idx[np.argsort(src)], dist[np.argsort(src)]
        frac = shapely.line_locate_point(lines[idx], pts, normalized=True)
        off = dist * _KM_PER_DEG * 1000.0
        road = (a[idx], b[idx], frac * minutes[idx, 0], (1.0 - frac) * minutes[idx, 1])
    leg = off / 1000.0 / roadnet.ACCESS_KMH * 60.0
    s: Any
    for s in stations.itertuples(index=False):
        origin = (float(s.lon), float(s.lat))
        t = roadnet.straight_km(*origin, ulon, ulat) / roadnet.ACCESS_KMH * 60.0
        r = roadnet.reach(g, origin, SEARCH_MINUTES)
        if road is not None and not r.nodes.empty:
            at = pd.Series(r.nodes["minutes"].to_numpy("float64"), index=r.nodes["node"].to_numpy())
            ua, ub, to_a, to_b = road
            ta, tb = at.reindex(ua).to_numpy("float64"), at.reindex(ub).to_numpy("float64")
            t = np.fmin(t, np.fmin(ta + to_a, tb + to_b) + leg)
        better = ~(t >= best)
        best = np.where(better, t, best)
        for i in np.flatnonzero(better):
            who[i] = str(s.station_id)
    far = best > SEARCH_MINUTES
    best[far] = math.nan
    return best, off, [None if f else w for w, f in zip(who, far, strict=True)]


def coverage(
    g: roadnet.RoadGraph,
    stations: pd.DataFrame,
    units: pd.DataFrame,
    *,
    minutes: float = REACH_MINUTES,
    buffer_m: float = REACH_BUFFER_M,
) -> Coverage:
    """Station areas, and every unit with whether it is inside one and its quickest station."""
    areas = station_areas(g, stations, minutes=minutes, buffer_m=buffer_m)
    out = unit_coverage(areas, units)
    out["minutes"], out["off_road_m"], out["nearest_station"] = _quickest(g, stations, units)
    return Coverage(areas, out.reset_index(drop=True))
