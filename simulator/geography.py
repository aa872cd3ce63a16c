"""Real geography of Zhanjiang for the simulated city: districts, land and sea.

Boundaries come from `reference/geo/` (WGS-84; see reference/PROVENANCE.md).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

__all__ = ["District", "district_of", "districts", "is_land", "land", "sample_in_district"]

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


@dataclass(frozen=True)
class District:
    adcode: str
    name_zh: str
    name_en: str
    kind: str  # district | county | city
    population: int
    area_km2: float
    centroid: tuple[float, float]  # lon, lat WGS-84
    geometry: BaseGeometry


@cache
def districts() -> tuple[District, ...]:
    """The nine county-level divisions with their boundaries."""
    geo = json.loads((REFERENCE / "geo" / "zhanjiang_districts.geojson").read_text("utf-8"))
    shapes = {f["properties"]["adcode"]: shape(f["geometry"]) for f in geo["features"]}
    out = []
    with (REFERENCE / "zhanjiang_divisions.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kind = row["type"].split()[0]
            kind = {"district": "district", "county": "county"}.get(kind, "city")
            out.append(
                District(
                    adcode=row["adcode"],
                    name_zh=row["name_zh"],
                    name_en=row["name_en"]
                    .replace(" District", "")
                    .replace(" County", "")
                    .replace(" City", ""),
                    kind=kind,
                    population=round(float(row["pop_yearend_2021_wan"]) * 10_000),
                    area_km2=float(row["area_km2_from_polygon"]),
                    centroid=(float(row["centroid_lon_wgs84"]), float(row["centroid_lat_wgs84"])),
                    geometry=shapes[row["adcode"]],
                )
            )
    for d in out:
        shapely.prepare(d.geometry)
    return tuple(out)


@cache
def land() -> BaseGeometry:
    """The land area of the city (union of the districts)."""
    geom = shapely.union_all([d.geometry for d in districts()])
    shapely.prepare(geom)
    return geom


def is_land(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where a point lies on the city's land."""
    return np.asarray(shapely.contains_xy(land(), lon, lat), dtype=bool)


def district_of(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The adcode of the district containing each point ('' outside every district).

    Points at sea get the adcode of the nearest district, since coastal waters are administered
    by the adjacent division.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    out = np.full(lon.shape, "", dtype=object)
    for d in districts():
        inside = shapely.contains_xy(d.geometry, lon, lat)
        out[inside] = d.adcode
    rest = np.flatnonzero(out == "")
    if rest.size:
        pts = shapely.points(lon[rest], lat[rest])
        dist = np.stack([shapely.distance(d.geometry, pts) for d in districts()])
        codes = np.array([d.adcode for d in districts()], dtype=object)
        out[rest] = codes[np.argmin(dist, axis=0)]
    return out


def sample_in_district(rng: np.random.Generator, adcode: str, n: int) -> np.ndarray:
    """`n` random points (lon, lat) inside a district, shape (n, 2)."""
    d = next(x for x in districts() if x.adcode == adcode)
    minx, miny, maxx, maxy = d.geometry.bounds
    pts: list[np.ndarray] = []
    got = 0
    while got < n:
        cand = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
        keep = cand[shapely.contains_xy(d.geometry, cand[:, 0], cand[:, 1])]
        pts.append(keep)
        got += len(keep)
    return np.concatenate(pts)[:n]
