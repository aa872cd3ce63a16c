"""Radar (海上雷达综合监控): vessel positions, tails and tracks, dark targets, zone intrusions.

Positions come from AIS; vessel details from the register (its newest report per MMSI at or
before `now`). A dark target is a radar track whose latest plot was not fused with any AIS report.
Zone intrusions: a bounding-box prefilter in the engine, then point-in-polygon with shapely on the
small latest-positions result (zones are few).

Vessels report every few seconds, so the positions, tails, tracks and dark targets of a wall
change at every refresh and no answer can be reused. On the embedded node they are therefore
taken from the resident copy's time-sorted rows (`resident.time_sorted`) when those reach back far
enough: a window is a slice, the rest is a few array operations on a thousand rows. Each such
path is the query's declared fast path (`data_adapters.declare`), held equal to the plain
query by a property test.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from ibis import _

from brain.zones import INTRUSION_COLUMNS, MOVING_KN, RULES, intrusions
from data_adapters.compiled import to_frame
from data_adapters.declare import query
from data_adapters.query import (
    latest_per_key,
    polygon_bbox,
    upto,
    window,
)
from data_adapters.resident import last_of, time_sorted

__all__ = [
    "MOVING_KN",
    "RULES",
    "dark_targets",
    "positions_from",
    "register",
    "tails",
    "track",
    "vessel_counts",
    "vessel_positions",
    "zone_intrusions",
    "zones",
]

_POSITIONS = timedelta(minutes=15)


@query("radar", ttl_s=300)
def zones(con: Any) -> ir.Table:
    """Sea zones (anchorages, channels, restricted, aquaculture, port, fishing) with polygons."""
    return (
        con.table("sea_zones").select("zone_id", "name", "kind", "rule", "path").order_by("zone_id")
    )


_REGISTER = ("name", "vessel_type", "registered", "callsign", "length_m")
_ENTRY = ("mmsi", *_REGISTER)  # a register entry
_REPORT = ("ts", "lon", "lat", "sog", "cog", "heading", "nav_status", "msg_type")
_REPORTED = ("mmsi", *_REPORT)  # an AIS report
_TRACK = ("ts", "lon", "lat", "sog", "cog", "heading", "nav_status")  # a point of a track
_DARK = ("track_id", "radar_id", "ts", "lon", "lat", "speed_kn", "course")  # a dark target


def _register(con: Any, now: datetime) -> ir.Table:
    v = latest_per_key(upto(con.table("vessels"), "ts", now), ["mmsi"])
    return v.select(_vm=v.mmsi, **{c: v[c] for c in _REGISTER})


def _register_sorted(con: Any, *, now: datetime) -> pd.DataFrame | None:
    vessels = time_sorted(con, "vessels")
    if vessels is None:
        return None
    entries = vessels.latest_upto("mmsi", now)
    return to_frame(entries.select(list(_ENTRY)), _schema(("vessels", _ENTRY)))


@query("radar", ttl_s=5, fast=_register_sorted)
def register(con: Any, *, now: datetime) -> ir.Table:
    """The vessel register as of `now`: each MMSI's newest entry at or before `now`."""
    reg = _register(con, now)
    return reg.select(mmsi=reg._vm, **{c: reg[c] for c in _REGISTER}).order_by("mmsi")


@cache
def _schema(*parts: tuple[str, tuple[str, ...]]) -> Any:
    """The ibis schema of columns of the contract's tables: (table, its columns), in order."""
    from data_adapters.schema import ibis_schema, table

    fields: dict[str, Any] = {}
    for name, columns in parts:
        held = ibis_schema(table(name))
        fields |= {c: held[c] for c in columns}
    return ibis.schema(fields)


def _lookup(known: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `wanted` is in `known` (distinct keys, any order), and whether it is
    there at all (where it is not, the index is any valid one)."""
    if not len(known):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    order = np.argsort(known, kind="stable")
    at = order[np.minimum(np.searchsorted(known, wanted, sorter=order), len(known) - 1)]
    return at, known[at] == wanted


def _positions(con: Any, now: datetime, lookback: timedelta) -> ir.Table:
    a = latest_per_key(upto(con.table("ais_reports"), "ts", now, lookback), ["mmsi"])
    reg = _register(con, now)
    j = a.left_join(reg, a.mmsi == reg._vm)
    return j.select(*_REPORTED, *_REGISTER)


def _positions_sorted(con: Any, *, now: datetime, lookback: timedelta) -> pd.DataFrame | None:
    reports = time_sorted(con, "ais_reports", now - lookback)
    vessels = time_sorted(con, "vessels")
    if reports is None or vessels is None:
        return None
    rows = reports.between(now - lookback, now, "right")
    latest = rows.take(last_of(rows["mmsi"].to_numpy()))
    entries = vessels.latest_upto("mmsi", now)
    at, found = _lookup(entries["mmsi"].to_numpy(), latest["mmsi"].to_numpy())
    entry = pa.array(at, pa.int64(), mask=~found)  # null: not in the register (left join)
    columns = [latest[c] for c in _REPORTED] + [entries[c].take(entry) for c in _REGISTER]
    table = pa.Table.from_arrays(columns, names=[*_REPORTED, *_REGISTER])
    return to_frame(table, _positions_schema())


@query("radar", ttl_s=5, fast=_positions_sorted)
def vessel_positions(con: Any, *, now: datetime, lookback: timedelta = _POSITIONS) -> ir.Table:
    """Each vessel's latest AIS position in `(now - lookback, now]` with its register details."""
    return _positions(con, now, lookback).order_by("mmsi")


def positions_from(tails: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """`vessel_positions(now, lookback)` from `tails(now, lookback)` and `register(now)` already
    fetched (same `now` and `lookback`): each vessel's last report, with its register entry.
    The wall fetches the tails for its map anyway, so the positions cost no query of their own."""
    mmsi = tails["mmsi"].to_numpy()
    last = last_of(mmsi)
    columns = {c: tails[c].array.take(last) for c in _REPORTED}
    known = register["mmsi"].to_numpy()
    at, found = _lookup(known, mmsi[last])
    if len(known) and found.all():  # every vessel in the register (the usual case): its rows
        return pd.DataFrame(columns | {c: register[c].array.take(at) for c in _REGISTER})
    reports = pd.DataFrame(columns)
    out = reports.merge(
        register.rename(columns={"mmsi": "_vm"}),
        how="left",
        left_on="mmsi",
        right_on="_vm",
        sort=False,
    )
    table = pa.Table.from_pandas(out[[*_REPORTED, *_REGISTER]], preserve_index=False)
    return to_frame(table, _positions_schema())


def _positions_schema() -> Any:
    return _schema(("ais_reports", _REPORTED), ("vessels", _REGISTER))


def _tails_sorted(
    con: Any, *, now: datetime, lookback: timedelta, mmsis: Sequence[int] | None
) -> pd.DataFrame | None:
    reports = time_sorted(con, "ais_reports", now - lookback)
    if reports is None:
        return None
    rows = reports.between(now - lookback, now, "right")
    if mmsis is not None:
        rows = rows.filter(pc.is_in(rows["mmsi"], pa.array([int(m) for m in mmsis], pa.int64())))
    order = np.argsort(rows["mmsi"].to_numpy(), kind="stable")  # by vessel, then by time
    return to_frame(rows.select(list(_REPORTED)).take(order), _schema(("ais_reports", _REPORTED)))


@query("radar", ttl_s=5, fast=_tails_sorted)
def tails(
    con: Any,
    *,
    now: datetime,
    lookback: timedelta = timedelta(minutes=30),
    mmsis: tuple[int, ...] | None = None,
) -> ir.Table:
    """AIS points of the last `lookback` (all vessels or `mmsis`), by vessel then time."""
    a = upto(con.table("ais_reports"), "ts", now, lookback)
    if mmsis is not None:
        a = a.filter(a.mmsi.isin([int(m) for m in mmsis]))
    return a.select(*_REPORTED).order_by(["mmsi", "ts"])


def _track_sorted(con: Any, *, mmsi: int, start: datetime, end: datetime) -> pd.DataFrame | None:
    reports = time_sorted(con, "ais_reports", start)
    if reports is None:
        return None
    rows = reports.between(start, end, "left")
    mine = np.flatnonzero(rows["mmsi"].to_numpy() == int(mmsi))
    return to_frame(rows.select(list(_TRACK)).take(mine), _schema(("ais_reports", _TRACK)))


@query("radar", ttl_s=5, fast=_track_sorted)
def track(con: Any, *, mmsi: int, start: datetime, end: datetime) -> ir.Table:
    """Every AIS point of one vessel in `[start, end)` (replay)."""
    a = window(con.table("ais_reports"), "ts", start, end)
    return a.filter(a.mmsi == int(mmsi)).select(*_TRACK).order_by("ts")


def _dark(con: Any, now: datetime, lookback: timedelta) -> ir.Table:
    t = latest_per_key(upto(con.table("radar_tracks"), "ts", now, lookback), ["track_id"])
    return t.filter(t.mmsi.isnull())


def _dark_sorted(con: Any, *, now: datetime, lookback: timedelta) -> pd.DataFrame | None:
    plots = time_sorted(con, "radar_tracks", now - lookback)
    if plots is None:
        return None
    rows = plots.between(now - lookback, now, "right")
    ids = pc.dictionary_encode(rows["track_id"]).combine_chunks()
    last = last_of(ids.indices.to_numpy(zero_copy_only=False))  # each track's last plot
    dark = rows["mmsi"].is_null().to_numpy(zero_copy_only=False)
    last = last[dark[last]]
    last = last[pc.sort_indices(rows["track_id"].take(last)).to_numpy()]
    return to_frame(rows.select(list(_DARK)).take(last), _schema(("radar_tracks", _DARK)))


@query("radar", ttl_s=5, fast=_dark_sorted)
def dark_targets(
    con: Any, *, now: datetime, lookback: timedelta = timedelta(minutes=5)
) -> ir.Table:
    """Radar tracks whose latest plot in `(now - lookback, now]` has no AIS identity."""
    return _dark(con, now, lookback).select(*_DARK).order_by("track_id")


@query("radar", ttl_s=300)
def _rule_zones(con: Any) -> ir.Table:
    """The sea zones that have a rule (`brain.zones.RULES`)."""
    zones = con.table("sea_zones").filter(_.rule.isin(list(RULES)))
    return zones.select("zone_id", "name", "kind", "rule", "path").order_by("zone_id")


@query("radar", ttl_s=5)
def _positions_in(
    con: Any, *, now: datetime, lookback: timedelta, boxes: tuple[tuple[float, ...], ...]
) -> ir.Table:
    """Latest positions inside any of the bounding boxes (the engine-side prefilter)."""
    p = _positions(con, now, lookback)
    inside = [p.lon.between(x0, x1) & p.lat.between(y0, y1) for x0, y0, x1, y1 in boxes]
    return p.filter(ibis.or_(*inside)).order_by("mmsi")


@query("radar", ttl_s=5)
def zone_intrusions(con: Any, *, now: datetime, lookback: timedelta = _POSITIONS) -> pd.DataFrame:
    """Vessels whose latest position breaks the rule of the zone it lies in (one row per pair).

    The engine returns only the positions inside some rule zone's bounding box; the exact
    point-in-polygon test and the rules run in `brain.zones`.
    """
    z = _rule_zones(con)
    if z.empty:
        return pd.DataFrame(columns=INTRUSION_COLUMNS)
    boxes = tuple(polygon_bbox(p) for p in z["path"])
    return intrusions(_positions_in(con, now=now, lookback=lookback, boxes=boxes), z)


@query("radar", ttl_s=5)
def vessel_counts(
    con: Any,
    *,
    now: datetime,
    lookback: timedelta = _POSITIONS,
    dark_lookback: timedelta = timedelta(minutes=5),
) -> ir.Table:
    """One row: vessels with a position, moving, anchored, dark targets, unregistered."""
    p = _positions(con, now, lookback)
    moving = p.sog.notnull() & (p.sog >= MOVING_KN)
    counts = p.aggregate(
        vessels=p.count(),
        moving=ibis.ifelse(moving, 1, 0).sum(),
        unregistered=ibis.ifelse(p.registered.fill_null(False), 0, 1).sum(),
    )
    dark = _dark(con, now, dark_lookback).aggregate(dark=_.count())
    j = counts.cross_join(dark)
    return j.select(
        vessels=j.vessels,
        moving=j.moving.fill_null(0),
        anchored=j.vessels - j.moving.fill_null(0),
        dark=j.dark,
        unregistered=j.unregistered.fill_null(0),
    )
