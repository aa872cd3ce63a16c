"""Radar (海上雷达综合监控) figures: vessels, dark targets, unregistered vessels, zone intrusions.

`calls(now, adcode)` lists the adapter calls for a district (None: the city; vessels at sea
belong to the nearest district); `figures(results, adcode)` turns their results into plain data;
`alerts(figures)` the alert candidates. Vessel positions and zone intrusions are derived from
answers the situational map shares (`positions`, `zone_intrusions`), with no query of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from brain.alerts import Alert, radar_alerts
from brain.zones import intrusions
from data_adapters import radar
from data_adapters.result import Result
from services.fetch import LIST_ROWS, Call, count, derived, frame_of, records
from services.geography import adcodes_of, in_district

__all__ = [
    "POSITIONS",
    "alerts",
    "calls",
    "figures",
    "positions",
    "vessel_calls",
    "zone_intrusions",
]

POSITIONS = timedelta(minutes=15)  # a vessel's position: its last AIS report this far back


def vessel_calls(now: datetime) -> tuple[Call, ...]:
    """The AIS reports of the positions window (the map draws them as tails) and the register:
    the vessel positions are derived from them (`positions`), with no query of their own."""
    return ((radar.tails, {"now": now, "lookback": POSITIONS}), (radar.register, {"now": now}))


def positions(reports: Result[Any], register: Result[Any]) -> Result[Any]:
    """Each vessel's latest position with its register entry (`radar.positions_from`)."""
    return derived("positions", radar.positions_from, reports, register)


def zone_intrusions(positions: Result[Any], zones: Result[Any]) -> Result[Any]:
    """Zone intrusions from the vessel positions and zones (the map and the panel share them)."""
    return derived("intrusions", intrusions, positions, zones)


def calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return (*vessel_calls(now), (radar.dark_targets, {"now": now}), (radar.zones, {}))


def figures(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    """Counts of `vessels`, `dark` targets, `intrusions` and `unregistered` vessels, and the
    `intrusion_list` (each with the district it lies in)."""
    reports, register, dark, zones = results
    pos = positions(reports, register)
    vessels = in_district(frame_of(pos), adcode)
    darks = in_district(frame_of(dark), adcode)
    found = in_district(frame_of(zone_intrusions(pos, zones)), adcode)
    unregistered = None
    if vessels is not None:
        reg = vessels["registered"].astype("boolean")
        unregistered = int((~reg.fillna(False)).sum())
    listed = None if found is None else found.head(LIST_ROWS)
    if listed is not None and not listed.empty:
        listed = listed.assign(adcode=adcodes_of(listed))
    return {
        "vessels": count(vessels),
        "dark": count(darks),
        "intrusions": count(found),
        "unregistered": unregistered,
        "intrusion_list": records(
            listed, ("mmsi", "name", "zone_name", "rule", "vessel_type", "adcode")
        ),
    }


def alerts(figures: Mapping[str, Any]) -> list[Alert]:
    """Zone intrusions, and the dark targets as one."""
    return radar_alerts(figures.get("intrusion_list", []), figures.get("dark"))
