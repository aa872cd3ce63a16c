"""Fire (智慧消防) figures: today's alarms, the live ones, and response times of the last day.

`calls(now, adcode)` lists the adapter calls for a district (None: the city); `figures(results,
adcode)` turns their results into plain data; `alerts(figures)` the alert candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from brain.alerts import Alert, fire_alerts
from brain.timezone import local_midnight
from data_adapters import fire
from data_adapters.result import Result
from services.fetch import LIST_ROWS, Call, count, frame_of, records

__all__ = ["RESPONSE_WINDOW", "alerts", "calls", "figures"]

RESPONSE_WINDOW = timedelta(hours=24)  # response times are summed over this much history


def calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return (
        (fire.alarms, {"start": local_midnight(now), "end": now, "adcode": adcode}),
        (fire.live_alarms, {"now": now, "adcode": adcode}),
        (fire.response_summary, {"start": now - RESPONSE_WINDOW, "end": now, "adcode": adcode}),
    )


def figures(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    """Alarms and confirmed fires since local midnight, the `live` alarms and the `response`
    summary (median, p90, share within the 5-minute standard)."""
    alarms, live, resp = results
    counts = frame_of(alarms)
    today = confirmed = None
    if counts is not None:
        alarm_rows = counts[counts["kind"] == "alarm"]
        today = int(alarm_rows["events"].sum())
        confirmed = int(
            alarm_rows.loc[alarm_rows["confirmed"].fillna(False).astype(bool), "events"].sum()
        )
    summary = records(frame_of(resp), ("incidents", "median_s", "p90_s", "within_standard_share"))
    return {
        "alarms_today": today,
        "confirmed_today": confirmed,
        "live": records(
            frame_of(live),
            ("unit_id", "unit_name", "category", "confirmed", "ts", "adcode"),
            LIST_ROWS,
        ),
        "live_count": count(frame_of(live)),
        "response": summary[0] if summary else {},
    }


def alerts(figures: Mapping[str, Any]) -> list[Alert]:
    """Live alarms: confirmed fires and alarms still to verify."""
    return fire_alerts(figures.get("live", []))
