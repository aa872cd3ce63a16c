"""The naive wall, for `wall.tick`: every table loaded into pandas at start, then each refresh
computes the same panel numbers and map frames as the app, in pandas, the way Dash samples do.

It runs in `bench.naive_worker`, the naive process of the benchmark (its own process, so that its
memory stays apart from the app worker's).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from bench.naive import (
    _latest,
    _segment_state,
    dark_targets,
    economy_latest,
    stations_latest,
    tpi_by_district,
    tpi_series,
    vessel_positions,
    warnings_in_force,
    worst_of,
)
from brain.standards import FIRE_RESPONSE_STANDARD_S, TYPHOON_SIGNALS, class_rank
from brain.zones import intrusions
from data_adapters.schema import TABLES
from layouts.i18n import TZ
from services.traffic import TREND_HOURS

__all__ = ["load", "naive_tick"]

Frames = dict[str, pd.DataFrame]


def load(node: Any) -> Frames:
    """Every table of the data node, whole, as pandas frames."""
    return {t.name: node.sql(f'SELECT * FROM "{t.name}"') for t in TABLES}


def _window(frame: pd.DataFrame, col: str, start: datetime, end: datetime) -> pd.DataFrame:
    return frame[(frame[col] > start) & (frame[col] <= end)]


def _state(frame: pd.DataFrame, key: str, now: datetime) -> pd.DataFrame:
    return _latest(frame[frame["ts"] <= now], key)


def _traffic(f: Frames, now: datetime) -> dict[str, Any]:
    state = _segment_state(f, now)  # once, as the app derives its figures from one query
    incidents = _state(f["traffic_incidents"], "incident_id", now)
    return {
        "tpi": tpi_by_district(state),
        "worst": worst_of(state),
        "series": tpi_series(f, now, hours=TREND_HOURS),
        "segments": state,
        "incidents": incidents[incidents.status == "open"],
    }


def _emergency(f: Frames, now: datetime) -> dict[str, Any]:
    events = _state(f["emergency_events"], "event_id", now)
    warnings = warnings_in_force(f, now)
    typhoon = warnings[warnings["hazard"] == "typhoon"]["signal"]
    track = f["typhoon_tracks"]
    track = track[(track["issued_ts"] <= now) & (track["ts"] > now - timedelta(days=2))]
    return {
        "events": events[events.status != "closed"],
        "warnings": warnings,
        "track": track,
        "signal": max(typhoon, key=TYPHOON_SIGNALS.index) if len(typhoon) else None,
    }


def _fire(f: Frames, now: datetime) -> dict[str, Any]:
    midnight = now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    ev = f["fire_device_events"]
    today = _window(ev, "ts", midnight, now)
    counts = today.groupby(["kind", "confirmed"], dropna=False).size()
    recent = _latest(_window(ev, "ts", now - timedelta(hours=1), now), "device_id")
    live = recent[(recent.kind == "alarm") & (recent.confirmed != False)]  # noqa: E712
    live = live.merge(f["fire_units"], on="unit_id")
    inc = _state(f["fire_incidents"], "incident_id", now)
    day = inc[(inc.call_ts > now - timedelta(hours=24)) & inc.arrival_ts.notna()]
    response = (day.arrival_ts - day.dispatch_ts).dt.total_seconds()
    return {
        "counts": counts,
        "live": live,
        "median": response.median(),
        "within": (response <= FIRE_RESPONSE_STANDARD_S).mean(),
        "incidents": inc[inc.status != "closed"],
        "stations": f["fire_stations"],
    }


def _river(f: Frames, now: datetime) -> dict[str, Any]:
    s = stations_latest(f, now).merge(f["river_reaches"], on="reach_id")
    rank = s["water_class"].map(class_rank)
    target = s["target_class"].map(class_rank)
    s = s.assign(meets=rank <= target, gap=rank - target, rank=rank)
    by = s.groupby("adcode")["meets"].agg(["size", "sum"])
    return {
        "compliance": by,
        "share": s["meets"].mean(),
        "worst": s.sort_values(["rank", "gap"], ascending=False).head(8),
        "reaches": f["river_reaches"],
        "stations": s,
    }


def _radar(f: Frames, now: datetime) -> dict[str, Any]:
    pos = vessel_positions(f, now)
    zones = f["sea_zones"]
    a = f["ais_reports"]
    tails = _window(a, "ts", now - timedelta(minutes=10), now).sort_values(["mmsi", "ts"])
    return {
        "positions": pos,
        "dark": dark_targets(f, now),
        "tails": tails,
        "intrusions": intrusions(pos, zones),  # the same pure rules as the app
        "zones": zones,
    }


def _health(f: Frames, now: datetime) -> dict[str, Any]:
    out = {}
    for t in TABLES:
        if t.fact and t.ts:
            col = f[t.name][t.ts]
            newest = col[col <= now].max()
            age = (now - newest).total_seconds() if pd.notna(newest) else np.inf
            out[t.name] = (len(col), newest, age <= t.freshness_s)
    return out


def naive_tick(f: Frames, now: datetime) -> dict[str, Any]:
    """One refresh of the wall, naive: the six panels, the map's frames and feed health."""
    return {
        "economy": economy_latest(f, now),
        "traffic": _traffic(f, now),
        "emergency": _emergency(f, now),
        "fire": _fire(f, now),
        "river": _river(f, now),
        "radar": _radar(f, now),
        "health": _health(f, now),
    }
