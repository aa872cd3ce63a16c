"""Emergency (应急指挥) figures: events by level, the top events and the warnings in force.

`calls(now, adcode)` lists the adapter calls for a district (None: the city); `figures(results,
adcode)` turns their results into plain data; `alerts(figures)` the alert candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from brain.alerts import Alert, emergency_alerts
from brain.standards import WarningLevel
from data_adapters import emergency
from data_adapters.result import Result
from services.fetch import LIST_ROWS, Call, count, frame_of, records

__all__ = ["alerts", "calls", "figures"]


def calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return (
        (emergency.events, {"now": now, "adcode": adcode}),
        (emergency.warnings_in_force, {"now": now, "adcode": adcode}),
    )


def figures(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    """Number of `events`, their count per `levels`, the `top` events and the `warnings`."""
    ev, warn = results
    events = frame_of(ev)
    levels = {str(lv): 0 for lv in WarningLevel}
    if events is not None:
        for lv, n in events["level"].value_counts().items():
            levels[str(lv)] = int(n)
    return {
        "events": count(events),
        "levels": levels,
        "top": records(
            events, ("event_id", "title", "level", "kind", "status", "adcode"), LIST_ROWS
        ),
        "warnings": records(
            frame_of(warn),
            ("identifier", "event", "hazard", "level", "signal", "adcodes"),
            LIST_ROWS,
        ),
    }


def alerts(figures: Mapping[str, Any]) -> list[Alert]:
    """Warnings in force and high-level events."""
    return emergency_alerts(figures.get("warnings", []), figures.get("top", []))
