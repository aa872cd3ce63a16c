"""Shared query helpers of the domain adapters: time windows, latest state per key, SQL text.

Everything here builds ibis expressions; nothing is executed until `execute`, so the engine does
the filtering and aggregation and only small results come back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

__all__ = [
    "CITY_ADCODE",
    "CITY_NAME_EN",
    "CITY_NAME_ZH",
    "EARTH_RADIUS_KM",
    "as_date",
    "by_district",
    "distance_km",
    "execute",
    "latest_per_key",
    "normalize",
    "polygon_bbox",
    "span",
    "sql",
    "upto",
    "utc",
    "window",
]

CITY_ADCODE = "440800"  # Zhanjiang prefecture-level city: used for city-wide rows
CITY_NAME_ZH = "湛江市"
CITY_NAME_EN = "Zhanjiang"
EARTH_RADIUS_KM = 6371.0088


def utc(when: datetime) -> datetime:
    """`when` in UTC; a naive datetime is refused (time must say which clock it is on). A time
    given as an ibis value (a declared query being compiled, `data_adapters.compiled`) is
    already one."""
    if isinstance(when, ir.Value):
        return when  # type: ignore[no-any-return]
    if not isinstance(when, datetime):
        raise TypeError(f"expected a datetime, got {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when.isoformat()}: pass a tz-aware UTC time")
    return when.astimezone(UTC)


def span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """`start` and `end` of a window in UTC; a window that ends before it starts is refused."""
    s, e = utc(start), utc(end)
    if isinstance(s, datetime) and isinstance(e, datetime) and e < s:
        raise ValueError(f"window ends ({e.isoformat()}) before it starts ({s.isoformat()})")
    return s, e


def window(t: ir.Table, col: str, start: datetime, end: datetime) -> ir.Table:
    """Rows of `t` with `start <= t[col] < end`."""
    s, e = span(start, end)
    return t.filter((t[col] >= s) & (t[col] < e))


def upto(t: ir.Table, col: str, now: datetime, lookback: timedelta | None = None) -> ir.Table:
    """Rows of `t` with `now - lookback < t[col] <= now` (no lower bound without a lookback)."""
    n = utc(now)
    cond = t[col] <= n
    if lookback is not None:
        cond = cond & (t[col] > n - lookback)
    return t.filter(cond)


def latest_per_key(t: ir.Table, keys: Sequence[str], order: str = "ts") -> ir.Table:
    """The newest row (by `order`) of each key: the state of append-only facts."""
    rn = ibis.row_number().over(group_by=[t[k] for k in keys], order_by=ibis.desc(t[order]))
    ranked = t.mutate(_rn=rn)
    return ranked.filter(ranked._rn == 0).drop("_rn")


def by_district(
    con: Any, t: ir.Table, metrics: Callable[[ir.Table], dict[str, Any]], with_city: bool
) -> ir.Table:
    """`metrics` of `t` per district (with names), and a city-wide row (adcode 440800) when
    `with_city`; columns: adcode, name_zh, name_en, then the metrics. Unordered: callers end
    with `.order_by("adcode")`, which puts the city row (440800) first."""
    per = t.group_by("adcode").aggregate(**metrics(t))
    d = con.table("districts").select(
        _ad=ibis._.adcode, name_zh=ibis._.name_zh, name_en=ibis._.name_en
    )
    per = per.left_join(d, per.adcode == d._ad).drop("_ad")
    names = [n for n in per.columns if n not in ("adcode", "name_zh", "name_en")]
    out = per.select("adcode", "name_zh", "name_en", *names)
    if with_city:
        city = t.aggregate(**metrics(t)).mutate(
            adcode=ibis.literal(CITY_ADCODE),
            name_zh=ibis.literal(CITY_NAME_ZH),
            name_en=ibis.literal(CITY_NAME_EN),
        )
        out = city.select(*out.columns).union(out)
    return out


def distance_km(
    lon: ir.FloatingValue, lat: ir.FloatingValue, lon0: float, lat0: float
) -> ir.FloatingValue:
    """Equirectangular distance (km) from (lon0, lat0), computed in the engine.

    Error < 0.1 % at city scale, and portable (no trigonometry in the engine: cos φ₀ is a constant).
    """
    k = math.pi / 180.0
    dx = (lon - lon0) * (k * math.cos(lat0 * k))
    dy = (lat - lat0) * k
    result: ir.FloatingValue = ((dx * dx + dy * dy).sqrt()) * EARTH_RADIUS_KM
    return result


def polygon_bbox(path: str) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a JSON `[[lon, lat], ...]` ring."""
    pts = json.loads(path)
    lons = [float(p[0]) for p in pts]
    lats = [float(p[1]) for p in pts]
    return min(lons), min(lats), max(lons), max(lats)


def execute(expr: ir.Table) -> pd.DataFrame:
    """Run `expr` and return a pandas frame with timestamps in UTC."""
    return normalize(expr.to_pandas(), expr.schema())


def normalize(frame: pd.DataFrame, schema: Any) -> pd.DataFrame:
    """A query result with nullable integers, calendar dates and timestamps in UTC."""
    for name in frame.columns:
        col = frame[name]
        if schema[name].is_integer() and not pd.api.types.is_integer_dtype(col.dtype):
            frame[name] = col.astype("Int64")  # an integer column with nulls
        elif schema[name].is_date():  # a calendar day: no clock, no zone
            frame[name] = pd.to_datetime(col).astype("datetime64[s]")
        elif isinstance(col.dtype, pd.DatetimeTZDtype):
            frame[name] = col.dt.tz_convert("UTC")
        elif pd.api.types.is_datetime64_any_dtype(col.dtype):
            frame[name] = col.dt.tz_localize("UTC")
    return frame.reset_index(drop=True)


def sql(expr: ir.Expr, dialect: str | None = None) -> str:
    """The SQL text of an expression (`dialect` defaults to the expression's own backend)."""
    return str(ibis.to_sql(expr, dialect=dialect))


def as_date(value: date | datetime | str) -> date:
    """A period given as a date, a datetime or an ISO string, as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)
