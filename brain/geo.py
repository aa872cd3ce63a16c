"""Coordinates: WGS-84 ⇄ GCJ-02 (the datum of Chinese web maps) and great-circle distance.

GCJ-02 is WGS-84 plus a published, smooth, position-dependent offset (about 500-600 m around
Zhanjiang). The forward formula is the widely used open implementation (Krasovsky ellipsoid
a = 6378245 m, e² = 0.00669342162296594323); the inverse has no closed form, so it is solved
by fixed-point iteration to well below 1e-9 degrees instead of the common one-step guess (which
is off by up to a few metres). Points outside the rough bounding box of China are not offset.
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "EARTH_RADIUS_KM",
    "gcj02_to_wgs84",
    "gcj02_to_wgs84_arrays",
    "haversine_km",
    "out_of_china",
    "wgs84_to_gcj02",
    "wgs84_to_gcj02_arrays",
]

FloatArray = npt.NDArray[np.float64]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
_A = 6378245.0
_EE = 0.00669342162296594323
_LON_BOX = (72.004, 137.8347)
_LAT_BOX = (0.8293, 55.8271)
_INVERSE_TOL_DEG = 1e-12
_INVERSE_MAX_ITER = 30


def out_of_china(lon: float, lat: float) -> bool:
    """Whether a point lies outside the rough bounding box of China (no offset applies)."""
    return not (_LON_BOX[0] <= lon <= _LON_BOX[1] and _LAT_BOX[0] <= lat <= _LAT_BOX[1])


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS-84 positions."""
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    dlat = dlat + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    dlon = dlon + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * pi)
    return dlon, dlat


def _inside(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lon >= _LON_BOX[0]) & (lon <= _LON_BOX[1]) & (lat >= _LAT_BOX[0]) & (lat <= _LAT_BOX[1])


def _as_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    lo = np.asarray(lon, dtype=np.float64)
    la = np.asarray(lat, dtype=np.float64)
    if lo.shape != la.shape:
        raise ValueError(f"lon and lat differ in shape: {lo.shape} vs {la.shape}")
    return lo, la


def wgs84_to_gcj02_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Vectorised WGS-84 → GCJ-02; points outside China (and NaN) are returned unchanged."""
    lo, la = _as_arrays(lon, lat)
    inside = _inside(lo, la)
    dlon, dlat = _offset(lo, la)
    return np.where(inside, lo + dlon, lo), np.where(inside, la + dlat, la)


def gcj02_to_wgs84_arrays(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Vectorised GCJ-02 → WGS-84 by fixed-point iteration; outside China unchanged."""
    lo, la = _as_arrays(lon, lat)
    inside = _inside(lo, la)
    wlon, wlat = lo.copy(), la.copy()
    for _ in range(_INVERSE_MAX_ITER):
        dlon, dlat = _offset(wlon, wlat)
        err_lon = wlon + dlon - lo
        err_lat = wlat + dlat - la
        wlon = wlon - err_lon
        wlat = wlat - err_lat
        err = np.maximum(np.abs(err_lon), np.abs(err_lat))
        if not np.any(err[inside] > _INVERSE_TOL_DEG):
            break
    return np.where(inside, wlon, lo), np.where(inside, wlat, la)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 of one point; points outside China are returned unchanged."""
    glon, glat = wgs84_to_gcj02_arrays(lon, lat)
    return float(glon), float(glat)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → WGS-84 of one point (iterative, error < 1e-9 deg); outside China unchanged."""
    wlon, wlat = gcj02_to_wgs84_arrays(lon, lat)
    return float(wlon), float(wlat)


@overload
def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float: ...


@overload
def haversine_km(
    lon1: FloatArray | float, lat1: FloatArray | float, lon2: FloatArray, lat2: FloatArray
) -> FloatArray: ...


def haversine_km(
    lon1: FloatArray | float,
    lat1: FloatArray | float,
    lon2: FloatArray | float,
    lat2: FloatArray | float,
) -> FloatArray | float:
    """Great-circle distance in km on the mean-radius sphere; arrays broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    if np.ndim(d) == 0:
        return float(d)
    return np.asarray(d, dtype=np.float64)
