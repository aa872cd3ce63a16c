"""Resident tables: each app worker keeps the lake's hot data in memory, in step with its files.

Answering a wall query from Parquet costs DuckDB 6-40 ms however few rows it reads (opening files,
reading footers, decoding whole row groups); the same query over an in-memory table costs about
one. So every process that reads the embedded node attaches an in-memory database (`hot`) to its
catalog connection and copies into it:

* tables marked `resident="all"` (reference data and the smaller fact tables), whole. They shadow
  the catalog's views of the same name (the `hot_…` database comes first on the search path), so
  every query reads them from memory;
* tables marked `resident="recent"` (the large time series: traffic readings, AIS reports, radar
  plots, fire device events), for their rows since a horizon (`recent` before the newest row,
  48 hours by default; a table with no rows yet is held whole). Their view is the rows held from
  the horizon on and the lake's rows before it, so a query reads exactly the lake's rows
  whatever its window: the engine drops the lake's part of a query that starts inside the
  horizon, and reads both parts of one that reaches further back.

The copy follows the lake's files, not a clock: `refresh()` looks at each table's folder (one
`stat` per folder; a folder is listed again only when it changed) and applies the difference of
its file set in one transaction: rows of removed files are deleted (each row carries a hash of its
file's path) and rows of new files inserted. Appends by the live feed, compaction (new merged file,
small files removed) and replacement of reference data all reduce to that, so the copy always
equals the lake as of the last refresh, and a reader sees either the old or the new state.

The rows of the tables whose state the wall asks for at every refresh (`SORTED`: AIS reports and
radar plots, which change every few seconds, so no answer stands from one refresh to the next,
and the vessel register they are joined with) are also held as Arrow columns sorted by time, kept
in step with the same changes. `time_sorted` hands them out; a window of them is two binary
searches and a zero-copy slice, where the engine needs milliseconds to bind and plan even the
simplest query (`radar` builds the vessel positions, register, tails, tracks and dark targets
from them: the declared fast paths of those queries, held equal to the plain queries by a
property test).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa

from data_adapters.schema import TABLES, Table, table

__all__ = [
    "HOT",
    "RECENT",
    "SORTED",
    "Resident",
    "TimeSorted",
    "last_of",
    "time_sorted",
]

log = logging.getLogger(__name__)

HOT = "hot"  # prefix of the name of each process's attached in-memory database
RECENT = timedelta(hours=48)  # rows of large tables kept in memory, back from the newest
_GRACE_S = 60.0  # rows that left the horizon are deleted this long after, not at once
_SETTLE_NS = 2_000_000_000  # a folder changed this recently is listed again (coarse mtimes)
# tables whose rows are also held sorted by time (see the module docstring), by their only
# timestamp column
SORTED = frozenset({"ais_reports", "radar_tracks", "vessels"})
assert all(table(n).timestamps == [table(n).ts] for n in SORTED)
Closed = Literal["left", "right"]  # which end of a window of time is in it
_CHUNKS = 64  # appended chunks of a sorted copy merged into one beyond this
_LATEST = 32  # latest-per-key answers kept per sorted copy


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class _State:
    t: Table
    folder: str  # the table's folder in the lake
    files: set[str] = field(default_factory=set)
    mtime_ns: int = -1
    horizon: datetime | None = None  # recent tables: rows at or after it are in memory
    purge: tuple[datetime, float] | None = None  # (delete rows before, not before monotonic)
    live: bool = False  # the copy is in step with the lake and answers (its view exists)
    ordered: TimeSorted | None = None  # SORTED tables: the rows held, sorted by time


@dataclass(frozen=True)
class TimeSorted:
    """Rows of a table sorted by its time column, and that column as epoch microseconds.
    Never changed once made: a change makes a new one, so readers need no lock."""

    rows: pa.Table
    us: np.ndarray
    # latest rows per key up to a row (`latest_upto`): exact, as these rows never change
    _latest: dict[tuple[str, int], pa.Table] = field(default_factory=dict, compare=False)

    def latest_upto(self, key: str, hi: datetime) -> pa.Table:
        """The last row of each value of the integer column `key` among the rows with time
        `<= hi`, by key; kept per distinct answer."""
        end = int(np.searchsorted(self.us, _us(hi), side="right"))
        found = self._latest.get((key, end))
        if found is None:
            rows = self.rows.slice(0, end)
            found = rows.take(last_of(rows[key].to_numpy()))
            if len(self._latest) >= _LATEST:
                self._latest.clear()
            self._latest[(key, end)] = found
        return found

    def between(self, lo: datetime, hi: datetime, closed: Closed) -> pa.Table:
        """Rows with `lo < t <= hi` (`closed="right"`) or `lo <= t < hi` (`closed="left"`)."""
        start, end = np.searchsorted(self.us, [_us(lo), _us(hi)], side=closed)
        return self.rows.slice(int(start), max(int(end - start), 0))


def _for_pandas(rows: pa.Table) -> pa.Table:
    """`rows` in the Arrow types pandas wraps as they are: strings as large strings, timestamps
    labelled UTC (the same instants), so that each answer made from them converts no column."""
    fields = [
        f.with_type(pa.large_string())
        if pa.types.is_string(f.type)
        else f.with_type(pa.timestamp(f.type.unit, tz="UTC"))
        if pa.types.is_timestamp(f.type) and f.type.tz is not None
        else f
        for f in rows.schema
    ]
    return rows.cast(pa.schema(fields))


def last_of(keys: np.ndarray) -> np.ndarray:
    """Indices of the last row of each key, in key order (of rows sorted by time: the latest)."""
    _, back = np.unique(keys[::-1], return_index=True)
    return len(keys) - 1 - back


def _us(t: datetime) -> int:
    """`t` in epoch microseconds, exactly."""
    return (t - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BEGINNING = datetime(1, 1, 2, tzinfo=UTC)  # the horizon of a copy that holds every row


def time_sorted(con: Any, name: str, since: datetime | None = None) -> TimeSorted | None:
    """The time-sorted rows of table `name` in the resident copy of the node `con` reads
    (brought in step with the lake first), when they hold every row at or after `since` (None:
    every row, which only a table held whole does); None when there is no such copy or `name` is
    not held sorted (`SORTED`)."""
    resident: Resident | None = getattr(con, "brain_resident", None)
    if resident is None or name not in SORTED:
        return None
    resident.refresh(names=(name,))  # its new files count from the next question on
    return resident.time_sorted(name, since)


class Resident:
    """The in-memory copy of one process (see the module docstring)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        lake: Path,
        *,
        recent: timedelta = RECENT,
    ) -> None:
        self.lake = lake
        self.recent = recent
        self._con = con
        self._cur = con.cursor()
        self._lock = threading.Lock()
        self.catalog = str(self._cur.sql("SELECT current_database()").fetchall()[0][0])
        # DuckDB shares one database instance per file within a process: a name of its own
        self.alias = f"{HOT}_{uuid.uuid4().hex[:10]}"
        self._cur.execute(f"ATTACH ':memory:' AS {self.alias} (READ_WRITE)")
        self._states = {
            t.name: _State(t, str(lake / t.name)) for t in TABLES if t.resident != "none"
        }
        for s in self._states.values():
            self._create(s.t)
        for _ in range(3):  # a file may be compacted away while it is read: list again
            self.refresh(wait=True)
            if all(s.live for s in self._states.values()):
                break
        else:
            missing = sorted(n for n, s in self._states.items() if not s.live)
            raise RuntimeError(f"could not load the resident copy of {', '.join(missing)}")

    @property
    def search_path(self) -> str:
        """The search path of every cursor: resident tables first, then the catalog's views."""
        return f"{self.alias}.main,{self.catalog}.main"

    def _create(self, t: Table) -> None:
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        self._cur.execute(
            f"CREATE TABLE {self.rows(t.name)} AS SELECT {cols}, 0::UBIGINT AS _file "
            f'FROM {self.catalog}.main."{t.name}" LIMIT 0'
        )

    def rows(self, name: str) -> str:
        """The in-memory table of `name`'s rows (with `_file`, the hash of each row's file)."""
        return f'{self.alias}.main."_rows_{name}"'

    def _view(self, t: Table) -> str:
        return f'{self.alias}.main."{t.name}"'

    def _define(self, s: _State) -> None:
        """(Re)define the view that shadows the catalog's: the rows held, and for a recent table
        the lake's rows before the horizon, so that every query reads the same rows as on the
        lake (the engine drops the lake's part of a query that reads only recent rows)."""
        t = s.t
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        body = f"SELECT {cols} FROM {self.rows(t.name)}"
        if t.resident == "recent" and s.horizon is not None:
            at = f"TIMESTAMPTZ '{s.horizon.isoformat()}'"
            body = (
                f'{body} WHERE "{t.ts}" >= {at} UNION ALL SELECT {cols} '
                f'FROM {self.catalog}.main."{t.name}" WHERE "{t.ts}" < {at}'
            )
        self._cur.execute(f"CREATE OR REPLACE VIEW {self._view(t)} AS {body}")

    def _unshadow(self, s: _State) -> None:
        """Stop answering for `s` from memory (its queries go to the lake)."""
        if s.live:
            self._cur.execute(f"DROP VIEW {self._view(s.t)}")
        s.live = False

    def _drop(self, s: _State) -> None:
        if not s.files and not s.live:
            return
        self._unshadow(s)
        self._cur.execute(f"DELETE FROM {self.rows(s.t.name)}")
        s.files, s.mtime_ns, s.horizon, s.ordered = set(), -1, None, None

    def covers(self, name: str, since: datetime) -> bool:
        """Whether the recent copy of `name` holds every row with time `>= since`."""
        s = self._states.get(name)
        return s is not None and s.live and s.horizon is not None and since >= s.horizon

    def time_sorted(self, name: str, since: datetime | None) -> TimeSorted | None:
        """`time_sorted` of this copy (without a refresh)."""
        s = self._states.get(name)
        if s is None or s.ordered is None or not s.live:
            return None
        if s.t.resident == "recent" and (since is None or not self.covers(name, since)):
            return None
        return s.ordered

    def horizon(self, name: str) -> datetime | None:
        s = self._states.get(name)
        return s.horizon if s is not None else None

    def refresh(self, *, wait: bool = False, names: tuple[str, ...] | None = None) -> None:
        """Bring the copy (of the tables `names`, None: all) in step with the lake's files. Cheap
        when nothing changed (one stat per folder). Without `wait`, a refresh already running in
        another thread is not waited for."""
        if not self._lock.acquire(blocking=wait):
            return
        try:
            for s in self._states.values() if names is None else map(self._states.get, names):
                if s is not None:
                    self._refresh(s)
        finally:
            self._lock.release()

    def _refresh(self, s: _State) -> None:
        try:
            mtime = os.stat(s.folder).st_mtime_ns
        except FileNotFoundError:  # the table is gone: queries go to the lake and say so
            self._drop(s)
            return
        settled = time.time_ns() - mtime > _SETTLE_NS
        if mtime == s.mtime_ns and settled and s.purge is None:
            return
        with os.scandir(s.folder) as entries:
            files = {
                e.path
                for e in entries
                if e.name.endswith(".parquet") and not e.name.startswith(".")
            }
        try:
            self._apply(s, files - s.files, s.files - files)
        except (duckdb.Error, OSError) as err:
            # a file compacted away while read (gone at the next look) or a corrupt one: until
            # the copy is in step again, queries read the lake and meet the same error there
            log.warning("resident copy of %s not refreshed: %s", s.t.name, err)
            self._unshadow(s)
            s.mtime_ns = -1
            return
        s.files = files
        s.mtime_ns = mtime if settled else -1
        if not s.live:
            self._define(s)
            s.live = True

    def _apply(self, s: _State, added: set[str], removed: set[str]) -> None:
        t, cur = s.t, self._cur
        recent = t.resident == "recent" and t.ts is not None
        if recent and s.horizon is None:
            s.horizon = self._first_horizon(t, added)
        purge = s.purge is not None and s.purge[1] <= time.monotonic()
        if not (added or removed or purge):
            return
        cur.execute("BEGIN TRANSACTION")
        try:
            if removed:
                names = ", ".join(_quote(f) for f in sorted(removed))
                cur.execute(
                    f"DELETE FROM {self.rows(t.name)} WHERE _file IN "
                    f"(SELECT hash(f) FROM unnest([{names}]) AS u(f))"
                )
            if purge and s.purge is not None:
                cur.execute(f'DELETE FROM {self.rows(t.name)} WHERE "{t.ts}" < ?', [s.purge[0]])
            if added:
                cols = ", ".join(f'"{c}"' for c in t.column_names)
                names = ", ".join(_quote(f) for f in sorted(added))
                where = f'WHERE "{t.ts}" >= ?' if recent else ""
                cur.execute(
                    f"INSERT INTO {self.rows(t.name)} SELECT {cols}, hash(filename) "
                    f"FROM read_parquet([{names}], filename = true) {where}",
                    [s.horizon] if recent else [],
                )
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        if t.name in SORTED:
            self._sort(s, added, rebuild=purge or bool(removed))
        if purge:
            s.purge = None
        if recent and added:
            self._advance(s)

    def _sort(self, s: _State, added: set[str], *, rebuild: bool) -> None:
        """Bring the time-sorted rows of `s` in step — the rows just added appended
        (merged in when older than the newest held), or all read anew when rows left — and its
        index of timestamps with them."""
        t, held = s.t, s.ordered
        whole = rebuild or held is None
        where = "TRUE"
        if not whole:
            names = ", ".join(_quote(f) for f in sorted(added))
            where = f"_file IN (SELECT hash(f) FROM unnest([{names}]) AS u(f))"
        if whole or added:
            cols = ", ".join(f'"{c}"' for c in t.column_names)
            fresh = self._cur.sql(
                f'SELECT {cols}, epoch_us("{t.ts}") AS _us FROM {self.rows(t.name)} '
                f'WHERE {where} ORDER BY "{t.ts}"'
            ).to_arrow_table()
            us = fresh.column("_us").to_numpy().astype(np.int64, copy=False)
            fresh = _for_pandas(fresh.drop_columns(["_us"]))
            if whole or held is None:
                s.ordered = TimeSorted(fresh.combine_chunks(), us)
            else:
                rows = pa.concat_tables([held.rows, fresh])
                both = np.concatenate([held.us, us])
                if len(us) and len(held.us) and us[0] < held.us[-1]:  # late rows: into place
                    order = np.argsort(both, kind="stable")
                    rows, both = rows.take(order), both[order]
                if rows.column(0).num_chunks > _CHUNKS:
                    rows = rows.combine_chunks()
                s.ordered = TimeSorted(rows, both)

    def _first_horizon(self, t: Table, files: set[str]) -> datetime:
        """The horizon of a recent table: `recent` before its newest row. A table with no rows
        yet is held whole (its horizon is the beginning of time) until its rows span more than
        the horizon asks (`_advance`): the copy follows the data, never the clock."""
        newest = self._newest(t, files) if files else None
        return _BEGINNING if newest is None else newest - self.recent

    def _newest(self, t: Table, files: set[str]) -> datetime | None:
        names = ", ".join(_quote(f) for f in sorted(files))
        rows = self._cur.sql(
            f'SELECT epoch_us(max("{t.ts}")) FROM read_parquet([{names}])'
        ).fetchall()
        value = rows[0][0] if rows else None
        return None if value is None else datetime.fromtimestamp(value / 1e6, UTC)

    def _advance(self, s: _State) -> None:
        """Move the horizon on once the copy spans half a window more than it must; the rows that
        left it are deleted a grace period later (queries planned on the old horizon may run)."""
        rows = self._cur.sql(
            f'SELECT epoch_us(max("{s.t.ts}")) FROM {self.rows(s.t.name)}'
        ).fetchall()
        if not rows or rows[0][0] is None or s.horizon is None:
            return
        newest = datetime.fromtimestamp(rows[0][0] / 1e6, UTC)
        if newest - s.horizon > self.recent * 1.5:
            s.horizon = newest - self.recent
            s.purge = (s.horizon, time.monotonic() + _GRACE_S)
            if s.live:
                self._define(s)

    def stats(self) -> dict[str, dict[str, Any]]:
        """Rows held (and held sorted by time) and horizon per table (for `check-data` and the
        benchmark)."""
        out: dict[str, dict[str, Any]] = {}
        with self._lock:
            for name, s in self._states.items():
                n = self._cur.sql(f"SELECT count(*) FROM {self.rows(name)}").fetchall()[0][0]
                out[name] = {
                    "rows": int(n),
                    "files": len(s.files),
                    "horizon": s.horizon.isoformat() if s.horizon else None,
                }
                if s.ordered is not None:  # the same rows again, sorted by time
                    out[name]["sorted_rows"] = s.ordered.rows.num_rows
        return out

    def close(self) -> None:
        try:
            self._cur.execute(f"DETACH {self.alias}")
        finally:
            self._cur.close()
