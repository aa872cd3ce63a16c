"""The nine county-level divisions of Zhanjiang, and which of them a point belongs to.

Pure: `parse_districts` takes the rows of `reference/zhanjiang_divisions.csv` and the features of
`reference/geo/zhanjiang_districts.geojson` already read (by the caller that does the I/O) and
returns the divisions with their boundaries; `district_of` places points among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

__all__ = ["CITY_ADCODE", "CITY_SEAT", "District", "district_of", "parse_districts"]

CITY_ADCODE = "440800"  # 湛江市 as a whole
CITY_SEAT = "440802"  # 赤坎区, seat of the municipal government: the city's reference point


@dataclass(frozen=True)
class District:
    """A county-level division: codes, names, size and its boundary (WGS-84)."""

    adcode: str
    name_zh: str
    name_en: str
    kind: str  # district | county | city
    population: int
    area_km2: float
    centroid: tuple[float, float]  # lon, lat
    geometry: BaseGeometry


def _short_name(name_en: str) -> str:
    return name_en.replace(" District", "").replace(" County", "").replace(" City", "")


def parse_districts(
    divisions: Iterable[Mapping[str, str]], features: Sequence[Mapping[str, Any]]
) -> tuple[District, ...]:
    """The divisions in the order of `divisions` (CSV rows), each with its boundary from the
    GeoJSON `features` (matched by `properties.adcode`); boundaries are prepared for fast
    point-in-polygon tests."""
    shapes = {str(f["properties"]["adcode"]): shape(f["geometry"]) for f in features}
    out = []
    for row in divisions:
        kind = {"district": "district", "county": "county"}.get(row["type"].split()[0], "city")
        geometry = shapes[row["adcode"]]
        shapely.prepare(geometry)
        out.append(
            District(
                adcode=row["adcode"],
                name_zh=row["name_zh"],
                name_en=_short_name(row["name_en"]),
                kind=kind,
                population=round(float(row["pop_yearend_2021_wan"]) * 10_000),
                area_km2=float(row["area_km2_from_polygon"]),
                centroid=(float(row["centroid_lon_wgs84"]), float(row["centroid_lat_wgs84"])),
                geometry=geometry,
            )
        )
    return tuple(out)


def district_of(
    lon: npt.ArrayLike, lat: npt.ArrayLike, districts: Sequence[District]
) -> npt.NDArray[np.object_]:
    """The adcode of the district containing each point.

    Points outside every boundary (at sea) get the adcode of the nearest district, since coastal
    waters are administered by the adjacent division.
    """
    x = np.asarray(lon, dtype="float64")
    y = np.asarray(lat, dtype="float64")
    out = np.full(x.shape, "", dtype=object)
    for d in districts:
        out[shapely.contains_xy(d.geometry, x, y)] = d.adcode
    rest = np.flatnonzero(out == "")
    if rest.size and districts:
        points = shapely.points(x[rest], y[rest])
        dist = np.stack([shapely.distance(d.geometry, points) for d in districts])
        codes = np.array([d.adcode for d in districts], dtype=object)
        out[rest] = codes[np.argmin(dist, axis=0)]
    return out
