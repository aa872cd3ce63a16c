"""River (河长制): water class of every section, compliance, problems and patrols.

The GB 3838-2002 class is computed in the engine: each parameter's class from the limits of
`brain.standards.WATER_LIMITS` (DO a floor, the others ceilings, limits inclusive), the section's
class the worst of them; missing parameters are skipped. A station's district is its reach's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis import _

from brain.standards import WATER_LIMITS
from data_adapters.declare import query
from data_adapters.query import by_district, latest_per_key, upto, utc, window
from data_adapters.schema import WATER_CLASSES

__all__ = [
    "class_rank_of",
    "compliance",
    "patrol_coverage",
    "patrol_tracks",
    "problem_summary",
    "problems",
    "reach_chiefs",
    "reach_patrols",
    "reach_patrols_list",
    "reaches",
    "station_history",
    "stations",
    "stations_latest",
    "worst_sections",
]

PARAMETERS = ("do", "codmn", "cod", "bod5", "nh3n", "tp")  # columns, in WATER_LIMITS order
LOOKBACK = timedelta(days=1)
CHAIN_DEPTH = 4  # 村 → 镇 → 县 → 市: the longest chain of chiefs a reach can have
_FLOORS = frozenset({"DO"})


def _param_rank(value: ir.FloatingValue, key: str) -> ir.IntegerValue:
    """Class rank 1..6 of one parameter's value; 0 when it is missing."""
    floor = key in _FLOORS
    fits = [(value >= lim) if floor else (value <= lim) for lim in WATER_LIMITS[key]]
    result: ir.IntegerValue = ibis.cases(
        (value.isnull(), 0), *[(ok, rank) for rank, ok in enumerate(fits, 1)], else_=6
    )
    return result


def class_rank_of(t: ir.Table) -> ir.IntegerValue:
    """Worst parameter rank of each reading: 1 (I) … 6 (劣V), 0 when no parameter has a value."""
    ranks = [_param_rank(t[col], key) for col, key in zip(PARAMETERS, WATER_LIMITS, strict=True)]
    result: ir.IntegerValue = ibis.greatest(*ranks)
    return result


def _class_name(rank: ir.IntegerValue) -> ir.StringValue:
    result: ir.StringValue = ibis.cases(
        *[(rank == i, c) for i, c in enumerate(WATER_CLASSES, 1)], else_=ibis.null().cast("string")
    )
    return result


def _target_rank(target: ir.StringValue) -> ir.IntegerValue:
    result: ir.IntegerValue = ibis.cases(
        *[(target == c, i) for i, c in enumerate(WATER_CLASSES, 1)]
    )
    return result


def _reaches(con: Any, adcode: str | None) -> ir.Table:
    """The reaches (of one district) with their own chief's name and level."""
    t = con.table("river_reaches")
    t = t if adcode is None else t.filter(t.adcode == adcode)
    c = con.table("river_chiefs").select(_cid=_.chief_id, chief_name=_.name, chief_level=_.level)
    return t.left_join(c, t.chief_id == c._cid).drop("_cid")


@query("river", ttl_s=300)
def reaches(con: Any, *, adcode: str | None = None) -> ir.Table:
    """River reaches with their river chief and geometry."""
    return (
        _reaches(con, adcode)
        .select(
            "reach_id",
            "river_name",
            "reach_name",
            "adcode",
            "chief_id",
            "chief_name",
            "chief_level",
            "length_km",
            "path",
        )
        .order_by("reach_id")
    )


def _stations(con: Any, adcode: str | None) -> ir.Table:
    s = con.table("river_stations")
    r = _reaches(con, adcode).select(
        _rid=_.reach_id,
        river_name=_.river_name,
        reach_name=_.reach_name,
        adcode=_.adcode,
        chief_name=_.chief_name,
        chief_level=_.chief_level,
    )
    return s.inner_join(r, s.reach_id == r._rid).drop("_rid")


@query("river", ttl_s=300)
def stations(con: Any, *, adcode: str | None = None) -> ir.Table:
    """Monitoring stations (断面) with their reach and target class."""
    return (
        _stations(con, adcode)
        .select(
            "station_id",
            "name",
            "reach_id",
            "river_name",
            "reach_name",
            "adcode",
            "lon",
            "lat",
            "target_class",
        )
        .order_by("station_id")
    )


def _latest(con: Any, now: datetime, adcode: str | None, lookback: timedelta) -> ir.Table:
    r = latest_per_key(upto(con.table("river_readings"), "ts", now, lookback), ["station_id"])
    r = r.mutate(class_rank=class_rank_of(r)).rename(_sid="station_id")
    s = _stations(con, adcode)
    j = s.inner_join(r, s.station_id == r._sid)
    rank = j.class_rank.nullif(0)
    target = _target_rank(j.target_class)
    return j.select(
        "station_id",
        "name",
        "reach_id",
        "river_name",
        "reach_name",
        "adcode",
        "chief_name",
        "chief_level",
        "lon",
        "lat",
        "target_class",
        "ts",
        *PARAMETERS,
        water_class=_class_name(rank),
        class_rank=rank,
        target_rank=target,
        meets_target=rank <= target,
    )


@query("river", ttl_s=60)
def stations_latest(
    con: Any, *, now: datetime, adcode: str | None = None, lookback: timedelta = LOOKBACK
) -> ir.Table:
    """Each station's latest reading in `(now - lookback, now]` with its class and target."""
    return _latest(con, now, adcode, lookback).order_by("station_id")


def _compliance(t: ir.Table) -> dict[str, Any]:
    meeting = ibis.ifelse(t.meets_target, 1, 0).sum()
    sections = t.class_rank.count()
    return dict(
        sections=sections,
        meeting=meeting,
        share=meeting.cast("float64") / sections.nullif(0).cast("float64"),
        worse_than_v=ibis.ifelse(t.class_rank == 6, 1, 0).sum(),
    )


@query("river", ttl_s=60)
def compliance(
    con: Any, *, now: datetime, adcode: str | None = None, lookback: timedelta = LOOKBACK
) -> ir.Table:
    """Share of sections at or better than their target: the city (440800) and each district."""
    latest = _latest(con, now, adcode, lookback)
    return by_district(con, latest, _compliance, adcode is None).order_by("adcode")


@query("river", ttl_s=60)
def worst_sections(
    con: Any,
    *,
    now: datetime,
    n: int = 5,
    adcode: str | None = None,
    lookback: timedelta = LOOKBACK,
) -> ir.Table:
    """The `n` sections with the worst class now (then the largest gap to target)."""
    t = _latest(con, now, adcode, lookback)
    return t.order_by(
        [ibis.desc(t.class_rank), ibis.desc(t.class_rank - t.target_rank), t.station_id]
    ).limit(int(n))


@query("river", ttl_s=60)
def station_history(con: Any, *, station_id: str, start: datetime, end: datetime) -> ir.Table:
    """Readings of one station in `[start, end)` with their class."""
    r = window(con.table("river_readings"), "ts", start, end)
    r = r.filter(r.station_id == station_id)
    rank = class_rank_of(r).nullif(0)
    return r.select("ts", *PARAMETERS, water_class=_class_name(rank), class_rank=rank).order_by(
        "ts"
    )


def _problems(con: Any, now: datetime, adcode: str | None) -> ir.Table:
    p = latest_per_key(upto(con.table("river_problems"), "ts", now), ["problem_id"])
    r = _reaches(con, adcode).select(
        _rid=_.reach_id,
        river_name=_.river_name,
        reach_name=_.reach_name,
        adcode=_.adcode,
        chief_name=_.chief_name,
    )
    return p.inner_join(r, p.reach_id == r._rid).drop("_rid")


@query("river", ttl_s=60)
def problems(
    con: Any,
    *,
    now: datetime,
    adcode: str | None = None,
    open_only: bool = False,
    lookback: timedelta = timedelta(days=30),
) -> ir.Table:
    """Problems in their state at `now`: open ones and (unless `open_only`) recent ones."""
    p = _problems(con, now, adcode)
    still_open = p.status != "closed"
    p = p.filter(still_open if open_only else still_open | (p.reported_ts > utc(now) - lookback))
    return p.select(
        "problem_id",
        "reach_id",
        "river_name",
        "reach_name",
        "adcode",
        "chief_name",
        "category",
        "status",
        "reported_ts",
        "ts",
        "description",
    ).order_by([ibis.desc("reported_ts"), "problem_id"])


@query("river", ttl_s=60)
def problem_summary(
    con: Any, *, now: datetime, adcode: str | None = None, lookback: timedelta = timedelta(days=30)
) -> ir.Table:
    """One row over problems reported in `(now - lookback, now]`: closed, open, closure rate."""
    p = _problems(con, now, adcode)
    p = p.filter(p.reported_ts > utc(now) - lookback)
    closed = ibis.ifelse(p.status == "closed", 1, 0).sum()
    reported = p.count()
    return p.aggregate(
        reported=reported,
        closed=closed,
        open=reported - closed,
        closure_rate=closed.cast("float64") / reported.nullif(0).cast("float64"),
    )


def _coverage(t: ir.Table) -> dict[str, Any]:
    reaches_n = t.count()
    patrolled = ibis.ifelse(t.patrols > 0, 1, 0).sum()
    return dict(
        reaches=reaches_n,
        patrolled=patrolled,
        coverage=patrolled.cast("float64") / reaches_n.nullif(0).cast("float64"),
        patrols=t.patrols.sum(),
        distance_km=t.distance_km.sum(),
    )


@query("river", ttl_s=60)
def patrol_coverage(
    con: Any, *, start: datetime, end: datetime, adcode: str | None = None
) -> ir.Table:
    """Reaches with a patrol starting in `[start, end)`: the city (440800) and each district."""
    p = window(con.table("river_patrols"), "ts", start, end)
    per = p.group_by("reach_id").aggregate(_n=_.count(), _km=_.distance_km.sum())
    r = _reaches(con, adcode).select("reach_id", "adcode")
    j = r.left_join(per, r.reach_id == per.reach_id)
    j = j.select("adcode", patrols=j._n.fill_null(0), distance_km=j._km.fill_null(0.0))
    return by_district(con, j, _coverage, adcode is None).order_by("adcode")


@query("river", ttl_s=60)
def reach_patrols(
    con: Any, *, start: datetime, end: datetime, adcode: str | None = None
) -> ir.Table:
    """Every reach with its patrols starting in `[start, end)`: `patrols` (0 when none),
    `distance_km` and the newest patrol's start `last_ts` (null when none)."""
    p = window(con.table("river_patrols"), "ts", start, end)
    per = p.group_by("reach_id").aggregate(_n=_.count(), _km=_.distance_km.sum(), _last=_.ts.max())
    r = _reaches(con, adcode)
    j = r.left_join(per, r.reach_id == per.reach_id)
    return j.select(
        "reach_id",
        "river_name",
        "reach_name",
        "adcode",
        "chief_name",
        "chief_level",
        "length_km",
        patrols=j._n.fill_null(0),
        distance_km=j._km.fill_null(0.0),
        last_ts=j._last,
    ).order_by("reach_id")


@query("river", ttl_s=60)
def reach_patrols_list(con: Any, *, reach_id: str, start: datetime, end: datetime) -> ir.Table:
    """The patrols of one reach starting in `[start, end)`, newest first."""
    p = window(con.table("river_patrols"), "ts", start, end)
    p = p.filter(p.reach_id == reach_id)
    return p.select("patrol_id", "reach_id", "chief_name", "ts", "end_ts", "distance_km").order_by(
        [ibis.desc("ts"), "patrol_id"]
    )


@query("river", ttl_s=300)
def reach_chiefs(con: Any, *, adcode: str | None = None) -> ir.Table:
    """Every reach (of the district) with its chain of chiefs as `river_chiefs` stores it: its
    own chief (`above` 0), the one they answer to (1) and so on up, at most CHAIN_DEPTH; the
    highest first."""
    c = con.table("river_chiefs")
    step = _reaches(con, adcode).select("reach_id", _cid=_.chief_id)
    levels = []
    for above in range(CHAIN_DEPTH):
        j = step.inner_join(c, step._cid == c.chief_id)
        found = j.select(
            "reach_id",
            above=ibis.literal(above, type="int64"),
            chief_id=j.chief_id,
            name=j.name,
            level=j.level,
            adcode=j.adcode,
            river_name=j.river_name,
            _next=j.parent_chief_id,
        )
        levels.append(found.drop("_next"))
        step = found.filter(found._next.notnull()).select("reach_id", _cid=found._next)
    chain = ibis.union(*levels, distinct=False)
    return chain.order_by(["reach_id", ibis.desc("above")])


@query("river", ttl_s=60)
def patrol_tracks(
    con: Any,
    *,
    start: datetime,
    end: datetime,
    adcode: str | None = None,
    reach_id: str | None = None,
) -> ir.Table:
    """The GPS fixes of the patrols starting in `[start, end)` (of the district's reaches, of
    one reach with `reach_id`): patrol_id, reach_id, ts, lon, lat, by patrol then time."""
    p = window(con.table("river_patrols"), "ts", start, end)
    if reach_id is not None:
        p = p.filter(p.reach_id == reach_id)
    if adcode is not None:
        r = _reaches(con, adcode).select(_rid=_.reach_id)
        p = p.inner_join(r, p.reach_id == r._rid)
    p = p.select(_pid=_.patrol_id, reach_id=_.reach_id)
    pts = con.table("river_patrol_points")
    j = pts.inner_join(p, pts.patrol_id == p._pid)
    return j.select("patrol_id", "reach_id", "ts", "lon", "lat").order_by(["patrol_id", "ts"])
