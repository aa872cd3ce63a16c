"""Economy (经济运行) figures: the latest level and growth of the headline indicators.

`calls(now, adcode)` lists the adapter calls for a district (None: the city); `figures(results,
adcode)` turns their results into plain data; `alerts(figures)` the alert candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from brain.alerts import Alert
from data_adapters import economy
from data_adapters.result import Result
from services.fetch import Call, frame_of, records

__all__ = ["INDICATORS", "alerts", "calls", "figures"]

# The headline indicators (codes of the data node), in display order.
INDICATORS: tuple[str, ...] = ("gdp", "iva", "retail", "port")
_COLUMNS = (
    "indicator",
    "name_zh",
    "name_en",
    "unit",
    "period",
    "value",
    "value_ytd",
    "yoy_pct",
    "ytd_yoy_pct",
    "frequency",
)


def calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return ((economy.latest, {"now": now, "adcode": adcode}),)


def figures(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    """`tiles`: the latest figures of each headline indicator, in `INDICATORS` order."""
    (latest,) = results
    rows = {r["indicator"]: r for r in records(frame_of(latest), _COLUMNS)}
    return {"tiles": [rows[c] for c in INDICATORS if c in rows]}


def alerts(figures: Mapping[str, Any]) -> list[Alert]:
    """None: the economy's figures are monthly, and no default rule watches them."""
    return []
