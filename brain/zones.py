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

__all__ = ["INTRUSION_COLUMNS", "MOVING_KN", "RULES", "intrusions"]

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
def _polygon(ring: str) -> shapely.Polygon:
    """A zone's polygon, prepared for fast point tests (zones change rarely: build it once)."""
    polygon = shapely.Polygon(json.loads(ring))
    shapely.prepare(polygon)
    return polygon


_Zone = tuple[str, str, str, str, str]
_ZONE = ("zone_id", "name", "kind", "rule", "path")  # what a _Zone holds; the first four go out
#                                                      as zone_id, zone_name, zone_kind, rule


def _ruled(zones: pd.DataFrame) -> list[_Zone]:
    """The zones with a rule, as plain tuples, by zone id."""
    rows = zones[list(_ZONE)].itertuples(index=False, name=None)
    return sorted((r for r in rows if r[3] in RULES), key=lambda r: str(r[0]))


def intrusions(positions: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """(vessel, zone) pairs breaking the zone's rule, ordered by zone then MMSI.

    `positions`: one row per vessel (mmsi, name, vessel_type, registered, ts, lon, lat, sog,
    nav_status); `zones`: zone_id, name, kind, rule, path (JSON ring of [lon, lat]).
    """
    if positions.empty or zones.empty:
        return pd.DataFrame(columns=INTRUSION_COLUMNS)
    lon = positions["lon"].to_numpy(dtype="float64", na_value=np.nan)
    lat = positions["lat"].to_numpy(dtype="float64", na_value=np.nan)
    mmsi = positions["mmsi"].to_numpy()
    who = _Breakers(positions)
    vessels: list[int] = []
    broken: list[_Zone] = []
    for zone in _ruled(zones):
        hit = shapely.contains_xy(_polygon(str(zone[4])), lon, lat) & who.of(str(zone[3]))
        for i in sorted(np.flatnonzero(hit), key=lambda i: mmsi[i]):
            vessels.append(int(i))
            broken.append(zone)
    if not vessels:
        return pd.DataFrame(columns=INTRUSION_COLUMNS)
    out = positions.iloc[vessels][INTRUSION_COLUMNS[:8]].reset_index(drop=True)
    for k, (col, source) in enumerate(zip(INTRUSION_COLUMNS[8:], _ZONE, strict=False)):
        out[col] = pd.Series([z[k] for z in broken], dtype=zones[source].dtype)
    return out
