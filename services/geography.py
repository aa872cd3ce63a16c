"""The city's divisions for the app (`data_adapters.reference`), and rows placed in them with
`brain.districts`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from brain.districts import district_of
from data_adapters.reference import districts

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
    """The district of each row of a lon/lat frame (points at sea: the nearest district)."""
    return district_of(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float), districts())


def in_district(frame: pd.DataFrame | None, adcode: str | None) -> pd.DataFrame | None:
    """Rows of a lon/lat frame inside the district (None: all of them)."""
    if frame is None or adcode is None or frame.empty:
        return frame
    inside: pd.DataFrame = frame[adcodes_of(frame) == adcode].reset_index(drop=True)
    return inside
