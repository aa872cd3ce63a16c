"""The snapshots the alert rules read, fetched through the data service (`DataService.call`).

Each source is a name (`SOURCES`: what the rule files may name) and rows as plain data, the
columns listed in `SOURCES`. A source whose query failed is None in the snapshot: its rules are
not evaluated this tick (their alerts stay as they are; a dead feed resolves nothing), and the
`stale` rules on `health.feeds` say the feed is late.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import pandas as pd

__all__ = ["SOURCES", "snapshot"]

log = logging.getLogger(__name__)

# source → its columns (documented in docs/alerts.md)
SOURCES: Mapping[str, tuple[str, ...]] = {
    "traffic.roads": (
        "road_name",
        "road_class",
        "tpi",
        "level",
        "speed_kmh",
        "adcode",
        "lon",
        "lat",
    ),
    "traffic.segments": ("segment_id", "road_name", "adcode", "tpi", "speed_kmh", "lon", "lat"),
    "traffic.network": ("ts", "tpi"),
    "fire.live": (
        "ts",
        "device_id",
        "unit_id",
        "unit_name",
        "category",
        "adcode",
        "lon",
        "lat",
        "confirmed",
    ),
    "emergency.warnings": ("identifier", "event", "hazard", "level", "signal", "adcodes", "adcode"),
    "emergency.events": (
        "event_id",
        "ts",
        "kind",
        "level",
        "adcode",
        "lon",
        "lat",
        "title",
        "status",
    ),
    "river.sections": (
        "station_id",
        "name",
        "river_name",
        "adcode",
        "lon",
        "lat",
        "water_class",
        "target_class",
        "ts",
    ),
    "radar.vessels": (
        "mmsi",
        "name",
        "vessel_type",
        "registered",
        "ts",
        "lon",
        "lat",
        "sog",
        "nav_status",
        "adcode",
    ),
    "radar.zones": ("zone_id", "name", "kind", "rule", "path", "lon", "lat"),
    "radar.dark": ("track_id", "radar_id", "ts", "lon", "lat", "speed_kn", "adcode"),
    "economy.latest": (
        "indicator",
        "name_zh",
        "name_en",
        "unit",
        "period",
        "value",
        "yoy_pct",
        "ytd_yoy_pct",
        "adcode",
    ),
    "health.feeds": ("domain", "newest", "age_s", "status", "error"),
}
TREND = timedelta(hours=2)  # the city TPI series a rate rule can look back over


def _records(frame: Any, source: str) -> list[dict[str, Any]]:
    from services.fetch import records

    return records(frame if isinstance(frame, pd.DataFrame) else None, SOURCES[source])


@lru_cache(maxsize=65536)
def _middle(path: str) -> tuple[float | None, float | None]:
    """The middle vertex of a JSON line of [lon, lat] (paths are fixed: parsed once)."""
    try:
        points = json.loads(path)
        lon, lat = points[len(points) // 2]
        return float(lon), float(lat)
    except (ValueError, TypeError, IndexError, KeyError):
        return None, None


@lru_cache(maxsize=4096)
def _centre(path: str) -> tuple[float | None, float | None]:
    from brain.zones import zone_polygon  # the geofence rules' polygon, built once for both

    try:
        c = zone_polygon(path).centroid
        return float(c.x), float(c.y)
    except (ValueError, TypeError):
        return None, None


def _with_points(frame: pd.DataFrame, of: Callable[[str], tuple[Any, Any]]) -> pd.DataFrame:
    pts = [of(str(p)) for p in frame["path"]]
    return frame.assign(lon=[p[0] for p in pts], lat=[p[1] for p in pts])


def _segments(state: pd.DataFrame) -> pd.DataFrame:
    return _with_points(state, _middle)


def _roads(state: pd.DataFrame) -> pd.DataFrame:
    """Each road's TPI (`brain.traffic.worst_roads`, every road) with the district and middle
    of its most congested segment."""
    from brain.traffic import worst_roads

    segs = _segments(state)
    roads = worst_roads(state, n=len(state))
    worst = (
        segs.dropna(subset=["tpi"])
        .sort_values(["tpi", "segment_id"], ascending=[False, True])
        .drop_duplicates("road_name")
        .set_index("road_name")
    )
    at = worst.reindex(roads["road_name"])
    return roads.assign(
        adcode=at["adcode"].to_numpy(), lon=at["lon"].to_numpy(), lat=at["lat"].to_numpy()
    )


def _placed(frame: pd.DataFrame) -> pd.DataFrame:
    from services.geography import adcodes_of

    if frame.empty:
        return frame.assign(adcode=pd.Series(dtype=object))
    return frame.assign(adcode=adcodes_of(frame))


def _single(adcodes: Any) -> str | None:
    codes = [c.strip() for c in str(adcodes or "").split(",") if c.strip()]
    return codes[0] if len(codes) == 1 else None


# source → (the calls it needs, how their frames become its rows)
def _plan(now: datetime) -> dict[str, tuple[list[tuple[Any, dict[str, Any]]], Callable[..., Any]]]:
    from data_adapters import economy, emergency, fire, health, radar, river, traffic

    state = (traffic.segment_state, {"now": now})
    return {
        "traffic.roads": ([state], _roads),
        "traffic.segments": ([state], _segments),
        "traffic.network": (
            [(traffic.tpi_series, {"start": now - TREND, "end": now, "bucket_minutes": 5})],
            lambda f: f,
        ),
        "fire.live": ([(fire.live_alarms, {"now": now})], lambda f: f),
        "emergency.warnings": (
            [(emergency.warnings_in_force, {"now": now})],
            lambda f: f.assign(adcode=[_single(a) for a in f["adcodes"]]),
        ),
        "emergency.events": ([(emergency.events, {"now": now})], lambda f: f),
        "river.sections": ([(river.stations_latest, {"now": now})], lambda f: f),
        "radar.vessels": (
            [
                (radar.tails, {"now": now, "lookback": timedelta(minutes=15)}),
                (radar.register, {"now": now}),
            ],
            lambda t, r: _placed(radar.positions_from(t, r)),
        ),
        "radar.zones": ([(radar.zones, {})], lambda f: _with_points(f, _centre)),
        "radar.dark": ([(radar.dark_targets, {"now": now})], _placed),
        "economy.latest": ([(economy.latest, {"now": now})], lambda f: f),
        "health.feeds": ([(health.freshness, {"now": now, "counts": False})], lambda f: f),
    }


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(4, thread_name_prefix="alert-source")


def snapshot(
    data: Any, now: datetime, names: Iterable[str]
) -> dict[str, Sequence[Mapping[str, Any]] | None]:
    """The rows of each source in `names` at `now` (None: its query failed this tick). Each
    distinct query is asked once, the queries of one tick at once."""
    wanted = sorted(set(names))
    unknown = [n for n in wanted if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown alert sources {unknown}: known are {sorted(SOURCES)}")
    plan = _plan(now)
    calls: dict[str, tuple[Any, dict[str, Any]]] = {}
    for name in wanted:
        for fn, params in plan[name][0]:
            calls.setdefault(
                f"{fn.__module__}.{fn.__qualname__}:{sorted(params.items())}", (fn, params)
            )
    futures = {k: _pool().submit(data.call, fn, **params) for k, (fn, params) in calls.items()}
    results = {k: f.result() for k, f in futures.items()}
    out: dict[str, Sequence[Mapping[str, Any]] | None] = {}
    for name in wanted:
        needs, build = plan[name]
        answers = [
            results[f"{fn.__module__}.{fn.__qualname__}:{sorted(p.items())}"] for fn, p in needs
        ]
        if not all(a.ok for a in answers):
            out[name] = None
            continue
        try:
            out[name] = _records(build(*(a.value for a in answers)), name)
        except (KeyError, ValueError, TypeError, AttributeError) as err:
            # an answer of an unexpected shape: the source did not answer, its rules wait
            log.warning("alert source %s: %s: %s", name, type(err).__name__, err)
            out[name] = None
    return out
