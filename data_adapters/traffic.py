"""Traffic (智慧交通): segment state, TPI of the city, districts and roads, profiles, incidents.

TPI (GB/T 33171-2016, 0-10) is computed in the engine from the travel-time ratio (free-flow speed
/ measured speed) with the piecewise-linear mapping of `brain.standards.tpi_from_delay`; network
figures weight segments by length × road-class weight (`brain.standards.ROAD_CLASS_WEIGHTS`).
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from brain.standards import ROAD_CLASS_WEIGHTS, TPI_DELAY_BREAKPOINTS
from brain.traffic import CLASS_ORDER
from data_adapters.declare import query
from data_adapters.query import (
    by_district,
    latest_per_key,
    upto,
    utc,
    window,
)

__all__ = [
    "district_tpi",
    "incidents",
    "segment_history",
    "segment_series",
    "segment_state",
    "segments",
    "tpi_profile",
    "tpi_series",
    "worst_roads",
]

# A segment reports every 1-5 minutes: the network's state may be kept half a minute.
_LIVE_S = 30

LOOKBACK = timedelta(minutes=15)
_LOCAL_OFFSET_S = 8 * 3600  # Asia/Shanghai has no daylight saving time


def _pieces(points: tuple[tuple[float, float], ...]) -> list[tuple[float, float, float, float]]:
    """The breakpoints as linear pieces (x0, y0, x1, y1), collinear neighbours merged: the
    engine then evaluates one short expression per piece instead of one per breakpoint."""
    out: list[tuple[float, float, float, float]] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if out:
            px0, py0, px1, py1 = out[-1]
            if math.isclose((py1 - py0) / (px1 - px0), (y1 - y0) / (x1 - x0)):
                out[-1] = (px0, py0, x1, y1)
                continue
        out.append((x0, y0, x1, y1))
    return out


_TPI_PIECES = _pieces(TPI_DELAY_BREAKPOINTS)


def _line(x: ir.FloatingValue, piece: tuple[float, float, float, float]) -> ir.FloatingValue:
    x0, y0, x1, y1 = piece
    result: ir.FloatingValue = (x - x0) * ((y1 - y0) / (x1 - x0)) + y0
    return result


def tpi_of(free_speed: ir.FloatingValue, speed: ir.FloatingValue) -> ir.FloatingValue:
    """TPI 0-10 of a reading, in the engine; a standstill scores 10, a missing speed null.

    Piecewise linear on `TPI_DELAY_BREAKPOINTS`, held at its first and last value beyond them,
    as `brain.standards.tpi_from_delay`."""
    ratio = free_speed / speed
    (x_first, y_first), (_, y_last) = TPI_DELAY_BREAKPOINTS[0], TPI_DELAY_BREAKPOINTS[-1]
    curve: ir.FloatingValue
    if len(_TPI_PIECES) == 1:  # one straight line: clamp it
        curve = ibis.least(ibis.greatest(_line(ratio, _TPI_PIECES[0]), y_first), y_last)
    else:
        curve = ibis.cases(
            (ratio <= x_first, ibis.literal(y_first)),
            *[(ratio <= piece[2], _line(ratio, piece)) for piece in _TPI_PIECES],
            else_=ibis.literal(y_last),
        )
    result: ir.FloatingValue = ibis.cases(
        (speed.isnull(), ibis.null().cast("float64")),
        (speed <= 0, ibis.literal(y_last)),
        else_=curve,
    )
    return result


def level_of(tpi: ir.FloatingValue) -> ir.IntegerValue:
    """GB/T 33171-2016 level 1..5 of a TPI (null stays null), like `brain.standards.tpi_level`:
    one level per 2 points, the top level from 8 on."""
    level = ibis.least((ibis.greatest(tpi, 0.0) / 2.0).floor() + 1, 5)
    result: ir.IntegerValue = ibis.ifelse(tpi.isnull(), ibis.null().cast("int64"), level).cast(
        "int64"
    )
    return result


def _class_weight(road_class: ir.StringValue) -> ir.FloatingValue:
    pairs = [(road_class == k, float(w)) for k, w in ROAD_CLASS_WEIGHTS.items()]
    result: ir.FloatingValue = ibis.cases(*pairs, else_=1.0)
    return result


def _class_rank(road_class: ir.StringValue) -> ir.IntegerValue:
    result: ir.IntegerValue = ibis.cases(
        *[(road_class == k, i) for i, k in enumerate(CLASS_ORDER)], else_=len(CLASS_ORDER)
    )
    return result


def _network(t: ir.Table) -> dict[str, Any]:
    """Aggregates of a network: weighted TPI, length-weighted speed, segments with a reading."""
    w = ibis.ifelse(t.tpi.notnull(), t.length_m * _class_weight(t.road_class), 0.0)
    lw = ibis.ifelse(t.speed_kmh.notnull(), t.length_m, 0.0)
    return dict(
        tpi=(t.tpi * w).sum() / w.sum().nullif(0.0),
        speed_kmh=(t.speed_kmh * lw).sum() / lw.sum().nullif(0.0),
        segments=t.tpi.count(),
        length_km=t.length_m.sum() / 1000.0,
    )


def _segments(con: Any, adcode: str | None) -> ir.Table:
    t = con.table("traffic_segments")
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    return t.select(
        "segment_id", "road_name", "road_class", "adcode", "free_speed_kmh", "length_m", "path"
    )


@query("traffic", ttl_s=300)
def segments(con: Any, *, adcode: str | None = None) -> ir.Table:
    """Road segments with their geometry."""
    return _segments(con, adcode).order_by("segment_id")


def _state(con: Any, now: datetime, adcode: str | None, lookback: timedelta) -> ir.Table:
    seg = _segments(con, adcode)
    r = upto(con.table("traffic_readings"), "ts", now, lookback)
    r = latest_per_key(r, ["segment_id"]).select(
        _sid=_.segment_id, ts=_.ts, speed_kmh=_.speed_kmh, volume=_.volume
    )
    j = seg.left_join(r, seg.segment_id == r._sid)
    tpi = tpi_of(j.free_speed_kmh, j.speed_kmh)
    return j.select(
        "segment_id",
        "road_name",
        "road_class",
        "adcode",
        "free_speed_kmh",
        "length_m",
        "path",
        "ts",
        "speed_kmh",
        "volume",
        delay_ratio=j.free_speed_kmh / j.speed_kmh.nullif(0.0),
        tpi=tpi,
        level=level_of(tpi),
    )


@query("traffic", ttl_s=_LIVE_S)
def segment_state(
    con: Any, *, now: datetime, adcode: str | None = None, lookback: timedelta = LOOKBACK
) -> ir.Table:
    """Every segment with its latest reading in `(now - lookback, now]`, delay ratio and TPI."""
    return _state(con, now, adcode, lookback).order_by("segment_id")


@query("traffic", ttl_s=_LIVE_S)
def district_tpi(
    con: Any, *, now: datetime, adcode: str | None = None, lookback: timedelta = LOOKBACK
) -> ir.Table:
    """City TPI (adcode 440800, when `adcode` is None) and the TPI of each district."""
    out = by_district(con, _state(con, now, adcode, lookback), _network, adcode is None)
    return out.select(
        "adcode",
        "name_zh",
        "name_en",
        "tpi",
        level=level_of(out.tpi),
        segments=out.segments,
        length_km=out.length_km,
    ).order_by("adcode")


def _readings(con: Any, start: datetime, end: datetime, adcode: str | None) -> ir.Table:
    r = window(con.table("traffic_readings"), "ts", start, end)
    seg = con.table("traffic_segments")
    if adcode is not None:
        seg = seg.filter(seg.adcode == adcode)
    j = r.inner_join(seg, "segment_id")
    return j.select(
        "ts",
        "speed_kmh",
        "length_m",
        "road_class",
        tpi=tpi_of(j.free_speed_kmh, j.speed_kmh),
        _epoch=j.ts.epoch_seconds(),
    )


@query("traffic", ttl_s=60)
def _tpi_buckets(
    con: Any, *, start: datetime, end: datetime, adcode: str | None = None, bucket_minutes: int = 15
) -> ir.Table:
    """`tpi_series` with each bucket's start as epoch seconds (portable across engines)."""
    r = _readings(con, start, end, adcode)
    size = int(bucket_minutes) * 60
    r = r.mutate(_bucket=(r._epoch / size).floor() * size)
    agg = r.group_by("_bucket").aggregate(**_network(r))
    return agg.select(
        _bucket=agg._bucket, tpi=agg.tpi, level=level_of(agg.tpi), speed_kmh=agg.speed_kmh
    ).order_by("_bucket")


@query("traffic", ttl_s=60)
def tpi_series(
    con: Any, *, start: datetime, end: datetime, adcode: str | None = None, bucket_minutes: int = 15
) -> pd.DataFrame:
    """Network TPI per time bucket of `[start, end)`; `ts` is the bucket start (UTC)."""
    frame: pd.DataFrame = _tpi_buckets(
        con, start=start, end=end, adcode=adcode, bucket_minutes=bucket_minutes
    )
    ts = pd.to_datetime(frame.pop("_bucket").astype("int64"), unit="s", utc=True)
    frame.insert(0, "ts", ts)
    return frame


@query("traffic", ttl_s=300)
def tpi_profile(
    con: Any, *, start: datetime, end: datetime, adcode: str | None = None, bucket_minutes: int = 15
) -> ir.Table:
    """Network TPI by time of day (Asia/Shanghai), over the readings of `[start, end)`."""
    r = _readings(con, start, end, adcode)
    size = int(bucket_minutes) * 60
    local_s = (r._epoch + _LOCAL_OFFSET_S) % 86400
    r = r.mutate(minute_of_day=((local_s / size).floor() * int(bucket_minutes)).cast("int64"))
    agg = r.group_by("minute_of_day").aggregate(**_network(r))
    return agg.select(
        "minute_of_day", "tpi", level=level_of(agg.tpi), speed_kmh=agg.speed_kmh
    ).order_by("minute_of_day")


@query("traffic", ttl_s=_LIVE_S)
def worst_roads(
    con: Any,
    *,
    now: datetime,
    n: int = 5,
    adcode: str | None = None,
    lookback: timedelta = LOOKBACK,
) -> ir.Table:
    """The `n` roads with the highest TPI now (roads with no reading are left out)."""
    s = _state(con, now, adcode, lookback)
    agg = s.group_by("road_name").aggregate(_rank=_class_rank(s.road_class).min(), **_network(s))
    agg = agg.filter(agg.tpi.notnull())
    road_class = ibis.cases(*[(agg._rank == i, k) for i, k in enumerate(CLASS_ORDER)])
    return (
        agg.select(
            "road_name",
            road_class=road_class,
            tpi=agg.tpi,
            level=level_of(agg.tpi),
            speed_kmh=agg.speed_kmh,
            length_km=agg.length_km,
            segments=agg.segments,
        )
        .order_by([ibis.desc("tpi"), ibis.desc("length_km"), "road_name"])
        .limit(int(n))
    )


@query("traffic", ttl_s=_LIVE_S)
def incidents(
    con: Any,
    *,
    now: datetime,
    adcode: str | None = None,
    open_only: bool = True,
    lookback: timedelta = timedelta(hours=24),
) -> ir.Table:
    """Incidents in their state at `now`: open ones (and, unless `open_only`, recent cleared).
    How long one has lasted is `now - reported_ts`, worked out where it is shown: the answer
    itself then stays the same from one report to the next (and is reused in between)."""
    n = utc(now)
    t = upto(con.table("traffic_incidents"), "ts", n)
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    t = latest_per_key(t, ["incident_id"])
    keep = t.status == "open"
    t = t.filter(keep if open_only else keep | (t.reported_ts > n - lookback))
    seg = con.table("traffic_segments").select(_sid=_.segment_id, road_name=_.road_name)
    j = t.left_join(seg, t.segment_id == seg._sid)
    return j.select(
        "incident_id",
        "ts",
        "kind",
        "segment_id",
        "road_name",
        "adcode",
        "lon",
        "lat",
        "severity",
        "status",
        "reported_ts",
        "description",
    ).order_by([ibis.desc("severity"), ibis.desc("reported_ts"), "incident_id"])


@query("traffic", ttl_s=_LIVE_S)
def segment_history(con: Any, *, segment_id: str, start: datetime, end: datetime) -> ir.Table:
    """Readings of one segment in `[start, end)` with delay ratio and TPI (drill-down)."""
    r = window(con.table("traffic_readings"), "ts", start, end)
    r = r.filter(r.segment_id == segment_id)
    seg = con.table("traffic_segments").select(_sid=_.segment_id, free=_.free_speed_kmh)
    j = r.inner_join(seg, r.segment_id == seg._sid)
    tpi = tpi_of(j.free, j.speed_kmh)
    return j.select(
        "ts",
        "speed_kmh",
        "volume",
        delay_ratio=j.free / j.speed_kmh.nullif(0.0),
        tpi=tpi,
        level=level_of(tpi),
    ).order_by("ts")


@query("traffic", ttl_s=60)
def _segment_buckets(
    con: Any,
    *,
    segment_ids: tuple[str, ...],
    start: datetime,
    end: datetime,
    bucket_minutes: int = 15,
) -> ir.Table:
    """`segment_series` with each bucket's start as epoch seconds (portable across engines)."""
    r = window(con.table("traffic_readings"), "ts", start, end)
    r = r.filter(r.segment_id.isin([str(s) for s in segment_ids]))
    seg = con.table("traffic_segments").select(_sid=_.segment_id, free=_.free_speed_kmh)
    j = r.inner_join(seg, r.segment_id == seg._sid)
    size = int(bucket_minutes) * 60
    j = j.mutate(
        _bucket=(j.ts.epoch_seconds() / size).floor() * size, _tpi=tpi_of(j.free, j.speed_kmh)
    )
    agg = j.group_by(["segment_id", "_bucket"]).aggregate(
        speed_kmh=j.speed_kmh.mean(),
        tpi=j._tpi.mean(),
        volume=j.volume.mean(),
        readings=j.count(),
    )
    return agg.order_by(["segment_id", "_bucket"])


@query("traffic", ttl_s=60)
def segment_series(
    con: Any,
    *,
    segment_ids: tuple[str, ...],
    start: datetime,
    end: datetime,
    bucket_minutes: int = 15,
) -> pd.DataFrame:
    """Mean speed, TPI and volume of each of `segment_ids` per time bucket of `[start, end)`;
    `ts` is the bucket start (UTC); buckets with no reading are absent."""
    frame: pd.DataFrame = _segment_buckets(
        con, segment_ids=segment_ids, start=start, end=end, bucket_minutes=bucket_minutes
    )
    ts = pd.to_datetime(frame.pop("_bucket").astype("int64"), unit="s", utc=True)
    frame.insert(1, "ts", ts)
    frame["readings"] = frame["readings"].astype("int64")
    return frame
