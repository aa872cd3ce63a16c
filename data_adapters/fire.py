"""Fire (智慧消防): stations, key units, IoT alarms and faults, 119 incidents and response times.

Device events are joined to their unit for the district. A live alarm is a device whose latest
event is an alarm not verified as false; a verification arrives as a later alarm row with
`confirmed` set, a `restored` row ends it. Response time = dispatch → first engine on scene,
against the 5-minute standard (`brain.standards.FIRE_RESPONSE_STANDARD_S`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis import _

from brain.standards import FIRE_RESPONSE_STANDARD_S
from data_adapters.declare import query
from data_adapters.query import latest_per_key, upto, utc, window

__all__ = [
    "alarms",
    "device_false_alarms",
    "false_alarm_rates",
    "fault_rates",
    "incidents",
    "live_alarms",
    "response_summary",
    "response_times",
    "stations",
    "unit_events",
    "units",
]

# Device alarms arrive every few seconds (10 s); 119 incidents every few minutes; response
# statistics over weeks move by one incident at a time.
_CASES_S = 30
_MONTH_S = 60


@query("fire", ttl_s=300)
def stations(con: Any, *, adcode: str | None = None) -> ir.Table:
    """Fire and rescue stations."""
    t = con.table("fire_stations")
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    return t.select("station_id", "name", "kind", "adcode", "lon", "lat", "engines").order_by(
        "station_id"
    )


def _units(con: Any, adcode: str | None) -> ir.Table:
    t = con.table("fire_units")
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    return t.select("unit_id", "name", "category", "adcode", "lon", "lat", "devices")


@query("fire", ttl_s=300)
def units(con: Any, *, adcode: str | None = None) -> ir.Table:
    """Key fire-safety units with their number of connected devices."""
    return _units(con, adcode).order_by("unit_id")


def _events(con: Any, adcode: str | None, events: ir.Table) -> ir.Table:
    """Device events of the units of a district (all units when `adcode` is None)."""
    if adcode is None:
        return events
    u = _units(con, adcode).select(_uid=_.unit_id)
    return events.semi_join(u, events.unit_id == u._uid)


@query("fire", ttl_s=10)
def alarms(con: Any, *, start: datetime, end: datetime, adcode: str | None = None) -> ir.Table:
    """Device events in `[start, end)` counted by kind and verification."""
    e = _events(con, adcode, window(con.table("fire_device_events"), "ts", start, end))
    return (
        e.group_by(["kind", "confirmed"])
        .aggregate(events=_.count())
        .order_by(["kind", "confirmed"])
    )


@query("fire", ttl_s=10)
def live_alarms(
    con: Any, *, now: datetime, adcode: str | None = None, lookback: timedelta = timedelta(hours=1)
) -> ir.Table:
    """Alarms still up at `now` (unverified or confirmed), with their unit, newest first."""
    e = _events(con, adcode, upto(con.table("fire_device_events"), "ts", now, lookback))
    e = latest_per_key(e, ["device_id"])
    e = e.filter((e.kind == "alarm") & (e.confirmed.isnull() | e.confirmed))
    u = _units(con, adcode).rename(unit_name="name", _uid="unit_id")
    j = e.inner_join(u, e.unit_id == u._uid)
    return j.select(
        "ts", "device_id", "unit_id", "unit_name", "category", "adcode", "lon", "lat", "confirmed"
    ).order_by([ibis.desc("ts"), "device_id"])


@query("fire", ttl_s=_MONTH_S)
def fault_rates(con: Any, *, start: datetime, end: datetime, adcode: str | None = None) -> ir.Table:
    """Per unit: devices with a fault or offline event in `[start, end)` and the share (0-1)."""
    e = _events(con, adcode, window(con.table("fire_device_events"), "ts", start, end))
    broken = e.kind.isin(["fault", "offline"])
    per = (
        e.group_by("unit_id")
        .aggregate(
            faulty_devices=e.device_id.nunique(where=broken),
            faults=(e.kind == "fault").sum(),
            offline=(e.kind == "offline").sum(),
            alarms=(e.kind == "alarm").sum(),
        )
        .rename(_uid="unit_id")
    )
    u = _units(con, adcode)
    j = u.left_join(per, u.unit_id == per._uid)
    out = j.select(
        "unit_id",
        "name",
        "category",
        "adcode",
        "devices",
        faulty_devices=j.faulty_devices.fill_null(0),
        faults=j.faults.fill_null(0),
        offline=j.offline.fill_null(0),
        alarms=j.alarms.fill_null(0),
    )
    out = out.mutate(fault_rate=out.faulty_devices / out.devices.nullif(0).cast("float64"))
    return out.order_by([ibis.desc("fault_rate"), ibis.desc("faults"), "unit_id"])


def _responses(con: Any, start: datetime, end: datetime, adcode: str | None) -> ir.Table:
    t = window(con.table("fire_incidents"), "call_ts", start, end)
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    t = latest_per_key(t, ["incident_id"])
    t = t.filter(t.dispatch_ts.notnull() & t.arrival_ts.notnull())
    return t.mutate(response_s=t.arrival_ts.epoch_seconds() - t.dispatch_ts.epoch_seconds())


@query("fire", ttl_s=_MONTH_S)
def response_times(
    con: Any, *, start: datetime, end: datetime, adcode: str | None = None
) -> ir.Table:
    """Incidents called in `[start, end)` with an arrival: dispatch → arrival seconds."""
    r = _responses(con, start, end, adcode)
    s = con.table("fire_stations").select(_sid=_.station_id, station_name=_.name)
    j = r.left_join(s, r.station_id == s._sid)
    return j.select(
        "incident_id",
        "station_id",
        "station_name",
        "adcode",
        "kind",
        "call_ts",
        "dispatch_ts",
        "arrival_ts",
        "response_s",
        meets_standard=j.response_s <= FIRE_RESPONSE_STANDARD_S,
    ).order_by(["call_ts", "incident_id"])


@query("fire", ttl_s=_MONTH_S)
def response_summary(
    con: Any, *, start: datetime, end: datetime, adcode: str | None = None
) -> ir.Table:
    """One row: incidents, median and 90th percentile response (s), share within 300 s."""
    r = _responses(con, start, end, adcode)
    secs = r.response_s.cast("float64")
    within = ibis.ifelse(r.response_s <= FIRE_RESPONSE_STANDARD_S, 1.0, 0.0)
    return r.aggregate(
        incidents=_.count(),
        median_s=secs.quantile(0.5),
        p90_s=secs.quantile(0.9),
        within_standard_share=within.mean(),
    )


@query("fire", ttl_s=_CASES_S)
def incidents(
    con: Any,
    *,
    now: datetime,
    adcode: str | None = None,
    active_only: bool = True,
    lookback: timedelta = timedelta(hours=24),
) -> ir.Table:
    """119 incidents in their state at `now`: active ones (and, unless `active_only`, recent)."""
    n = utc(now)
    t = upto(con.table("fire_incidents"), "ts", n)
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    t = latest_per_key(t, ["incident_id"])
    active = t.status != "closed"
    t = t.filter(active if active_only else active | (t.call_ts > n - lookback))
    return t.select(
        "incident_id",
        "ts",
        "call_ts",
        "dispatch_ts",
        "arrival_ts",
        "station_id",
        "kind",
        "adcode",
        "lon",
        "lat",
        "unit_id",
        "status",
    ).order_by([ibis.desc("call_ts"), "incident_id"])


def _verdicts(e: ir.Table, keys: list[str]) -> ir.Table:
    """Alarm rows per `keys`: all of them, false, real, verified, and the false share of the
    verified ones (an unverified alarm is not known to be false yet)."""
    a = e.filter(e.kind == "alarm")
    per = a.group_by(keys).aggregate(
        alarms=_.count(),
        false_alarms=a.count(where=~a.confirmed),
        real_fires=a.count(where=a.confirmed),
        verified=a.confirmed.count(),
    )
    # a filtered count over no matching row is 0 on DuckDB and PostgreSQL, NULL on Spark
    per = per.mutate(
        false_alarms=per.false_alarms.coalesce(0), real_fires=per.real_fires.coalesce(0)
    )
    return per.mutate(
        false_rate=per.false_alarms.cast("float64") / per.verified.nullif(0).cast("float64")
    )


@query("fire", ttl_s=_MONTH_S)
def false_alarm_rates(
    con: Any, *, start: datetime, end: datetime, adcode: str | None = None
) -> ir.Table:
    """Per unit with an alarm in `[start, end)`, most false alarms first: `alarms, false_alarms,
    real_fires, verified, false_rate` (false / verified, 0-1; null when none verified)."""
    e = _events(con, adcode, window(con.table("fire_device_events"), "ts", start, end))
    per = _verdicts(e, ["unit_id"]).rename(_uid="unit_id")
    u = _units(con, adcode)
    j = u.inner_join(per, u.unit_id == per._uid)
    return j.select(
        "unit_id",
        "name",
        "category",
        "adcode",
        "devices",
        "alarms",
        "false_alarms",
        "real_fires",
        "verified",
        "false_rate",
    ).order_by([ibis.desc("false_alarms"), ibis.desc("alarms"), "unit_id"])


@query("fire", ttl_s=_MONTH_S)
def device_false_alarms(
    con: Any,
    *,
    start: datetime,
    end: datetime,
    adcode: str | None = None,
    unit_id: str | None = None,
    n: int = 200,
) -> ir.Table:
    """The `n` devices with the most false alarms in `[start, end)` (of one unit when
    `unit_id`): `device_id, unit_id, unit_name, category, adcode` and the counts of
    `false_alarm_rates`."""
    e = _events(con, adcode, window(con.table("fire_device_events"), "ts", start, end))
    if unit_id is not None:
        e = e.filter(e.unit_id == unit_id)
    per = _verdicts(e, ["device_id", "unit_id"]).rename(_uid="unit_id")
    u = _units(con, adcode).rename(unit_name="name")
    j = per.inner_join(u, per._uid == u.unit_id)
    return (
        j.select(
            "device_id",
            "unit_id",
            "unit_name",
            "category",
            "adcode",
            "alarms",
            "false_alarms",
            "real_fires",
            "verified",
            "false_rate",
        )
        .order_by([ibis.desc("false_alarms"), ibis.desc("alarms"), "device_id"])
        .limit(n)
    )


@query("fire", ttl_s=_CASES_S)
def unit_events(
    con: Any, *, unit_id: str, start: datetime, end: datetime, n: int = 200
) -> ir.Table:
    """The newest `n` device events of one key unit in `[start, end)`:
    `ts, device_id, kind, confirmed`."""
    e = window(con.table("fire_device_events"), "ts", start, end)
    e = e.filter(e.unit_id == unit_id)
    return (
        e.select("ts", "device_id", "kind", "confirmed")
        .order_by([ibis.desc("ts"), "device_id", "kind"])
        .limit(n)
    )
