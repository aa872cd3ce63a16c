"""The facts behind a detail card: the selected vessel, incident, station, section … at `now`.

`detail(data, now, entity)` takes the selection the map reports (`{"kind", "id"}`) and returns
`{"kind", "id", "row": {...} | None, "extra": {...}, "error": str | None}`, plain JSON data. The
row comes from the same adapters the wall already uses, so it is usually a cache hit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd

from data_adapters import emergency, fire, radar, river, traffic
from services.fetch import DataLike, records

__all__ = ["KINDS", "detail"]

# kind → (adapter, its parameters at `now`, key column)
_SOURCES: dict[str, tuple[Callable[..., Any], Callable[[datetime], dict[str, Any]], str]] = {
    "vessel": (radar.vessel_positions, lambda now: {"now": now}, "mmsi"),
    "dark_target": (radar.dark_targets, lambda now: {"now": now}, "track_id"),
    "traffic_incident": (
        traffic.incidents,
        lambda now: {"now": now, "open_only": False},
        "incident_id",
    ),
    "road": (traffic.segment_state, lambda now: {"now": now}, "segment_id"),
    "event": (emergency.events, lambda now: {"now": now, "active_only": False}, "event_id"),
    "warning": (emergency.warnings_in_force, lambda now: {"now": now}, "identifier"),
    "typhoon": (emergency.typhoon_track, lambda now: {"now": now}, "storm_id"),
    "fire_station": (fire.stations, lambda now: {}, "station_id"),
    "fire_unit": (fire.live_alarms, lambda now: {"now": now}, "unit_id"),
    "fire_incident": (
        fire.incidents,
        lambda now: {"now": now, "active_only": False},
        "incident_id",
    ),
    "river_station": (river.stations_latest, lambda now: {"now": now}, "station_id"),
    "section": (river.reaches, lambda now: {}, "reach_id"),
    "zone": (radar.zones, lambda now: {}, "zone_id"),
}
KINDS = tuple(_SOURCES)


def detail(data: DataLike, now: datetime, entity: dict[str, Any]) -> dict[str, Any]:
    """The newest facts about one selected thing (row None when it is no longer there)."""
    kind, ident = str(entity.get("kind")), entity.get("id")
    out: dict[str, Any] = {"kind": kind, "id": ident, "row": None, "extra": {}, "error": None}
    if kind not in _SOURCES:
        return out
    fn, params, key = _SOURCES[kind]
    result = data.call(fn, **params(now))
    frame = result.value if isinstance(result.value, pd.DataFrame) else None
    out["error"] = result.error
    if frame is None or frame.empty or key not in frame.columns:
        return out
    match = frame[frame[key].astype(str) == str(ident)]
    if kind == "typhoon":
        match = match[match["kind"] == "observed"].sort_values("ts")
    rows = records(match.tail(1), match.columns)
    out["row"] = rows[0] if rows else None
    if kind == "event" and out["row"] and out["row"].get("lon") is not None:
        near = data.call(
            emergency.nearest_resources, lon=out["row"]["lon"], lat=out["row"]["lat"], n=3
        )
        out["extra"]["resources"] = records(
            near.value if isinstance(near.value, pd.DataFrame) else None,
            ("name", "kind", "capacity", "distance_km"),
        )
    return out
