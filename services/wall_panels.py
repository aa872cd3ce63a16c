"""The numbers of each wall panel: per domain, the adapter calls it needs and its figures.

`<domain>_calls(now, adcode)` lists the adapter calls of the panel for a district (None: the
city); `<domain>_panel(results, adcode)` turns their `Result`s into the panel's values as plain
JSON-ready data (the caller turns the results into the panel's freshness status). Adapters do the
filtering and aggregation in the engine; what is left here is picking rows and renaming fields,
done once per distinct set of answers (`panel_values`, through `DERIVED`).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from brain.memo import Memo, combine
from brain.traffic import network, worst_roads
from brain.zones import intrusions
from data_adapters import economy, emergency, fire, radar, river, traffic
from data_adapters.result import Result
from layouts.i18n import TZ

__all__ = [
    "DERIVED",
    "ECONOMY_INDICATORS",
    "LIST_ROWS",
    "PANELS",
    "QUERY_WORKERS",
    "Call",
    "DataLike",
    "Panel",
    "fetch",
    "in_district",
    "panel_values",
    "positions",
    "records",
    "vessel_calls",
    "zone_intrusions",
]

T = TypeVar("T")

# The four economy tiles of the wall (indicator codes of the data node), in display order.
ECONOMY_INDICATORS: tuple[str, ...] = ("gdp", "iva", "retail", "port")
LIST_ROWS = 8  # rows of each "worst …" list (the 16:9 layout shows fewer, 32:9 and focus all)
TREND_HOURS = 6
POSITIONS = timedelta(minutes=15)  # a vessel's position: its last AIS report this far back


Call = tuple[Callable[..., Any], dict[str, Any]]
QUERY_WORKERS = 4  # query threads (lanes): adapter queries of one refresh in flight at once
# Figures derived from answers (panels, zone intrusions, map layers), kept per distinct answer:
# every district and language of the wall, a few refreshes deep.
DERIVED = Memo(512)


class DataLike(Protocol):
    """What the wall needs of `services.data.DataService`."""

    def call(self, fn: Callable[..., T], /, **params: Any) -> Result[T]: ...

    def peek(self, fn: Callable[..., T], /, **params: Any) -> Result[T] | None: ...

    def behind(self, fn: Callable[..., T], /, **params: Any) -> Result[T]: ...


@cache
def _lanes() -> tuple[ThreadPoolExecutor, ...]:
    """Query threads, kept so each keeps its engine cursor (and its prepared statements)."""
    return tuple(
        ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"wall-query-{i}")
        for i in range(QUERY_WORKERS)
    )


os.register_at_fork(after_in_child=_lanes.cache_clear)  # a forked worker starts its own
_placed: dict[tuple[str, ...], int] = {}  # query shape → its lane, dealt out in turn
_placing = threading.Lock()


def _lane(call: Call) -> ThreadPoolExecutor:
    """The thread a call always runs on, by its query shape (adapter and non-time parameters):
    each shape is prepared on one engine connection, not on each thread in turn. Shapes are
    dealt out in turn as they first come, so the calls of one panel go to different threads."""
    fn, params = call
    shape = (fn.__module__, fn.__qualname__)
    shape += tuple(f"{k}={v!r}" for k, v in sorted(params.items()) if not isinstance(v, datetime))
    lanes = _lanes()
    with _placing:
        lane = _placed.setdefault(shape, len(_placed) % len(lanes))
    return lanes[lane]


def fetch(data: DataLike, *calls: Call) -> list[Result[Any]]:
    """The results of independent adapter calls: those the cache has at once, the others run
    side by side (a refresh is mostly waiting on small queries, and the engine releases the GIL
    while it works), each sent off as soon as it is known to be needed."""
    out: list[Result[Any] | Future[Result[Any]]] = []
    for fn, params in calls:
        found = data.peek(fn, **params)
        out.append(
            found if found is not None else _lane((fn, params)).submit(data.call, fn, **params)
        )
    return [r.result() if isinstance(r, Future) else r for r in out]


def records(
    frame: pd.DataFrame | None, columns: Iterable[str], n: int | None = None
) -> list[dict[str, Any]]:
    """Rows of `frame` as JSON-ready dicts (NaN → None, timestamps → ISO 8601)."""
    if frame is None or frame.empty:
        return []
    cols = [c for c in columns if c in frame.columns]
    part = frame[cols] if n is None else frame[cols].head(n)
    return [{str(c): _plain(v) for c, v in row.items()} for row in part.to_dict("records")]


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp | datetime):
        return v.isoformat()
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return None if math.isnan(f) else f
    if hasattr(v, "isoformat"):  # date
        return str(v.isoformat())
    return v


def _frame(result: Result[pd.DataFrame]) -> pd.DataFrame | None:
    return result.value if isinstance(result.value, pd.DataFrame) else None


def _row(frame: pd.DataFrame | None, adcode: str | None, city: str = "440800") -> dict[str, Any]:
    """The city row (adcode None) or the district's row of a per-district frame."""
    if frame is None or frame.empty or "adcode" not in frame.columns:
        return {}
    rows = records(frame[frame["adcode"] == (adcode or city)], frame.columns)
    return rows[0] if rows else {}


def in_district(frame: pd.DataFrame | None, adcode: str | None) -> pd.DataFrame | None:
    """Rows of a lon/lat frame inside the district; points at sea belong to the nearest one."""
    if frame is None or adcode is None or frame.empty:
        return frame
    from simulator.geography import district_of  # shapely geometry of the real districts

    codes = district_of(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    inside: pd.DataFrame = frame[codes == adcode].reset_index(drop=True)
    return inside


def economy_calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return ((economy.latest, {"now": now, "adcode": adcode}),)


def economy_panel(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    (res,) = results
    rows = {
        r["indicator"]: r
        for r in records(
            _frame(res),
            (
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
            ),
        )
    }
    return {"tiles": [rows[c] for c in ECONOMY_INDICATORS if c in rows]}


def traffic_calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    # one query of the segments' state gives the TPI, the worst roads and the map's roads
    return (
        (traffic.segment_state, {"now": now, "adcode": adcode}),
        (traffic.incidents, {"now": now, "adcode": adcode}),
        (
            traffic.tpi_series,
            {"start": now - timedelta(hours=TREND_HOURS), "end": now, "adcode": adcode},
        ),
    )


def traffic_panel(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    state, inc, trend = results
    segments = _frame(state)
    net = network(segments) if segments is not None else {}
    worst = worst_roads(segments, LIST_ROWS) if segments is not None else None
    series = records(_frame(trend), ("ts", "tpi"))
    return {
        "tpi": net.get("tpi"),
        "level": net.get("level"),
        "worst": records(worst, ("road_name", "tpi", "level", "speed_kmh"), LIST_ROWS),
        "incidents": _count(_frame(inc)),
        "trend": {"ts": [p["ts"] for p in series], "tpi": [p["tpi"] for p in series]},
    }


def emergency_calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return (
        (emergency.events, {"now": now, "adcode": adcode}),
        (emergency.warnings_in_force, {"now": now, "adcode": adcode}),
    )


def emergency_panel(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    ev, warn = results
    events = _frame(ev)
    levels = {lv: 0 for lv in ("I", "II", "III", "IV")}
    if events is not None:
        for lv, n in events["level"].value_counts().items():
            levels[str(lv)] = int(n)
    return {
        "events": _count(events),
        "levels": levels,
        "top": records(events, ("event_id", "title", "level", "kind", "status"), LIST_ROWS),
        "warnings": records(
            _frame(warn), ("identifier", "event", "hazard", "level", "signal"), LIST_ROWS
        ),
    }


def fire_calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    midnight = now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        (fire.alarms, {"start": midnight, "end": now, "adcode": adcode}),
        (fire.live_alarms, {"now": now, "adcode": adcode}),
        (fire.response_summary, {"start": now - timedelta(hours=24), "end": now, "adcode": adcode}),
    )


def fire_panel(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    alarms, live, resp = results
    counts = _frame(alarms)
    today = confirmed = None
    if counts is not None:
        alarm_rows = counts[counts["kind"] == "alarm"]
        today = int(alarm_rows["events"].sum())
        confirmed = int(
            alarm_rows.loc[alarm_rows["confirmed"].fillna(False).astype(bool), "events"].sum()
        )
    summary = records(_frame(resp), ("incidents", "median_s", "p90_s", "within_standard_share"))
    return {
        "alarms_today": today,
        "confirmed_today": confirmed,
        "live": records(_frame(live), ("unit_name", "category", "confirmed", "ts"), LIST_ROWS),
        "live_count": _count(_frame(live)),
        "response": summary[0] if summary else {},
    }


def river_calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return (
        (river.compliance, {"now": now, "adcode": adcode}),
        (river.worst_sections, {"now": now, "n": LIST_ROWS, "adcode": adcode}),
    )


def river_panel(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    comp, worst = results
    row = _row(_frame(comp), adcode)
    return {
        "share": row.get("share"),
        "sections": row.get("sections"),
        "meeting": row.get("meeting"),
        "worse_than_v": row.get("worse_than_v"),
        "worst": records(
            _frame(worst),
            ("station_id", "name", "river_name", "water_class", "target_class", "meets_target"),
            LIST_ROWS,
        ),
    }


def _derived(
    name: str, derive: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame], *pair: Result[Any]
) -> Result[Any]:
    """A frame derived from two answers (no query of its own), once per distinct pair of them;
    it is as old as the first, and fails with either."""
    first, second = pair
    error = first.error or second.error
    if not (isinstance(first.value, pd.DataFrame) and isinstance(second.value, pd.DataFrame)):
        return Result(None, first.as_of, error or f"no {name}")
    keys = (first.key, second.key)
    found = DERIVED(name, keys, lambda: derive(first.value, second.value))
    return Result(found, first.as_of, error, combine(*keys))


def zone_intrusions(positions: Result[Any], zones: Result[Any]) -> Result[Any]:
    """Zone intrusions from the vessel positions and zones (the map and the radar panel share
    them)."""
    return _derived("intrusions", intrusions, positions, zones)


def vessel_calls(now: datetime) -> tuple[Call, ...]:
    """The AIS reports of the positions window (the map draws them as tails) and the register:
    the vessel positions are derived from them (`positions`), with no query of their own."""
    return ((radar.tails, {"now": now, "lookback": POSITIONS}), (radar.register, {"now": now}))


def positions(reports: Result[Any], register: Result[Any]) -> Result[Any]:
    """Each vessel's latest position with its register entry (`radar.positions_from`)."""
    return _derived("positions", radar.positions_from, reports, register)


def radar_calls(now: datetime, adcode: str | None) -> tuple[Call, ...]:
    return (*vessel_calls(now), (radar.dark_targets, {"now": now}), (radar.zones, {}))


def radar_panel(results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    reports, register, dark, zones = results
    pos = positions(reports, register)
    vessels = in_district(_frame(pos), adcode)
    darks = in_district(_frame(dark), adcode)
    found = in_district(_frame(zone_intrusions(pos, zones)), adcode)
    unregistered = None
    if vessels is not None:
        reg = vessels["registered"].astype("boolean")
        unregistered = int((~reg.fillna(False)).sum())
    return {
        "vessels": _count(vessels),
        "dark": _count(darks),
        "intrusions": _count(found),
        "unregistered": unregistered,
        "intrusion_list": records(
            found, ("mmsi", "name", "zone_name", "rule", "vessel_type"), LIST_ROWS
        ),
    }


def _count(frame: pd.DataFrame | None) -> int | None:
    return None if frame is None else len(frame)


@dataclass(frozen=True)
class Panel:
    """A wall panel: the adapter calls it needs at `now` for a district (None: the city), and
    its figures from their results (a pure function of the results and the district, so figures
    derived once serve every refresh whose answers are the same)."""

    calls: Callable[[datetime, str | None], tuple[Call, ...]]
    build: Callable[[Sequence[Result[Any]], str | None], dict[str, Any]]


PANELS: Mapping[str, Panel] = {
    "economy": Panel(economy_calls, economy_panel),
    "traffic": Panel(traffic_calls, traffic_panel),
    "emergency": Panel(emergency_calls, emergency_panel),
    "fire": Panel(fire_calls, fire_panel),
    "river": Panel(river_calls, river_panel),
    "radar": Panel(radar_calls, radar_panel),
}


def panel_values(domain: str, results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]:
    """A panel's figures from its calls' results, derived once per distinct set of answers."""
    build = PANELS[domain].build
    return DERIVED(
        f"panel.{domain}", [r.key for r in results], lambda: build(results, adcode), adcode
    )
