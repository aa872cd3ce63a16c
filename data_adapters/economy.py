"""Economy (经济运行): indicator levels, year-on-year and cumulative year-on-year, district ranking.

Observations are monthly (quarterly for GDP) by district; a figure re-published for the same
(indicator, adcode, period) replaces the older one. City figures are sums over districts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis import _

from data_adapters.declare import query
from data_adapters.query import (
    CITY_ADCODE,
    as_date,
    latest_per_key,
    upto,
    utc,
)

__all__ = [
    "RANK_BY",
    "indicators",
    "latest",
    "observations",
    "ranking",
    "series",
]

RANK_BY = ("value", "value_ytd", "yoy_pct", "ytd_yoy_pct")


@query("economy", ttl_s=600)
def indicators(con: Any) -> ir.Table:
    """Every indicator with its names, unit, frequency and whether it is cumulative."""
    t = con.table("economy_indicators")
    cols = ["code", "name_zh", "name_en", "unit", "frequency", "cumulative"]
    return t.select(*cols).order_by("code")


def _observations(
    con: Any, now: datetime | None, adcode: str | None, indicator: str | None = None
) -> ir.Table:
    """Current figures (one per indicator, adcode, period), city totals when `adcode` is None."""
    t = con.table("economy_observations")
    if indicator is not None:
        t = t.filter(t.indicator == indicator)
    if now is not None:
        t = upto(t, "ts", now)
    if adcode is not None:
        t = t.filter(t.adcode == adcode)
    t = latest_per_key(t, ["indicator", "adcode", "period"])
    if adcode is None:
        t = (
            t.group_by(["indicator", "period"])
            .aggregate(value=_.value.sum(), value_ytd=_.value_ytd.sum())
            .mutate(adcode=ibis.literal(CITY_ADCODE))
        )
    return t.select("indicator", "adcode", "period", "value", "value_ytd")


def _pct(cur: ir.FloatingValue, prev: ir.FloatingValue) -> ir.FloatingValue:
    result: ir.FloatingValue = (cur / prev.nullif(0.0) - 1.0) * 100.0
    return result


def _with_yoy(obs: ir.Table) -> ir.Table:
    """Each figure with the same period one year earlier and both year-on-year changes."""
    cur = obs.mutate(_y=obs.period.year(), _m=obs.period.month())
    prev = obs.select(
        _pi=obs.indicator,
        _pa=obs.adcode,
        _py=obs.period.year() + 1,
        _pm=obs.period.month(),
        value_last_year=obs.value,
        value_ytd_last_year=obs.value_ytd,
    )
    joined = cur.left_join(
        prev,
        [cur.indicator == prev._pi, cur.adcode == prev._pa, cur._y == prev._py, cur._m == prev._pm],
    )
    return joined.select(
        "indicator",
        "adcode",
        "period",
        "value",
        "value_ytd",
        "value_last_year",
        "value_ytd_last_year",
        yoy_pct=_pct(joined.value, joined.value_last_year),
        ytd_yoy_pct=_pct(joined.value_ytd, joined.value_ytd_last_year),
    )


@query("economy", ttl_s=600)
def latest(con: Any, *, now: datetime, adcode: str | None = None) -> ir.Table:
    """Newest period of every indicator published by `now`, with YoY and cumulative YoY (%)."""
    figures = _with_yoy(_observations(con, now, adcode))
    newest = latest_per_key(figures, ["indicator"], order="period")
    ind = con.table("economy_indicators")
    joined = newest.inner_join(ind, newest.indicator == ind.code)
    return joined.select(
        "indicator",
        "name_zh",
        "name_en",
        "unit",
        "frequency",
        "adcode",
        "period",
        "value",
        "value_ytd",
        "value_last_year",
        "value_ytd_last_year",
        "yoy_pct",
        "ytd_yoy_pct",
    ).order_by("indicator")


@query("economy", ttl_s=600)
def series(
    con: Any, *, indicator: str, start: datetime, end: datetime, adcode: str | None = None
) -> ir.Table:
    """Periods of one indicator in `[start, end)` with YoY (%); city totals without `adcode`."""
    first, last = as_date(utc(start)), as_date(utc(end))
    figures = _with_yoy(_observations(con, None, adcode, indicator))
    return (
        figures.filter((figures.period >= first) & (figures.period < last))
        .select("period", "value", "value_ytd", "yoy_pct", "ytd_yoy_pct")
        .order_by("period")
    )


@query("economy", ttl_s=600)
def ranking(
    con: Any, *, indicator: str, period: date | datetime | str, by: str = "value_ytd"
) -> ir.Table:
    """Districts ranked by `by` (descending) for one indicator and period, with shares (%)."""
    if by not in RANK_BY:
        raise ValueError(f"cannot rank by {by!r}; choose one of {', '.join(RANK_BY)}")
    day = as_date(period)
    t = con.table("economy_observations")
    t = latest_per_key(t.filter(t.indicator == indicator), ["indicator", "adcode", "period"])
    per_district = t.select("indicator", "adcode", "period", "value", "value_ytd")
    figures = _with_yoy(per_district)
    figures = figures.filter(figures.period == day)
    share_of = figures.value if by == "value" else figures.value_ytd
    total = share_of.sum().over(ibis.window())
    figures = figures.mutate(share_pct=share_of / total.nullif(0.0) * 100.0)
    d = con.table("districts")
    joined = figures.inner_join(d, figures.adcode == d.adcode)
    ranked = joined.mutate(rank=ibis.rank().over(order_by=ibis.desc(joined[by])) + 1)
    return ranked.select(
        "rank", "adcode", "name_zh", "value", "value_ytd", "yoy_pct", "ytd_yoy_pct", "share_pct"
    ).order_by(["rank", "adcode"])


@query("economy", ttl_s=600)
def observations(con: Any, *, indicator: str, start: datetime, end: datetime) -> ir.Table:
    """The current figure of every district for one indicator, periods in `[start, end)`, as
    published (period value and year-to-date value), with the districts' names: the raw
    figures that brain.economy_stats turns into the statistics bureau's measures."""
    first, last = as_date(utc(start)), as_date(utc(end))
    t = con.table("economy_observations")
    t = t.filter((t.indicator == indicator) & (t.period >= first) & (t.period < last))
    t = latest_per_key(t, ["indicator", "adcode", "period"])
    d = con.table("districts").select(_ad=_.adcode, name_zh=_.name_zh, name_en=_.name_en)
    joined = t.inner_join(d, t.adcode == d._ad)
    return joined.select("adcode", "name_zh", "name_en", "period", "value", "value_ytd").order_by(
        ["period", "adcode"]
    )
