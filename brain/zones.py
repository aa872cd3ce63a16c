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
        self.fishing = np.asarray(frame["vessel_type"].eq("fishing").fillna(False), dtype=bool)
        sog = frame["sog"].astype("float64").fillna(np.inf).to_numpy(dtype="float64")
        anchored = frame["nav_status"].astype("Float64").eq(_AT_ANCHOR).fillna(False)
        self.stopped: np.ndarray = np.asarray(sog < MOVING_KN, dtype=bool) | np.asarray(
            anchored, dtype=bool
        )

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


def intrusions(positions: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """(vessel, zone) pairs breaking the zone's rule, ordered by zone then MMSI.

    `positions`: one row per vessel (mmsi, name, vessel_type, registered, ts, lon, lat, sog,
    nav_status); `zones`: zone_id, name, kind, rule, path (JSON ring of [lon, lat]).
    """
    if positions.empty or zones.empty:
        return pd.DataFrame(columns=INTRUSION_COLUMNS)
    lon = positions["lon"].to_numpy(dtype="float64", na_value=np.nan)
    lat = positions["lat"].to_numpy(dtype="float64", na_value=np.nan)
    who = _Breakers(positions)
    ruled = zones[zones["rule"].isin(RULES)]
    rows: list[np.ndarray] = []
    of_zone: list[np.ndarray] = []
    for z, (path, rule) in enumerate(zip(ruled["path"], ruled["rule"], strict=True)):
        hit = shapely.contains_xy(_polygon(str(path)), lon, lat) & who.of(str(rule))
        if hit.any():
            idx = np.flatnonzero(hit)
            rows.append(idx)
            of_zone.append(np.full(len(idx), z))
    if not rows:
        return pd.DataFrame(columns=INTRUSION_COLUMNS)
    vessel, zone = np.concatenate(rows), np.concatenate(of_zone)
    out = positions.iloc[vessel].reset_index(drop=True)
    picked = ruled.iloc[zone]
    for col, src in (("zone_id", "zone_id"), ("zone_name", "name"), ("zone_kind", "kind")):
        out[col] = picked[src].to_numpy()
    out["rule"] = picked["rule"].to_numpy()
    out = out[INTRUSION_COLUMNS]
    return out.sort_values(["zone_id", "mmsi"]).reset_index(drop=True)
