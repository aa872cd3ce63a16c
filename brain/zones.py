"""Sea-zone rules: which vessels break the rule of the zone they are in.

Pure: positions and zones come in as frames, intrusions go out. Rules: `no_entry` (any vessel
inside), `no_fishing` (fishing vessels inside), `no_anchoring` (vessels inside that are stopped —
speed over ground under 0.5 kn — or report AIS navigational status 1, "at anchor").
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

__all__ = ["INTRUSION_COLUMNS", "MOVING_KN", "RULES", "intrusions", "zone_polygon"]

MOVING_KN = 0.5  # below this speed over ground a vessel counts as anchored / stopped
RULES = ("no_entry", "no_fishing", "no_anchoring")
_AT_ANCHOR = 1  # AIS navigational status "at anchor"

INTRUSION_COLUMNS = [
    "mmsi",
    "name",
    "vessel_type",
    "registered",
    "ts",
    "lon",
    "lat",
    "sog",
    "zone_id",
    "zone_name",
    "zone_kind",
    "rule",
]


class _Breakers:
    """Who would break each rule, computed once per frame of vessels."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.n = len(frame)
        kind = frame["vessel_type"].to_numpy(dtype=object, na_value="")
        self.fishing: np.ndarray = kind == "fishing"
        sog = frame["sog"].to_numpy(dtype="float64", na_value=np.inf)
        status = frame["nav_status"].to_numpy(dtype="float64", na_value=np.nan)
        self.stopped: np.ndarray = (sog < MOVING_KN) | (status == _AT_ANCHOR)

    def of(self, rule: str) -> np.ndarray:
        if rule == "no_entry":
            return np.ones(self.n, dtype=bool)
        if rule == "no_fishing":
            return self.fishing
        return self.stopped


@lru_cache(maxsize=1024)
def zone_polygon(ring: str) -> shapely.Polygon:
    """A zone's polygon, prepared for fast point tests (zones change rarely: build it once)."""
    polygon = shapely.Polygon(json.loads(ring))
    shapely.prepare(polygon)
    return polygon


_ZONE = {"zone_id": "zone_id", "name": "zone_name", "kind": "zone_kind", "rule": "rule"}


def intrusions(positions: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """(vessel, zone) pairs breaking the zone's rule, ordered by zone then MMSI.

    `positions`: one row per vessel (mmsi, name, vessel_type, registered, ts, lon, lat, sog,
    nav_status); `zones`: zone_id, name, kind, rule, path (JSON ring of [lon, lat]).
    """
    if positions.empty or zones.empty:
        return pd.DataFrame(columns=INTRUSION_COLUMNS)
    lon = positions["lon"].to_numpy(dtype="float64", na_value=np.nan)
    lat = positions["lat"].to_numpy(dtype="float64", na_value=np.nan)
    by_mmsi = np.argsort(positions["mmsi"].to_numpy(), kind="stable")
    who = _Breakers(positions)
    ids, rules, paths = (zones[c].tolist() for c in ("zone_id", "rule", "path"))
    vessels: list[np.ndarray] = []
    broken: list[np.ndarray] = []
    for z in sorted(range(len(zones)), key=lambda z: str(ids[z])):
        if rules[z] not in RULES:
            continue
        hit = shapely.contains_xy(zone_polygon(str(paths[z])), lon, lat) & who.of(str(rules[z]))
        inside = by_mmsi[hit[by_mmsi]]  # by MMSI
        vessels.append(inside)
        broken.append(np.full(len(inside), z))
    found = np.concatenate(vessels) if vessels else np.arange(0)
    if not len(found):
        return pd.DataFrame(columns=INTRUSION_COLUMNS)
    zone_rows = np.concatenate(broken)
    out = {c: positions[c].array.take(found) for c in INTRUSION_COLUMNS[:8]}
    return pd.DataFrame(out | {_ZONE[c]: zones[c].array.take(zone_rows) for c in _ZONE})
