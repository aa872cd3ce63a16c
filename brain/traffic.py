"""Network figures from the state of road segments: the TPI of a network and its worst roads.

Pure functions over the frame `data_adapters.traffic.segment_state` returns (one row per segment:
road_name, road_class, length_m, speed_kmh, tpi), so that one query of the segments' state serves
the city figure, the worst roads and the map's road layer. Same definitions as the adapters'
engine-side queries: TPI weighted by length × road-class weight over segments with a reading,
speed weighted by length.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from brain.standards import ROAD_CLASS_WEIGHTS, tpi_level

__all__ = ["CLASS_ORDER", "network", "worst_roads"]

CLASS_ORDER = ("expressway", "arterial", "secondary", "branch")
_WORST_COLUMNS = ["road_name", "road_class", "tpi", "level", "speed_kmh", "length_km", "segments"]


def _weighted(state: pd.DataFrame) -> pd.DataFrame:
    tpi = state["tpi"].astype("float64")
    speed = state["speed_kmh"].astype("float64")
    length = state["length_m"].astype("float64")
    weight = length * state["road_class"].map(ROAD_CLASS_WEIGHTS).astype("float64").fillna(1.0)
    w = weight.where(tpi.notna(), 0.0)
    lw = length.where(speed.notna(), 0.0)
    return pd.DataFrame(
        {
            "road_name": state["road_name"],
            "rank": state["road_class"]
            .map({k: i for i, k in enumerate(CLASS_ORDER)})
            .fillna(len(CLASS_ORDER)),
            "tw": (tpi * w).fillna(0.0),
            "w": w,
            "sl": (speed * lw).fillna(0.0),
            "lw": lw,
            "has": tpi.notna(),
            "length_m": length,
        }
    )


def _level(tpi: float | None) -> int | None:
    return None if tpi is None or np.isnan(tpi) else tpi_level(tpi)


def _ratio(num: Any, den: Any) -> float | None:
    return float(num / den) if den else None


def network(state: pd.DataFrame) -> dict[str, Any]:
    """TPI, level, mean speed, segments with a reading and length of a network of segments."""
    if state.empty:
        return {"tpi": None, "level": None, "speed_kmh": None, "segments": 0, "length_km": 0.0}
    p = _weighted(state)
    tpi = _ratio(p["tw"].sum(), p["w"].sum())
    return {
        "tpi": tpi,
        "level": _level(tpi),
        "speed_kmh": _ratio(p["sl"].sum(), p["lw"].sum()),
        "segments": int(p["has"].sum()),
        "length_km": float(p["length_m"].sum() / 1000.0),
    }


def worst_roads(state: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The `n` roads (by name) with the highest TPI, then the longest, then by name."""
    if state.empty:
        return pd.DataFrame(columns=_WORST_COLUMNS)
    p = _weighted(state)
    codes, names = pd.factorize(p["road_name"], sort=False)  # a missing name: -1, left out
    named = codes >= 0
    road, k = codes[named], len(names)

    def total(col: str) -> np.ndarray:
        return np.bincount(road, weights=p[col].to_numpy(dtype="float64")[named], minlength=k)

    rank = np.full(k, np.inf)
    np.minimum.at(rank, road, p["rank"].to_numpy(dtype="float64")[named])
    tw, w, sl, lw = total("tw"), total("w"), total("sl"), total("lw")
    keep = w > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(lw > 0, sl / lw, np.nan)
        tpi = tw / w
    out = pd.DataFrame(
        {
            "road_name": np.asarray(names, dtype=object)[keep].astype(str),
            "road_class": [
                CLASS_ORDER[int(r)] if r < len(CLASS_ORDER) else None for r in rank[keep]
            ],
            "tpi": tpi[keep],
            "speed_kmh": speed[keep],
            "length_km": total("length_m")[keep] / 1000.0,
            "segments": total("has")[keep].astype(int),
        }
    )
    out["level"] = [_level(t) for t in out["tpi"]]
    out = out.sort_values(["tpi", "length_km", "road_name"], ascending=[False, False, True])
    return out[_WORST_COLUMNS].head(int(n)).reset_index(drop=True)
