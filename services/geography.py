"""The city's divisions for the app: read once from `reference/` (the boundaries shipped with the
project, WGS-84; see reference/PROVENANCE.md) and placed with `brain.districts`.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from brain.districts import District, district_of, parse_districts

__all__ = ["REFERENCE", "adcodes_of", "district_list", "districts", "in_district"]

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


@cache
def districts() -> tuple[District, ...]:
    """The nine county-level divisions with their boundaries (read once per process)."""
    geo = json.loads((REFERENCE / "geo" / "zhanjiang_districts.geojson").read_text("utf-8"))
    with (REFERENCE / "zhanjiang_divisions.csv").open(encoding="utf-8") as fh:
        return parse_districts(list(csv.DictReader(fh)), geo["features"])


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
