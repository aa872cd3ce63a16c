"""Traffic (智慧交通) figures: network TPI and level, the worst roads, open incidents, the trend.

`calls(now, adcode)` lists the adapter calls for a district (None: the city); `figures(results,
adcode)` turns their results into plain data; `alerts(figures)` the alert candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from brain.alerts import Alert, traffic_alerts
from brain.traffic import network, worst_roads
from data_adapters import traffic
from data_adapters.result import Result
from services.fetch import LIST_ROWS, Call, count, frame_of, records

__all__ = ["TREND_HOURS", "alerts", "calls", "figures"]

TREND_HOURS = 6  # the TPI trend looks this far back


def calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    # one query of the segments' state gives the TPI, the worst roads and the map's roads
    return (
        (traffic.segment_state, {"now": now, "adcode": adcode}),
        (traffic.incidents, {"now": now, "adcode": adcode}),
        (
            traffic.tpi_series,
            {"start": now - timedelta(hours=TREND_HOURS), "end": now, "adcode": adcode},
        ),
    )


def figures(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    """`tpi`, `level`, `worst` roads, open `incidents` and the `trend` of the TPI."""
    state, inc, trend = results
    segments = frame_of(state)
    net = network(segments) if segments is not None else {}
    worst = worst_roads(segments, LIST_ROWS) if segments is not None else None
    series = records(frame_of(trend), ("ts", "tpi"))
    return {
        "tpi": net.get("tpi"),
        "level": net.get("level"),
        "worst": records(worst, ("road_name", "tpi", "level", "speed_kmh"), LIST_ROWS),
        "incidents": count(frame_of(inc)),
        "trend": {"ts": [p["ts"] for p in series], "tpi": [p["tpi"] for p in series]},
    }


def alerts(figures: Mapping[str, Any]) -> list[Alert]:
    """Congested roads among the worst."""
    return traffic_alerts(figures.get("worst", []))
