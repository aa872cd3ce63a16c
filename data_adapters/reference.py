"""Reference data shipped with the project: the city's county-level divisions and boundaries.

Read from `reference/` (WGS-84, derived from AMap data; see reference/PROVENANCE.md: a real
deployment must use boundaries approved for publication), once per process.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

from brain.districts import District, parse_districts

__all__ = ["REFERENCE", "districts"]

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


@cache
def districts() -> tuple[District, ...]:
    """The nine county-level divisions with their boundaries."""
    geo = json.loads((REFERENCE / "geo" / "zhanjiang_districts.geojson").read_text("utf-8"))
    with (REFERENCE / "zhanjiang_divisions.csv").open(encoding="utf-8") as fh:
        return parse_districts(list(csv.DictReader(fh)), geo["features"])
