"""River (河长制) figures: share of sections at target class, and the worst sections now.

`calls(now, adcode)` lists the adapter calls for a district (None: the city); `figures(results,
adcode)` turns their results into plain data; `alerts(figures)` the alert candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from brain.alerts import Alert, river_alerts
from brain.districts import CITY_ADCODE
from data_adapters import river
from data_adapters.result import Result
from services.fetch import LIST_ROWS, Call, frame_of, records

__all__ = ["alerts", "calls", "figures"]


def calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return (
        (river.compliance, {"now": now, "adcode": adcode}),
        (river.worst_sections, {"now": now, "n": LIST_ROWS, "adcode": adcode}),
    )


def _row(frame: pd.DataFrame | None, adcode: str | None) -> dict[str, Any]:
    """The city row (adcode None) or the district's row of a per-district frame."""
    if frame is None or frame.empty or "adcode" not in frame.columns:
        return {}
    rows = records(frame[frame["adcode"] == (adcode or CITY_ADCODE)], frame.columns)
    return rows[0] if rows else {}


def figures(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    """The `share` of sections at target with its counts, and the `worst` sections."""
    comp, worst = results
    row = _row(frame_of(comp), adcode)
    return {
        "share": row.get("share"),
        "sections": row.get("sections"),
        "meeting": row.get("meeting"),
        "worse_than_v": row.get("worse_than_v"),
        "worst": records(
            frame_of(worst),
            (
                "station_id",
                "name",
                "river_name",
                "water_class",
                "target_class",
                "meets_target",
                "adcode",
            ),
            LIST_ROWS,
        ),
    }


def alerts(figures: Mapping[str, Any]) -> list[Alert]:
    """Sections below their target class among the worst."""
    return river_alerts(figures.get("worst", []))
