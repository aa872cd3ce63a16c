"""The adapter queries the benchmark times: the ones the wall and the theme pages run most."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from data_adapters import economy, emergency, fire, radar, river, traffic
from data_adapters.declare import Query
from services.economy_page import HISTORY as ECONOMY_HISTORY

__all__ = ["CASES", "Case", "pick_mmsi"]


@dataclass(frozen=True)
class Case:
    name: str
    query: Query
    kwargs: Callable[[datetime, int], dict[str, Any]]


def _now(now: datetime, _: int) -> dict[str, Any]:
    return {"now": now}


def _day(now: datetime, _: int) -> dict[str, Any]:
    return {"start": now - timedelta(days=1), "end": now}


def _month(now: datetime, _: int) -> dict[str, Any]:
    return {"start": now - timedelta(days=30), "end": now}


def _track(now: datetime, mmsi: int) -> dict[str, Any]:
    return {"mmsi": mmsi, "start": now - timedelta(days=1), "end": now}


def _river_drill(now: datetime, _: int) -> dict[str, Any]:
    """A section's week of readings (the river page's detail): the first station of the city."""
    return {"station_id": "WQ001", "start": now - timedelta(days=7), "end": now}


def _fire_drill(now: datetime, _: int) -> dict[str, Any]:
    """A district's key units with their alarms, false alarms and verdicts over a week (the fire
    page's drill from the city to 霞山区, where most units stand)."""
    return {"start": now - timedelta(days=7), "end": now, "adcode": "440803"}


# 椹川大道's 11th segment: one id at the test and demo scales, northbound at the bench scale
# (two-way roads are split by direction there); a query for both finds the one that exists
TRAFFIC_DRILL_SEGMENTS = ("ZCDD-011", "ZCDD-011F")


def _traffic_drill(now: datetime, _: int) -> dict[str, Any]:
    """A segment's last 7 days of hourly speed and TPI (the traffic page's segment detail;
    segment_series is these buckets and one conversion of their start times in pandas)."""
    return {
        "segment_ids": TRAFFIC_DRILL_SEGMENTS,
        "start": now - timedelta(days=7),
        "end": now,
        "bucket_minutes": 60,
    }


def _emergency_drill(now: datetime, _: int) -> dict[str, Any]:
    """A district's events of the last 7 days in their state now (the emergency page's drill
    from the city to 霞山区; its map, kinds chart and table are made from this one answer)."""
    return {"now": now, "adcode": "440803", "active_only": False, "lookback": timedelta(days=7)}


def _economy_drill(now: datetime, _: int) -> dict[str, Any]:
    """An indicator's published figures, every district, the history the Economy page asks for
    (its series, ranking, unusual months and forecast are made from this one answer)."""
    return {"indicator": "iva", "start": now - ECONOMY_HISTORY, "end": now}


def _radar_drill(now: datetime, mmsi: int) -> dict[str, Any]:
    """A vessel's track over the radar page's default range (6 hours): its detail."""
    return {"mmsi": mmsi, "start": now - timedelta(hours=6), "end": now}


def _case(
    name: str, module: Any, fn: str, kwargs: Callable[[datetime, int], dict[str, Any]]
) -> Case:
    return Case(name, getattr(module, fn), kwargs)


CASES = (
    _case("traffic.district_tpi", traffic, "district_tpi", _now),
    _case("traffic.worst_roads", traffic, "worst_roads", _now),
    # tpi_series is its buckets' query and one conversion of their start times in pandas
    _case("traffic.tpi_series", traffic, "_tpi_buckets", _day),
    _case("radar.vessel_positions", radar, "vessel_positions", _now),
    _case("radar.track", radar, "track", _track),
    _case("radar.dark_targets", radar, "dark_targets", _now),
    _case("river.stations_latest", river, "stations_latest", _now),
    _case("fire.response_summary", fire, "response_summary", _month),
    _case("emergency.warnings_in_force", emergency, "warnings_in_force", _now),
    _case("economy.latest", economy, "latest", _now),
    _case("drill.river", river, "station_history", _river_drill),
    _case("drill.radar", radar, "track", _radar_drill),
    _case("drill.economy", economy, "observations", _economy_drill),
    _case("drill.traffic", traffic, "_segment_buckets", _traffic_drill),
    _case("drill.fire", fire, "false_alarm_rates", _fire_drill),
    _case("drill.emergency", emergency, "events", _emergency_drill),
)


def pick_mmsi(con: Any, now: datetime) -> int:
    """A vessel with many reports over the last day (the track replay case)."""
    positions = radar.vessel_positions(con, now=now)
    moving = positions.sort_values("sog", ascending=False)
    return int(moving["mmsi"].iloc[0]) if len(moving) else 0
