"""Figures of the fire page (智慧消防) from its adapters' answers: the stages of a 119 response
against the 5-minute standard, per station, as a histogram, and coverage per district.

Response time (城市消防站建设标准) runs from dispatch to the first engine on scene; the call →
dispatch stage (the 119 centre's handling) is shown beside it, and call → arrival is what the
caller waits. Quantiles are linear between order statistics (what the engine's `quantile` and
numpy's default give), so the page's figures match `fire.response_summary`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from brain.standards import FIRE_RESPONSE_STANDARD_S

__all__ = [
    "BIN_S",
    "LAST_BIN_S",
    "coverage_by_district",
    "quantile",
    "response_bins",
    "response_stages",
    "station_responses",
]

BIN_S = 60  # histogram bins of one minute ...
LAST_BIN_S = 900  # ... up to 15 minutes, then one bin for the rest


def quantile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (0-1) of `values`, linear between order statistics; NaN when empty."""
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be within 0-1")
    xs = sorted(float(v) for v in values if not math.isnan(float(v)))
    if not xs:
        return math.nan
    pos = q * (len(xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _seconds(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds()


def response_stages(responses: pd.DataFrame) -> pd.DataFrame:
    """`responses` (rows of `fire.response_times`) with `handling_s` (call → dispatch),
    `response_s` (dispatch → arrival, the standard's measure) and `wait_s` (call → arrival)."""
    need = {"call_ts", "dispatch_ts", "arrival_ts"}
    if missing := need - set(responses.columns):
        raise ValueError(f"responses need the columns {sorted(missing)}")
    out = responses.copy()
    out["handling_s"] = _seconds(out["dispatch_ts"], out["call_ts"])
    out["response_s"] = _seconds(out["arrival_ts"], out["dispatch_ts"])
    out["wait_s"] = _seconds(out["arrival_ts"], out["call_ts"])
    out["meets_standard"] = out["response_s"] <= FIRE_RESPONSE_STANDARD_S
    return out


def station_responses(stages: pd.DataFrame) -> pd.DataFrame:
    """Per station (rows of `response_stages`), slowest median first: `station_id,
    station_name, incidents, median_s, p90_s, worst_s, within_share` (0-1), `handling_s`
    (median call → dispatch)."""
    cols = [
        "station_id",
        "station_name",
        "incidents",
        "median_s",
        "p90_s",
        "worst_s",
        "within_share",
        "handling_s",
    ]
    rows = []
    for (sid, name), part in stages.groupby(["station_id", "station_name"], dropna=False):
        secs = part["response_s"].astype("float64").tolist()
        rows.append(
            (
                sid,
                name,
                len(part),
                quantile(secs, 0.5),
                quantile(secs, 0.9),
                max(secs),
                sum(s <= FIRE_RESPONSE_STANDARD_S for s in secs) / len(secs),
                quantile(part["handling_s"].astype("float64").tolist(), 0.5),
            )
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["median_s", "station_id"], ascending=[False, True]).reset_index(
        drop=True
    )


def response_bins(
    seconds: Sequence[float], *, width_s: int = BIN_S, last_s: int = LAST_BIN_S
) -> pd.DataFrame:
    """A histogram of response times: `start_s` of each bin (`width_s` wide up to `last_s`,
    then one open bin), `incidents`, and `within` (the bin ends at or before the standard)."""
    if width_s <= 0 or last_s <= 0 or last_s % width_s:
        raise ValueError("width_s and last_s must be positive, last_s a multiple of width_s")
    starts = list(range(0, last_s + 1, width_s))
    counts = [0] * len(starts)
    for s in seconds:
        if math.isnan(float(s)):
            continue
        # a bin holds (start, start + width]: 300 s exactly is in the last bin within the standard
        k = max(0, math.ceil(float(s) / width_s) - 1)
        counts[min(k, len(starts) - 1)] += 1
    return pd.DataFrame(
        {
            "start_s": starts,
            "incidents": counts,
            "within": [s + width_s <= FIRE_RESPONSE_STANDARD_S for s in starts[:-1]] + [False],
        }
    )


def coverage_by_district(units: pd.DataFrame) -> pd.DataFrame:
    """Per district (`adcode`) of units with a `covered` flag: `units, covered, share` (0-1)."""
    g = units.groupby("adcode")["covered"]
    out = pd.DataFrame({"units": g.size(), "covered": g.sum().astype("int64")}).reset_index()
    out["share"] = out["covered"] / out["units"]
    return out.sort_values(["share", "adcode"]).reset_index(drop=True)
