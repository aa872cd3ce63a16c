"""Emergency (应急指挥): events, warnings in force, typhoon signal and track, resources.

Warnings come from CAP messages. The table keeps no CAP `references`, so the state of a warning
is decided per sender and hazard: the newest Alert/Update/Cancel of a `(sender, hazard)` at `now`
is its state, and a Cancel ends it (docs/adapters.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from brain.standards import TYPHOON_SIGNALS, WarningLevel, beaufort_force
from data_adapters.declare import query
from data_adapters.query import (
    CITY_ADCODE,
    distance_km,
    latest_per_key,
    upto,
    utc,
)

__all__ = [
    "events",
    "nearest_resources",
    "resources",
    "storms",
    "typhoon_signal_now",
    "typhoon_track",
    "warnings_in_force",
]

# Events, warnings and storm positions change every few minutes at most.
_LIVE_S = 30

_LEVEL_RANK = {str(level): level.rank for level in WarningLevel}


def _level_rank(level: ir.StringValue) -> ir.IntegerValue:
    result: ir.IntegerValue = ibis.cases(
        *[(level == k, v) for k, v in _LEVEL_RANK.items()], else_=5
    )
    return result


@query("emergency", ttl_s=_LIVE_S)
def events(
    con: Any,
    *,
    now: datetime,
    adcode: str | None = None,
    active_only: bool = True,
    lookback: timedelta = timedelta(days=7),
) -> ir.Table:
    """Events in their state at `now`, level I first: active ones (and recent closed ones)."""
    n = utc(now)
    t = upto(con.table("emergency_events"), "ts", n)
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    t = latest_per_key(t, ["event_id"])
    active = t.status != "closed"
    t = t.filter(active if active_only else active | (t.reported_ts > n - lookback))
    return t.select(
        "event_id",
        "ts",
        "kind",
        "level",
        "adcode",
        "lon",
        "lat",
        "title",
        "status",
        "reported_ts",
        "casualties",
    ).order_by([_level_rank(t.level), ibis.desc(t.reported_ts), t.event_id])


def _in_force(con: Any, now: datetime, adcode: str | None) -> ir.Table:
    n = utc(now)
    t = upto(con.table("emergency_warnings"), "sent", n)
    t = t.filter(t.msg_type.isin(["Alert", "Update", "Cancel"]))
    t = latest_per_key(t, ["sender", "hazard"], order="sent")
    t = t.filter(
        (t.msg_type != "Cancel")
        & (t.onset.fill_null(t.sent) <= n)
        & (t.expires.isnull() | (t.expires > n))
    )
    if adcode is not None:
        codes = "," + t.adcodes + ","
        t = t.filter(codes.contains(f",{adcode},") | codes.contains(f",{CITY_ADCODE},"))
    return t


@query("emergency", ttl_s=_LIVE_S)
def warnings_in_force(con: Any, *, now: datetime, adcode: str | None = None) -> ir.Table:
    """Warnings in force at `now` (optionally covering one district), level I first."""
    t = _in_force(con, now, adcode)
    return t.select(
        "identifier",
        "sent",
        "sender",
        "msg_type",
        "event",
        "hazard",
        "level",
        "signal",
        "severity",
        "onset",
        "expires",
        "area_desc",
        "adcodes",
        "polygons",
        "headline",
    ).order_by([_level_rank(t.level), ibis.desc(t.sent), t.identifier])


@query("emergency", ttl_s=_LIVE_S)
def _typhoon_rank(con: Any, *, now: datetime, adcode: str | None = None) -> ir.Table:
    """The rank in `TYPHOON_SIGNALS` of the highest typhoon signal in force (-1 or null: none)."""
    t = _in_force(con, now, adcode)
    t = t.filter(t.hazard == "typhoon")
    rank = ibis.cases(*[(t.signal == s, i) for i, s in enumerate(TYPHOON_SIGNALS)], else_=-1)
    return t.aggregate(best=rank.max())


@query("emergency", ttl_s=_LIVE_S)
def typhoon_signal_now(con: Any, *, now: datetime, adcode: str | None = None) -> str | None:
    """The highest typhoon signal in force at `now` (white < blue < yellow < orange < red)."""
    best = _typhoon_rank(con, now=now, adcode=adcode)["best"].iloc[0]
    if pd.isna(best) or int(best) < 0:
        return None
    return TYPHOON_SIGNALS[int(best)]


@query("emergency", ttl_s=300)
def resources(con: Any, *, adcode: str | None = None, kind: str | None = None) -> ir.Table:
    """Shelters, depots, rescue teams and boats with their capacity."""
    t = con.table("emergency_resources")
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    if kind is not None:
        t = t.filter(t.kind == kind)
    return t.select("resource_id", "kind", "name", "adcode", "lon", "lat", "capacity").order_by(
        "resource_id"
    )


@query("emergency", ttl_s=_LIVE_S)
def nearest_resources(
    con: Any, *, lon: float, lat: float, n: int = 5, kind: str | None = None
) -> ir.Table:
    """The `n` resources nearest to (lon, lat), with their distance in km."""
    t = resources.expr(con, kind=kind)
    t = t.mutate(distance_km=distance_km(t.lon, t.lat, float(lon), float(lat)))
    return t.order_by(["distance_km", "resource_id"]).limit(int(n))


@query("emergency", ttl_s=_LIVE_S)
def _typhoon_points(
    con: Any, *, now: datetime, lookback: timedelta = timedelta(days=2)
) -> ir.Table:
    """The points of `typhoon_track`, without their wind force."""
    n = utc(now)
    t = upto(con.table("typhoon_tracks"), "issued_ts", n)
    observed = upto(t.filter(t.kind == "observed"), "ts", n)
    active = upto(observed, "ts", n, lookback)
    rn = ibis.row_number().over(order_by=[ibis.desc(active.ts), active.storm_id])
    storm = active.mutate(_rn=rn).filter(_._rn == 0).select(_storm=_.storm_id)
    obs = latest_per_key(observed, ["storm_id", "ts"], order="issued_ts")
    fc = t.filter(t.kind == "forecast")
    newest = ibis.rank().over(group_by=fc.storm_id, order_by=ibis.desc(fc.issued_ts))
    fc = fc.mutate(_r=newest).filter(_._r == 0).drop("_r")
    both = obs.union(fc)
    j = both.inner_join(storm, both.storm_id == storm._storm)
    out = j.select(
        "storm_id",
        "name_zh",
        "name_en",
        "kind",
        "ts",
        "issued_ts",
        "lon",
        "lat",
        "pressure_hpa",
        "wind_ms",
    )
    return out.order_by([ibis.cases((out.kind == "observed", 0), else_=1), out.ts])


@query("emergency", ttl_s=_LIVE_S)
def typhoon_track(
    con: Any, *, now: datetime, lookback: timedelta = timedelta(days=2)
) -> pd.DataFrame:
    """The active storm's observed track up to `now` and its latest forecast (empty: no storm),
    with the Beaufort force of each point's wind."""
    frame: pd.DataFrame = _typhoon_points(con, now=now, lookback=lookback)
    frame["force"] = pd.Series(
        [beaufort_force(float(w)) for w in frame["wind_ms"]], index=frame.index, dtype="int64"
    )
    return frame


@query("emergency", ttl_s=60)
def storms(con: Any, *, now: datetime) -> ir.Table:
    """Storms observed at or before `now`, the newest first: their first and last observed
    times (the span a replay covers), strongest wind and lowest pressure."""
    n = utc(now)
    t = upto(con.table("typhoon_tracks"), "issued_ts", n)
    t = upto(t.filter(t.kind == "observed"), "ts", n)
    agg = t.group_by("storm_id").aggregate(
        name_zh=t.name_zh.max(),
        name_en=t.name_en.max(),
        first_ts=t.ts.min(),
        last_ts=t.ts.max(),
        max_wind_ms=t.wind_ms.max(),
        min_pressure_hpa=t.pressure_hpa.min(),
    )
    return agg.order_by([ibis.desc(agg.last_ts), agg.storm_id])
