"""The road network as a graph: travel times along roads, nearest places by road, reachable areas.

Built from the frame of `data_adapters.traffic.segment_state` (or `segments`): one row per road
segment with `segment_id, path` (JSON `[[lon, lat], ...]`, WGS-84), `length_m`,
`free_speed_kmh` and, when known, `speed_kmh` (the latest reading).

* Junctions: the ends of segments closer than `join_m` are one junction, and so is every point
  where two segments cross (roads of the simulated city are separate polylines that cross
  without sharing a vertex); a segment is cut at each crossing into edges.
* Travel time of an edge = its share of the segment's `length_m` / the segment's current speed;
  the free-flow speed when there is no reading. A reading of 0 km/h and a segment in `closed`
  (an open closure incident: `closed_segments`) take the segment out of the graph.
* Direction: a segment is driven both ways, unless the network holds another segment running the
  opposite way between the same two junctions (the bench scale has one segment per direction).
* The way onto and off the network is a straight line to the nearest junction, driven at
  `ACCESS_KMH` (local streets the network does not hold).

Pure: no I/O, no clock. A built graph is shared between callers; treat it as read-only.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely import ops

__all__ = [
    "ACCESS_KMH",
    "CLOSURE_KIND",
    "CLOSURE_SEVERITY",
    "JOIN_M",
    "Reach",
    "RoadGraph",
    "build",
    "closed_segments",
    "nearest",
    "reach",
    "straight_km",
]

ACCESS_KMH = 20.0  # onto and off the network, straight line (local streets)
JOIN_M = 30.0  # segment ends closer than this are one junction
CLOSURE_KIND = "control"  # a traffic-control incident ...
CLOSURE_SEVERITY = 4  # ... at the highest severity closes its segment (e.g. the bay bridge)
_EARTH_M = 6_371_008.8
_REQUIRED = ("segment_id", "path", "length_m", "free_speed_kmh")


@dataclass(frozen=True)
class RoadGraph:
    """A directed road graph: node attributes `lon, lat`; edge attributes `segment_id`,
    `minutes`, `length_m`, `coords` (the edge's polyline, lon/lat pairs)."""

    graph: Any  # networkx.DiGraph (networkx has no type hints)
    lon: np.ndarray  # node positions, indexed by node id 0..n-1
    lat: np.ndarray
    lat0: float  # latitude of the local projection

    @property
    def nodes(self) -> int:
        return len(self.lon)

    @property
    def edges(self) -> int:
        return int(self.graph.number_of_edges())


@dataclass(frozen=True)
class Reach:
    """What can be reached within a budget: `nodes` (node, lon, lat, minutes) and `edges`
    (segment_id, u, v, minutes_at_u, fraction of the edge reached, coords of that part)."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    access_minutes: float  # the leg from the origin to its junction


def _xy(lon: np.ndarray, lat: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular metres (error < 0.1 % at city scale)."""
    k = math.pi / 180.0 * _EARTH_M
    return np.asarray(lon) * k * math.cos(math.radians(lat0)), np.asarray(lat) * k


def _lonlat(x: np.ndarray, y: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    k = math.pi / 180.0 * _EARTH_M
    return np.asarray(x) / (k * math.cos(math.radians(lat0))), np.asarray(y) / k


def straight_km(lon: float, lat: float, lon0: Any, lat0: Any) -> np.ndarray:
    """Straight-line (equirectangular) distance in km from (lon, lat) to each point."""
    x, y = _xy(np.asarray(lon0, dtype="float64"), np.asarray(lat0, dtype="float64"), lat)
    x1, y1 = _xy(np.array([lon]), np.array([lat]), lat)
    return np.asarray(np.hypot(x - x1[0], y - y1[0]) / 1000.0)


def _path(segment_id: str, text: Any) -> np.ndarray:
    try:
        p = np.asarray(json.loads(text), dtype="float64")
    except (TypeError, ValueError) as e:
        raise ValueError(f"segment {segment_id}: path is not a JSON list of [lon, lat]") from e
    if p.ndim != 2 or p.shape[0] < 2 or p.shape[1] != 2 or not np.isfinite(p).all():
        raise ValueError(f"segment {segment_id}: path needs at least two finite [lon, lat]")
    return p


def _speed(row: Any) -> float | None:
    """The segment's speed now (km/h), its free speed without a reading; None: impassable."""
    speed = getattr(row, "speed_kmh", None)
    if speed is None or pd.isna(speed):
        speed = row.free_speed_kmh
    if pd.isna(speed) or float(speed) <= 0.0:
        return None
    return float(speed)


def _crossings(lines: Sequence[shapely.LineString]) -> list[list[float]]:
    """Per line, the distances along it where another line crosses or touches it."""
    cuts: list[list[float]] = [[0.0, line.length] for line in lines]
    tree = shapely.STRtree(lines)
    left, right = tree.query(lines, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        for part in shapely.get_parts(lines[i].intersection(lines[j])):
            if isinstance(part, shapely.Point):  # overlaps (a twin in the other direction) skip
                cuts[i].append(float(lines[i].project(part)))
                cuts[j].append(float(lines[j].project(part)))
    return [sorted(set(c)) for c in cuts]


def _junctions(x: np.ndarray, y: np.ndarray, join_m: float) -> np.ndarray:
    """A junction id per point: points within `join_m` of each other (transitively) are one."""
    parent = np.arange(len(x))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    points = shapely.points(x, y)
    left, right = shapely.STRtree(points).query(points, predicate="dwithin", distance=join_m)
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    roots = np.array([root(i) for i in range(len(x))])
    _, ids = np.unique(roots, return_inverse=True)
    return np.asarray(ids)


class _Topology(NamedTuple):
    """What a road graph's shape is made of, whatever the speeds: the junctions' places, and per
    segment its ends and the pieces between junctions (u, v, share of its length, coords)."""

    lat0: float
    lon: np.ndarray
    lat: np.ndarray
    pieces: list[tuple[int, int, int, list[tuple[int, int, float, list[list[float]]]]]]
    ends: frozenset[tuple[int, int]]


@lru_cache(maxsize=4)
def _topology(paths_of: tuple[tuple[str, str], ...], join_m: float) -> _Topology:
    """The junctions and pieces of the segments `(segment_id, path)`, worked out once per
    distinct set: the segments' lines stay while their speeds change at every reading. Shared
    by the graphs built on it (read only)."""
    paths = [_path(sid, text) for sid, text in paths_of]
    lat0 = float(np.mean(np.concatenate([p[:, 1] for p in paths])))
    lines = [shapely.LineString(np.column_stack(_xy(p[:, 0], p[:, 1], lat0))) for p in paths]
    cuts = _crossings(lines)
    # every cut point, then its junction
    owner = [(i, d) for i, c in enumerate(cuts) for d in c]
    pts = [lines[i].interpolate(d) for i, d in owner]
    px, py = np.array([p.x for p in pts]), np.array([p.y for p in pts])
    node_of = _junctions(px, py, join_m)
    n = int(node_of.max()) + 1
    nx_, ny_ = np.zeros(n), np.zeros(n)
    counts = np.bincount(node_of, minlength=n)
    np.add.at(nx_, node_of, px)
    np.add.at(ny_, node_of, py)
    lon, lat = _lonlat(nx_ / counts, ny_ / counts, lat0)

    first = 0
    pieces: list[tuple[int, int, int, list[tuple[int, int, float, list[list[float]]]]]] = []
    ends: set[tuple[int, int]] = set()
    for i, c in enumerate(cuts):
        ids = node_of[first : first + len(c)]
        first += len(c)
        ends.add((int(ids[0]), int(ids[-1])))
        parts = []
        for a in range(len(c) - 1):
            u, v = int(ids[a]), int(ids[a + 1])
            if u == v:
                continue
            sub = np.asarray(ops.substring(lines[i], c[a], c[a + 1]).coords)
            slon, slat = _lonlat(sub[:, 0], sub[:, 1], lat0)
            coords = np.round(np.column_stack([slon, slat]), 6).tolist()
            parts.append((u, v, (c[a + 1] - c[a]) / lines[i].length, coords))
        pieces.append((i, int(ids[0]), int(ids[-1]), parts))
    return _Topology(lat0, lon, lat, pieces, frozenset(ends))


def build(
    segments: pd.DataFrame, *, closed: Iterable[str] = (), join_m: float = JOIN_M
) -> RoadGraph:
    """The road graph of `segments` (see the module docstring); `closed` segment ids left out."""
    missing = [c for c in _REQUIRED if c not in segments.columns]
    if missing:
        raise ValueError(f"road segments need the columns {missing}")
    if not join_m > 0:
        raise ValueError("join_m must be positive")
    shut = set(closed)
    rows: list[Any] = list(segments.itertuples(index=False))
    if not rows:
        return RoadGraph(nx.DiGraph(), np.empty(0), np.empty(0), 0.0)
    top = _topology(tuple((str(r.segment_id), str(r.path)) for r in rows), float(join_m))
    lon, lat, ends = top.lon, top.lat, top.ends
    graph = nx.DiGraph()
    graph.add_nodes_from((k, {"lon": float(lon[k]), "lat": float(lat[k])}) for k in range(len(lon)))
    for i, a, b, parts in top.pieces:
        row = rows[i]
        speed = _speed(row)
        if speed is None or str(row.segment_id) in shut:
            continue
        two_way = (b, a) not in ends or a == b
        for u, v, share, coords in parts:
            length = share * float(row.length_m)
            minutes = length / 1000.0 / speed * 60.0
            edge = {"segment_id": str(row.segment_id), "minutes": minutes, "length_m": length}
            _add(graph, u, v, {**edge, "coords": coords})
            if two_way:
                _add(graph, v, u, {**edge, "coords": coords[::-1]})
    return RoadGraph(graph, lon, lat, top.lat0)


def _add(graph: Any, u: int, v: int, attrs: dict[str, Any]) -> None:
    """Add u → v, keeping the quicker of two parallel edges."""
    old = graph.get_edge_data(u, v)
    if old is None or attrs["minutes"] < old["minutes"]:
        graph.add_edge(u, v, **attrs)


def closed_segments(incidents: pd.DataFrame) -> list[str]:
    """Segments closed by open traffic incidents (kind `CLOSURE_KIND` at `CLOSURE_SEVERITY`)."""
    if incidents.empty:
        return []
    t = incidents
    shut = (
        (t["kind"] == CLOSURE_KIND)
        & (t["severity"].astype("float64") >= CLOSURE_SEVERITY)
        & (t["status"] == "open")
    )
    return sorted({str(s) for s in t.loc[shut.fillna(False), "segment_id"].dropna()})


def _snap(g: RoadGraph, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nearest junction of each point and the straight distance to it (km)."""
    gx, gy = _xy(g.lon, g.lat, g.lat0)
    x, y = _xy(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"), g.lat0)
    d = np.hypot(x[:, None] - gx[None, :], y[:, None] - gy[None, :])
    k = np.argmin(d, axis=1)
    return k, d[np.arange(len(k)), k] / 1000.0


def _access_min(km: np.ndarray | float, access_kmh: float) -> Any:
    if not access_kmh > 0:
        raise ValueError("access_kmh must be positive")
    return np.asarray(km) / access_kmh * 60.0


def nearest(
    g: RoadGraph,
    origin: tuple[float, float],
    candidates: pd.DataFrame,
    k: int = 5,
    *,
    access_kmh: float = ACCESS_KMH,
) -> pd.DataFrame:
    """The `k` candidates (rows with `lon, lat`) quickest to reach from `origin` (lon, lat) by
    road, quickest first; the candidates' columns plus `minutes` (access legs included),
    `network_minutes`, `access_minutes`, `network_km` (along roads), `straight_km` and
    `route` (the way there as [lon, lat] points, None when unreachable).
    Candidates the network cannot reach from the origin come last with null minutes."""
    if k < 1:
        raise ValueError("k must be at least 1")
    olon, olat = float(origin[0]), float(origin[1])
    if not (math.isfinite(olon) and math.isfinite(olat)):
        raise ValueError("origin must be a finite (lon, lat)")
    out = candidates.copy()
    if g.nodes == 0 or out.empty:
        for col in ("minutes", "network_minutes", "access_minutes", "network_km"):
            out[col] = np.nan
        out["straight_km"] = straight_km(olon, olat, out["lon"], out["lat"]) if len(out) else []
        return out.head(k).reset_index(drop=True)
    start, start_km = _snap(g, np.array([olon]), np.array([olat]))
    ends, end_km = _snap(g, out["lon"].to_numpy("float64"), out["lat"].to_numpy("float64"))
    minutes, paths = nx.single_source_dijkstra(g.graph, int(start[0]), weight="minutes")
    net_min = np.array([minutes.get(int(e), np.nan) for e in ends], dtype="float64")
    net_km = np.array(
        [_path_km(g, paths[int(e)]) if int(e) in paths else np.nan for e in ends], dtype="float64"
    )
    access = _access_min(start_km[0] + end_km, access_kmh)
    out["minutes"] = net_min + access
    out["network_minutes"] = net_min
    out["access_minutes"] = access
    out["network_km"] = net_km
    out["straight_km"] = straight_km(olon, olat, out["lon"], out["lat"])
    out["_end"] = ends
    out = out.sort_values(["minutes", "straight_km"], na_position="last", kind="stable")
    out = out.head(k).reset_index(drop=True)
    routes = [
        _route(g, (olon, olat), paths.get(int(e)), (float(x), float(y)))
        for e, x, y in zip(out.pop("_end"), out["lon"], out["lat"], strict=True)
    ]
    out["route"] = pd.Series(routes, index=out.index, dtype="object")
    return out


def _route(
    g: RoadGraph, origin: tuple[float, float], path: Sequence[int] | None, end: tuple[float, float]
) -> list[list[float]] | None:
    """The way from `origin` along `path` (junctions) to `end`: [lon, lat] points; None when
    the network does not reach it."""
    if path is None:
        return None
    points = [[origin[0], origin[1]], [float(g.lon[path[0]]), float(g.lat[path[0]])]]
    for u, v in itertools.pairwise(path):
        points += g.graph[u][v]["coords"][1:]
    points.append([end[0], end[1]])
    return points


def _path_km(g: RoadGraph, path: Sequence[int]) -> float:
    metres = sum(g.graph[u][v]["length_m"] for u, v in itertools.pairwise(path))
    return float(metres) / 1000.0


def reach(
    g: RoadGraph, origin: tuple[float, float], minutes: float, *, access_kmh: float = ACCESS_KMH
) -> Reach:
    """The junctions and edges reachable from `origin` within `minutes` (access leg included);
    an edge only partly reached within the budget has `fraction` < 1 and the reached part."""
    if not minutes >= 0:
        raise ValueError("minutes must be zero or more")
    node_cols = ["node", "lon", "lat", "minutes"]
    edge_cols = ["segment_id", "u", "v", "minutes_at_u", "fraction", "coords"]
    if g.nodes == 0:
        return Reach(pd.DataFrame(columns=node_cols), pd.DataFrame(columns=edge_cols), math.nan)
    start, km = _snap(g, np.array([float(origin[0])]), np.array([float(origin[1])]))
    access = float(_access_min(km[0], access_kmh))
    budget = minutes - access
    if budget < 0:
        return Reach(pd.DataFrame(columns=node_cols), pd.DataFrame(columns=edge_cols), access)
    times = nx.single_source_dijkstra_path_length(
        g.graph, int(start[0]), cutoff=budget, weight="minutes"
    )
    nodes = pd.DataFrame(
        [(n, g.lon[n], g.lat[n], t + access) for n, t in sorted(times.items())], columns=node_cols
    )
    edges = []
    for u, t in times.items():
        for v, e in g.graph[u].items():
            frac = min(1.0, (budget - t) / e["minutes"]) if e["minutes"] > 0 else 1.0
            if frac <= 0:
                continue
            coords = e["coords"] if frac >= 1.0 else _part(e["coords"], frac)
            edges.append((e["segment_id"], u, v, t + access, frac, coords))
    frame = pd.DataFrame(edges, columns=edge_cols).sort_values(["u", "v"], kind="stable")
    return Reach(nodes, frame.reset_index(drop=True), access)


def _part(coords: list[list[float]], fraction: float) -> list[list[float]]:
    """The first `fraction` of a polyline (by its length in degrees, enough for a short edge)."""
    line = shapely.LineString(coords)
    return [list(p) for p in ops.substring(line, 0.0, fraction, normalized=True).coords]
