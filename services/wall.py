"""One tick of the wall: every panel, the title badges, the ticker and feed health, as plain data.

The ticker shows the alert engine's alerts from the alert store (`alerts_view`), never a list of
its own, and says so when the store is empty because no engine has run; the alert an officer
pushed from the duty console comes with it, for the wall to focus on.

`tick(data, now, district)` asks the data service for what each panel shows and returns a
JSON-ready dict; layouts turn it into components and the wall callback sends only what changed.
It is also what the `wall.tick` benchmark times. A panel whose source fails keeps the last good
values the data service remembers and is marked `stale` with the time of that data; with nothing
to show it is `down`. One dead feed never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from alerts.store import Alert, AlertStore, StoreUnavailable
from brain.districts import CITY_SEAT
from brain.geo import haversine_km
from brain.memo import content_key
from brain.rules import severity_rank
from brain.situation import MapData
from data_adapters import emergency, fire, health, radar, river, traffic
from data_adapters.result import Result
from services import domains, duty
from services.fetch import DERIVED, Call, DataLike, fetch, records
from services.geography import district_list
from services.radar import POSITIONS, positions, zone_intrusions
from services.wall_detail import detail
from services.wall_panels import ASKED, PANELS, panel

__all__ = [
    "DOMAINS",
    "TAIL",
    "TICKER_ITEMS",
    "alerts_view",
    "detail",
    "district_list",
    "map_tick",
    "panel_status",
    "store_alerts",
    "tick",
]

log = logging.getLogger(__name__)
DOMAINS: tuple[str, ...] = tuple(str(d) for d in PANELS)  # the panels, in their order
TICKER_ITEMS = 14
# what the wall shows of alerts with no alert store at hand (the wall.tick benchmark)
NO_STORE: Mapping[str, Any] = {"status": "no-store", "ticker": [], "pushed": None}


def panel_status(
    results: Sequence[Result[Any]], feed: Mapping[str, Any] | None
) -> tuple[str, str | None]:
    """(`ok` | `stale` | `down`, ISO time of the newest good data when not ok).

    Stale when a query failed but its last good value is shown, or when the domain's feed has
    stopped delivering (health says stale or down); down when there is nothing to show.
    """
    failed = [r for r in results if not r.ok]
    feed_status = (feed or {}).get("status", "fresh")
    if not failed and feed_status == "fresh":
        return "ok", None
    if failed and all(r.value is None for r in failed):
        return "down", None
    newest = (feed or {}).get("newest")
    if newest is None:
        times = [r.as_of for r in results if r.as_of is not None]
        newest = min(times).isoformat() if times else None
    return "stale", newest


def tick(
    data: DataLike,
    now: datetime,
    district: str | None = None,
    alerts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the wall shows at `now` for the city (`district` None) or one district;
    `alerts` is the store's share (`alerts_view`), none when no store is at hand.

    Every adapter call of the refresh (title, all panels) goes out in one batch, so the queries
    the cache does not answer run side by side; the figures are then derived from the answers,
    once per distinct answer (`services.fetch.DERIVED`). The feed check, once a minute,
    is never waited for (`DataService.behind`): a panel whose own query fails is marked at once
    (`_feed_with_panel`), and a node that cannot be asked at all marks every feed at once
    (`health.reachable`, every refresh), also when the cache still holds the panels' answers."""
    now = now.astimezone(UTC)
    checked = data.behind(health.freshness, now=now, counts=False)
    plan: list[Call] = []
    spans: dict[str, slice] = {}
    for domain in ASKED:
        calls = domains.SERVICES[domain].calls(now, district)
        spans[domain] = slice(len(plan), len(plan) + len(calls))
        plan += calls
    plan += [
        (emergency.typhoon_signal_now, {"now": now, "adcode": district}),
        (emergency.typhoon_track, {"now": now}),
        (health.reachable, {}),
    ]
    *results, signal, track, reached = fetch(data, *plan)
    if not reached.ok:  # the node cannot be asked: every feed is down since its last good data
        checked = Result.failed(str(reached.error), last=checked)
    feeds = _feeds(checked)
    title = _title(signal, track, district)
    panels: dict[str, dict[str, Any]] = {}
    for domain in PANELS:
        values, used = panel(domain, results[spans[domain]], district)
        status, as_of = panel_status(used, feeds.get(domain))
        panels[domain] = {"status": status, "as_of": as_of, "data": values}
        feeds[domain] = _feed_with_panel(feeds[domain], status, as_of)
    title["warnings"] = [
        w for w in panels["emergency"]["data"].get("warnings", []) if w.get("hazard") != "typhoon"
    ][:2]
    return {
        "now": now.isoformat(),
        "district": district,
        "title": title,
        "panels": panels,
        "ticker": list((alerts or NO_STORE)["ticker"]),
        "alerts": (alerts or NO_STORE)["status"],
        "pushed": (alerts or NO_STORE)["pushed"],
        "feeds": feeds,
    }


def _feeds(result: Result[pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """Freshness of each domain's feed; every feed is `down` when even the check fails (a copy
    of what is kept per distinct check: the caller replaces feeds in it)."""
    return dict(DERIVED("feeds", [result.key], lambda: _feeds_of(result), result.ok))


def _feeds_of(result: Result[pd.DataFrame]) -> dict[str, dict[str, Any]]:
    frame = result.value if isinstance(result.value, pd.DataFrame) else None
    rows = {r["domain"]: r for r in records(frame, ("domain", "newest", "age_s", "status"))}
    out: dict[str, dict[str, Any]] = {}
    for d in DOMAINS:
        row = rows.get(d, {"newest": None, "age_s": None, "status": "down"})
        status = row["status"] if result.ok else "down"
        out[d] = {"status": status, "newest": row["newest"], "age_s": row["age_s"]}
    return out


def _feed_with_panel(feed: dict[str, Any], status: str, as_of: str | None) -> dict[str, Any]:
    """The feed as the strip shows it: a panel that cannot read its data marks its feed too,
    with the time of the data still on screen (health alone may see another, quiet-but-live
    table of the domain)."""
    if status == "ok" or (feed["status"] != "fresh" and feed["newest"] is not None):
        return feed
    return {**feed, "status": "stale" if as_of else "down", "newest": as_of or feed["newest"]}


def _title(signal: Result[Any], track: Result[Any], district: str | None) -> dict[str, Any]:
    """The typhoon signal in force and the storm (weather warnings are added from the panel)."""
    frame = track.value if isinstance(track.value, pd.DataFrame) else None
    storm = DERIVED("typhoon", [track.key], lambda: _typhoon(frame, district), district)
    return {
        "signal": signal.value if signal.ok else None,
        "typhoon": None if storm is None else dict(storm),
        "warnings": [],
    }


def _typhoon(track: pd.DataFrame | None, district: str | None) -> dict[str, Any] | None:
    """The storm's latest observed position, its wind and its distance to the place in view."""
    if track is None or track.empty:
        return None
    observed = track[track["kind"] == "observed"]
    if observed.empty:
        return None
    last = records(
        observed.sort_values("ts").tail(1),
        ("storm_id", "name_zh", "name_en", "ts", "lon", "lat", "wind_ms", "force"),
    )[0]
    ref = next(d for d in district_list() if d["adcode"] == (district or CITY_SEAT))
    last["distance_km"] = float(haversine_km(last["lon"], last["lat"], ref["lon"], ref["lat"]))
    return last


def alerts_view(store: AlertStore | None, now: datetime, district: str | None) -> dict[str, Any]:
    """The wall's share of the alert store at `now`: the ticker (the firing alerts not closed,
    of the district in view and the citywide ones, most severe first) with `pulse` on the red
    and orange ones nobody has acknowledged, the alert pushed to the wall, and a status: `ok`,
    `quiet` (an engine runs, nothing is firing), `no-engine` (the store is empty: no engine has
    run) or `down` (the store cannot be read: the wall carries on without it)."""
    if store is None:
        return dict(NO_STORE)
    try:
        open_alerts = duty.open_items(store)
        pushed = store.pushed(now)
        seen = bool(open_alerts) or duty.engine_seen(store, now)
    except (SQLAlchemyError, StoreUnavailable) as exc:  # a dead store must not stop the wall
        log.warning("alert store unreadable: %s", exc)
        return {"status": "down", "ticker": [], "pushed": None}
    shown = [
        a
        for a in open_alerts
        if a.state == "firing" and (district is None or a.district in (None, district))
    ]
    items = [_item(a) for a in shown[:TICKER_ITEMS]]
    status = "ok" if items else "quiet" if seen else "no-engine"
    return {"status": status, "ticker": items, "pushed": _pushed(pushed) if pushed else None}


def store_alerts(url: str, now: datetime, district: str | None) -> dict[str, Any]:
    """`alerts_view` of the alert store at `url` (status `down` when it cannot be opened)."""
    try:
        store = AlertStore.shared(url)
    except (SQLAlchemyError, StoreUnavailable) as exc:  # a dead store must not stop the wall
        log.warning("alert store unavailable: %s", exc)
        return {"status": "down", "ticker": [], "pushed": None}
    return alerts_view(store, now, district)


def _item(alert: Alert) -> dict[str, Any]:
    """A ticker item: `sev` 4 (I 红) … 1 (IV 蓝), the words in both languages."""
    return {
        "id": alert.id,
        "domain": alert.domain,
        "severity": alert.severity,
        "sev": 4 - severity_rank(alert.severity),
        "adcode": alert.district,
        "text": {"zh": alert.message_zh, "en": alert.message_en},
        "pulse": alert.id in duty.alarming([alert]),
    }


def _pushed(alert: Alert) -> dict[str, Any]:
    """The pushed alert as the wall focuses on it."""
    return {
        **_item(alert),
        "lon": alert.lon,
        "lat": alert.lat,
        "until": alert.pushed_until.isoformat() if alert.pushed_until else None,
        "by": alert.pushed_by,
    }


TAIL = timedelta(minutes=10)  # "short track tails"
# The map's frames: (name in MapData, adapter, parameters at `now`). The whole city is drawn
# even when a district is in focus (the map dims the others), so these ignore the district.
_MAP_SOURCES: tuple[tuple[str, Any, Any], ...] = (
    ("roads", traffic.segment_state, lambda now: {"now": now}),
    ("incidents", traffic.incidents, lambda now: {"now": now}),
    ("events", emergency.events, lambda now: {"now": now}),
    ("warnings", emergency.warnings_in_force, lambda now: {"now": now}),
    ("typhoon", emergency.typhoon_track, lambda now: {"now": now}),
    ("fire_stations", fire.stations, lambda now: {}),
    ("fire_alarms", fire.live_alarms, lambda now: {"now": now}),
    ("fire_incidents", fire.incidents, lambda now: {"now": now}),
    ("reaches", river.reaches, lambda now: {}),
    ("river_stations", river.stations_latest, lambda now: {"now": now}),
    ("reports", radar.tails, lambda now: {"now": now, "lookback": POSITIONS}),  # as the panel's
    ("register", radar.register, lambda now: {"now": now}),
    ("dark", radar.dark_targets, lambda now: {"now": now}),
    ("zones", radar.zones, lambda now: {}),
)


def _tails(reports: Result[Any]) -> Result[Any]:
    """The map's short tails: the last `TAIL` of the reports fetched for the positions."""
    frame = reports.value
    if not isinstance(frame, pd.DataFrame) or reports.as_of is None:
        return reports
    tail = frame[frame["ts"] > reports.as_of - TAIL].reset_index(drop=True)
    return Result(tail, reports.as_of, reports.error, content_key(tail))


def map_tick(data: DataLike, now: datetime) -> MapData:
    """The frames the situational map draws at `now`, with their content keys (a failed source:
    its last good frame, else an empty one, so that layer is simply not drawn)."""
    now = now.astimezone(UTC)
    results = dict(
        zip(
            (name for name, _, _ in _MAP_SOURCES),
            fetch(data, *((fn, params(now)) for _, fn, params in _MAP_SOURCES)),
            strict=True,
        )
    )
    reports, register = results.pop("reports"), results.pop("register")
    results["vessels"] = positions(reports, register)
    results["tails"] = _tails(reports)
    results["intrusions"] = zone_intrusions(results["vessels"], results["zones"])
    return MapData(
        **{
            name: r.value if isinstance(r.value, pd.DataFrame) else pd.DataFrame()
            for name, r in results.items()
        },
        keys={name: r.key for name, r in results.items() if isinstance(r.value, pd.DataFrame)},
    )
