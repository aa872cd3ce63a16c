"""Real geography of Zhanjiang for the simulated city: districts, land and sea.

Boundaries come from `data_adapters.reference` (WGS-84; see reference/PROVENANCE.md).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from brain import districts as _districts
from brain.districts import District
from data_adapters.reference import districts

__all__ = ["District", "district_of", "districts", "is_land", "land", "sample_in_district"]


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
    """The adcode of the district containing each point (at sea: the nearest district)."""
    return _districts.district_of(lon, lat, districts())


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
