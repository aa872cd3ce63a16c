"""The city's divisions for the app (`data_adapters.reference`), and rows placed in them with
`brain.districts`.

Placing a point at sea means measuring its distance to every district's boundary (thousands of
vertices each), about a third of a millisecond a point: the radar page places the same few
thousand vessels several times a refresh, and every analyst on it asks for the same moment. So
the districts of a set of points are kept under the exact bytes of their coordinates
(`services.fetch.DERIVED`): equal bytes are equal points, and the kept answer is the one placing
them again would give.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from brain.districts import district_of
from data_adapters.reference import districts
from services.fetch import DERIVED

__all__ = ["adcodes_of", "district_list", "districts", "in_district"]


@cache
def district_list() -> tuple[dict[str, Any], ...]:
    """The divisions as plain data: adcode, names and centroid (for chips and the map); built
    once, shared by every caller (read only)."""
    return tuple(
        {
            "adcode": d.adcode,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "lon": d.centroid[0],
            "lat": d.centroid[1],
        }
        for d in districts()
    )


def adcodes_of(frame: pd.DataFrame) -> Any:
    """The district of each row of a lon/lat frame (points at sea: the nearest district); a
    read-only array, shared with every caller placing the same points."""
    lon = np.ascontiguousarray(frame["lon"].to_numpy(float))
    lat = np.ascontiguousarray(frame["lat"].to_numpy(float))
    key = hashlib.blake2b(lon.tobytes() + b"|" + lat.tobytes(), digest_size=16).hexdigest()
    codes: Any = DERIVED("adcodes", [key], lambda: _read_only(district_of(lon, lat, districts())))
    return codes


def _read_only(codes: Any) -> Any:
    codes.flags.writeable = False
    return codes


def in_district(frame: pd.DataFrame | None, adcode: str | None) -> pd.DataFrame | None:
    """Rows of a lon/lat frame inside the district (None: all of them)."""
    if frame is None or adcode is None or frame.empty:
        return frame
    inside: pd.DataFrame = frame[adcodes_of(frame) == adcode].reset_index(drop=True)
    return inside
