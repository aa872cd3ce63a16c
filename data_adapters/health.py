"""Data health: per-domain row counts, newest timestamp, freshness and quarantine counts.

A fact table is `fresh` when its newest row (at or before `now`) is at most `Table.freshness_s`
old, `stale` when older, `down` when it has no rows or cannot be read. A domain's status is the
best status among its primary feeds (its fact tables with the smallest `freshness_s`): several
feeds are sporadic (emergency events and typhoon tracks) or redundant (AIS and radar), so one quiet
feed alone must not mark the panel stale; each table's own status is in the report. This feeds
`python -m brain check-data --json`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd
import psycopg
from ibis.common.exceptions import IbisError, TableNotFound

from data_adapters.declare import query
from data_adapters.query import upto, utc
from data_adapters.schema import DOMAINS, Domain, Table, table, tables_of

__all__ = ["QUERY_ERRORS", "STATUSES", "UNREACHABLE", "freshness", "reachable", "report"]

STATUSES = ("fresh", "stale", "down")  # best to worst
# The node itself cannot be asked (its connection refused, lost or timed out): not a feed that is
# down but a check that could not be made (see `freshness`).
UNREACHABLE: tuple[type[BaseException], ...] = (psycopg.OperationalError,)
# What reading a data node can raise: engine errors, a lost connection, missing files.
QUERY_ERRORS: tuple[type[BaseException], ...] = (
    duckdb.Error,
    psycopg.Error,
    IbisError,
    TableNotFound,
    OSError,
)


def _facts(domain: Domain) -> list[Table]:
    return [t for t in tables_of(domain) if t.fact and t.ts]


@query("health", ttl_s=5)
def _stats_of(con: Any, *, now: datetime, tables: tuple[str, ...], recent: bool) -> ir.Table:
    """Rows and newest time of `tables` up to `now`: over their whole history, or (`recent`)
    within twice their freshness limit only, which reads a few row groups of the newest files."""
    parts = []
    for name in tables:
        t = table(name)
        lookback = timedelta(seconds=2 * t.freshness_s) if recent else None
        rel = upto(con.table(t.name), str(t.ts), now, lookback)
        parts.append(
            rel.aggregate(table=ibis.literal(t.name), rows=rel.count(), newest=rel[str(t.ts)].max())
        )
    return (ibis.union(*parts) if len(parts) > 1 else parts[0]).order_by("table")


def _status(rows: int, newest: Any, limit_s: int, now: datetime) -> tuple[str, float | None]:
    if rows == 0 or newest is None or pd.isna(newest):
        return "down", None
    age = (now - pd.Timestamp(newest).to_pydatetime()).total_seconds()
    return ("fresh" if age <= limit_s else "stale"), age


def _best(statuses: list[str]) -> str:
    return min(statuses, key=STATUSES.index) if statuses else "down"


def _stats(con: Any, facts: list[Table], now: datetime, counts: bool) -> dict[str, Any]:
    names = tuple(t.name for t in facts)
    stats = _stats_of(con, now=now, tables=names, recent=not counts)
    by_name: dict[str, Any] = {str(r.table): r for r in stats.itertuples(index=False)}
    quiet = tuple(n for n in names if int(by_name[n].rows) == 0)
    if quiet and not counts:  # nothing recent: when did these feeds last deliver?
        older = _stats_of(con, now=now, tables=quiet, recent=False)
        by_name |= {str(r.table): r for r in older.itertuples(index=False)}
    return by_name


def _domain(
    con: Any, domain: Domain, now: datetime, counts: bool, known: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(domain summary, per-table details) of one domain, from the `known` stats of every
    domain's tables, or (None: that query failed) from a query of its own."""
    facts = _facts(domain)
    tables: dict[str, Any] = {}
    by_name = known if known is not None else _stats(con, facts, now, counts)
    newest_all: list[datetime] = []
    for t in facts:
        row = by_name[t.name]
        rows = int(row.rows)
        status, _age = _status(rows, row.newest, t.freshness_s, now)
        newest = None if status == "down" else pd.Timestamp(row.newest).to_pydatetime()
        if newest is not None:
            newest_all.append(newest)
        tables[t.name] = dict(rows=rows, newest=newest, status=status)
    primary = min(t.freshness_s for t in facts)
    status = _best([tables[t.name]["status"] for t in facts if t.freshness_s == primary])
    newest = max(newest_all) if newest_all else None
    summary = dict(
        domain=domain.value,
        rows=sum(v["rows"] for v in tables.values()),
        newest=newest,
        age_s=(now - newest).total_seconds() if newest else None,
        status=status,
        error=None,
    )
    return summary, tables


@query("health", ttl_s=5)
def _quarantine(con: Any) -> ir.Table:
    """Rows kept in quarantine per domain."""
    q = con.table("quarantine")
    return q.group_by("domain").aggregate(n=q.count()).order_by("domain")


def _unless_unreachable(err: BaseException, strict: bool) -> None:
    """Raise `err` again when `strict` and it says the node cannot be asked at all."""
    if strict and isinstance(err, UNREACHABLE):
        raise err


def _quarantined(con: Any, strict: bool) -> dict[str, int]:
    """Rows kept in quarantine per domain (all of them: it is a backlog, not a feed)."""
    counts: Any
    try:
        counts = _quarantine(con)
    except QUERY_ERRORS as err:
        _unless_unreachable(err, strict)
        return {}  # each domain reports its own read error below
    return {str(r.domain): int(r.n) for r in counts.itertuples(index=False)}


def _collect(
    con: Any, now: datetime, counts: bool = True, *, strict: bool = False
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Each domain's summary and tables; `strict`: a node that cannot be asked raises."""
    now = utc(now)
    quarantined = _quarantined(con, strict)
    known: dict[str, Any] | None
    try:  # every domain in one query; should it fail, each domain asks alone and fails alone
        known = _stats(con, [t for d in DOMAINS for t in _facts(d)], now, counts)
    except QUERY_ERRORS as err:
        _unless_unreachable(err, strict)
        known = None
    summaries, details = [], {}
    for domain in DOMAINS:
        try:
            summary, tables = _domain(con, domain, now, counts, known)
        except QUERY_ERRORS as err:  # a dead node, a lost connection, a missing table
            _unless_unreachable(err, strict)
            summary = dict(
                domain=domain.value,
                rows=0,
                newest=None,
                age_s=None,
                status="down",
                error=f"{type(err).__name__}: {err}"[:500],
            )
            tables = {t.name: dict(rows=0, newest=None, status="down") for t in _facts(domain)}
        summary["quarantined"] = quarantined.get(domain.value, 0)
        summaries.append(summary)
        details[domain.value] = tables
    return summaries, details


@query("health", ttl_s=60)
def freshness(con: Any, *, now: datetime, counts: bool = True) -> pd.DataFrame:
    """One row per domain: rows, newest, age_s, status (fresh/stale/down), quarantined, error.

    With `counts=False` (the wall's feed strip, every refresh) `rows` counts only the recent rows
    (within twice each table's freshness limit), which spares scanning the whole history.

    A table that cannot be read is `down`; a node that cannot be asked at all (`UNREACHABLE`)
    raises instead: that is no news of the feeds, and an answer of "everything down" would be
    kept as the last good check (hiding when each feed last delivered) and for the whole
    minute after the node is back.
    """
    summaries, _details = _collect(con, now, counts, strict=True)
    frame = pd.DataFrame(
        summaries, columns=["domain", "rows", "newest", "age_s", "status", "quarantined", "error"]
    )
    frame["newest"] = pd.to_datetime(frame["newest"], utc=True)
    return frame


@query("health", ttl_s=5)
def reachable(con: Any) -> ir.Table:
    """At most one row (`one`: 1) when the node answers at all (read from the small districts
    table). The wall asks it every refresh: a node that cannot be asked then marks every panel
    at once, those whose answers are still kept in the cache too, not only at the next step of
    each of their queries or of `freshness`."""
    return con.table(table("districts").name).select(one=ibis.literal(1)).limit(1)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else utc(value).isoformat()


def report(con: Any, *, now: datetime) -> dict[str, Any]:
    """The `check-data --json` document: {"domains": {domain: {rows, newest, status, ...}}}."""
    summaries, details = _collect(con, now)
    domains: dict[str, Any] = {}
    for s in summaries:
        tables = {
            name: dict(rows=d["rows"], newest=_iso(d["newest"]), status=d["status"])
            for name, d in details[s["domain"]].items()
        }
        entry = dict(
            rows=int(s["rows"]),
            newest=_iso(s["newest"]),
            status=s["status"],
            quarantined=int(s["quarantined"]),
            tables=tables,
        )
        if s["error"]:
            entry["error"] = s["error"]
        domains[s["domain"]] = entry
    return {"domains": domains}
