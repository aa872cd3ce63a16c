"""The data node: where the six domains' tables live, behind one small interface.

Two kinds of node share the interface, so adapters, the simulator and the tests run unchanged on
either:

* `LakeNode` — the embedded default. Tables are Parquet files under `<data_dir>/lake/<table>/`
  and `<data_dir>/brain.duckdb` is a DuckDB catalog of views over them. Every process opens the
  catalog read-only, so the app, its workers and the live feed never lock each other out: writers
  add new Parquet files (written aside, then renamed into place) and readers see them at their next
  query. DuckDB allows a single writer process per database file; this layout needs none. Each
  reading process keeps the hot part of the lake in memory (`data_adapters.resident`), refreshed
  from the files before every query.
* `SqlNode` — a server engine through ibis (PostgreSQL here; Greenplum speaks the same protocol).

`backend()` gives each thread its own ibis connection (DuckDB connections are not shared across
threads; a cursor per thread is the supported way).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data_adapters.resident import RECENT, Resident
from data_adapters.schema import TABLES, Table, ibis_schema

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DataNode",
    "LakeNode",
    "SqlNode",
    "arrow_schema",
    "batch_named",
    "open_node",
]

CONNECT_TIMEOUT_S = 3  # a server that does not answer is "down", not a hang

# the name of the batch being written and how many files each table got in it so far
_BATCH: ContextVar[tuple[str, dict[str, int]] | None] = ContextVar("brain_batch", default=None)


@contextmanager
def batch_named(name: str) -> Iterator[None]:
    """Name the files the embedded node writes in this block after `name` (the k-th append to a
    table is `<name>-<table>-<k>`), so that writing the same batch again replaces its files
    instead of adding to them: a feed that died mid-batch redoes it without a duplicate row."""
    token = _BATCH.set((name, {}))
    try:
        yield
    finally:
        _BATCH.reset(token)


def _batch_stem(table: str) -> str | None:
    batch = _BATCH.get()
    if batch is None:
        return None
    name, counts = batch
    k = counts.get(table, 0)
    counts[table] = k + 1
    return f"{name}-{table}-{k}"


def arrow_schema(t: Table) -> pa.Schema:
    """The Arrow schema every Parquet file of `t` is written with (that of its ibis schema)."""
    schema: pa.Schema = ibis_schema(t).to_pyarrow()
    return schema


def _to_arrow(t: Table, frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame[t.column_names], schema=arrow_schema(t), preserve_index=False)


class DataNode(Protocol):
    """What every data node offers."""

    name: str

    def backend(self) -> Any:
        """The ibis backend of the calling thread."""

    def append(self, t: Table, frame: pd.DataFrame) -> None:
        """Append rows that have passed validation (typed as the contract says)."""

    def replace(self, t: Table, frame: pd.DataFrame) -> None:
        """Replace the whole content of `t` (reference data, seeding)."""

    def sql(self, query: str) -> pd.DataFrame:
        """Run SQL directly on the engine (benchmarks compare against this)."""

    def compact(self, t: Table, *, prefix: str = "live-", min_files: int = 50) -> int:
        """Merge small appended batches (a no-op where the engine manages its own storage)."""

    def exists(self) -> bool:
        """Whether every table of the contract is there."""

    def create(self, *, force: bool = False) -> None:
        """Create every table of the contract."""

    def close(self) -> None: ...


class LakeNode:
    """The embedded node: a Parquet lake with a read-only DuckDB catalog of views."""

    name = "duckdb"

    def __init__(
        self,
        data_dir: Path,
        *,
        threads: int | None = None,
        resident: timedelta | None = RECENT,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.lake = self.data_dir / "lake"
        self.catalog = self.data_dir / "brain.duckdb"
        self._threads = threads
        self._recent = resident  # None: every query reads the lake's files
        self._lock = threading.Lock()
        self._raw: duckdb.DuckDBPyConnection | None = None
        self.resident: Resident | None = None
        self._local = threading.local()

    # ── set-up ─────────────────────────────────────────────────────────────────────
    def exists(self) -> bool:
        return self.catalog.exists() and all((self.lake / t.name).is_dir() for t in TABLES)

    def create(self, *, force: bool = False) -> None:
        """Create the lake folders, an empty typed file per table, and the catalog of views."""
        self.close()
        if force and self.lake.exists():
            shutil.rmtree(self.lake)
        if force and self.catalog.exists():
            self.catalog.unlink()
        for t in TABLES:
            folder = self.lake / t.name
            folder.mkdir(parents=True, exist_ok=True)
            empty = folder / "_empty.parquet"
            if not empty.exists():
                pq.write_table(arrow_schema(t).empty_table(), empty)
        tmp = self.catalog.with_suffix(".duckdb.tmp")
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"SET file_search_path = '{self.data_dir.as_posix()}'")
            for t in TABLES:
                glob = f"lake/{t.name}/*.parquet"
                con.execute(
                    f"CREATE OR REPLACE VIEW \"{t.name}\" AS SELECT * FROM read_parquet('{glob}')"
                )
        finally:
            con.close()
        os.replace(tmp, self.catalog)

    # ── reading ────────────────────────────────────────────────────────────────────
    def _connection(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._raw is None:
                if not self.catalog.exists():
                    raise FileNotFoundError(
                        f"no data node at {self.data_dir}: run `python -m brain seed` first"
                    )
                config: dict[str, Any] = {"threads": self._threads} if self._threads else {}
                raw = duckdb.connect(str(self.catalog), read_only=True, config=config)
                raw.execute(f"SET GLOBAL file_search_path = '{self.data_dir.as_posix()}'")
                if self._recent is not None:
                    self.resident = Resident(raw, self.lake, recent=self._recent)
                self._raw = raw
            return self._raw

    def backend(self) -> Any:
        """This thread's ibis backend (declared queries bring the resident copy in step with the
        lake themselves: `data_adapters.declare`)."""
        raw = self._connection()
        be = getattr(self._local, "backend", None)
        if be is None or getattr(self._local, "raw", None) is not raw:
            be = ibis.duckdb.from_connection(self.cursor())
            be.brain_resident = self.resident  # read by data_adapters.declare and the fast paths
            self._local.backend = be
            self._local.raw = raw
        return be

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the catalog connection (resident tables first on its search path, in step
        with the lake)."""
        cursor = self._connection().cursor()
        if self.resident is not None:
            self.resident.refresh()
            cursor.execute(f"SET search_path = '{self.resident.search_path}'")
        return cursor

    def sql(self, query: str) -> pd.DataFrame:
        frame: pd.DataFrame = self.cursor().sql(query).df()
        return frame

    def catch_up(self) -> None:
        """The resident copy in step with the lake's files now, waiting for a refresh another
        thread has under way (`Resident.refresh(wait=True)`); queries alone never wait."""
        resident = self.resident
        if resident is not None:
            resident.refresh(wait=True)

    # ── writing ────────────────────────────────────────────────────────────────────
    def _write(self, t: Table, frame: pd.DataFrame, stem: str) -> Path:
        folder = self.lake / t.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}.parquet"
        tmp = folder / f".{stem}.tmp"
        pq.write_table(_to_arrow(t, frame), tmp, compression="zstd", row_group_size=256_000)
        os.replace(tmp, path)
        return path

    def append(self, t: Table, frame: pd.DataFrame, *, stem: str | None = None) -> None:
        if frame.empty:
            return
        stem = stem or _batch_stem(t.name) or f"live-{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        self._write(t, frame, stem)

    def replace(self, t: Table, frame: pd.DataFrame) -> None:
        folder = self.lake / t.name
        old = [p for p in folder.glob("*.parquet") if p.name != "_empty.parquet"]
        new = self._write(t, frame, f"base-{time.time_ns()}")
        for p in old:
            if p != new:
                p.unlink(missing_ok=True)

    def compact(self, t: Table, *, prefix: str = "live-", min_files: int = 50) -> int:
        """Merge many small live files of `t` into one; returns the number of files merged.

        The merged file is renamed into place before the small ones are removed, so a reader
        sees every row at every moment (at worst twice, for an instant; queries pick the newest
        row per key).
        """
        folder = self.lake / t.name
        small = sorted(folder.glob(f"{prefix}*.parquet"))
        if len(small) < min_files:
            return 0
        merged = pa.concat_tables([pq.read_table(p, schema=arrow_schema(t)) for p in small])
        stem = f"chunk-{time.time_ns()}"
        tmp = folder / f".{stem}.tmp"
        pq.write_table(
            merged.sort_by([(t.ts, "ascending")]) if t.ts else merged,
            tmp,
            compression="zstd",
            row_group_size=256_000,
        )
        os.replace(tmp, folder / f"{stem}.parquet")
        for p in small:
            p.unlink(missing_ok=True)
        return len(small)

    def close(self) -> None:
        with self._lock:
            if self.resident is not None:
                self.resident.close()
                self.resident = None
            if self._raw is not None:
                self._raw.close()
                self._raw = None
        self._local = threading.local()


class SqlNode:
    """A server engine (PostgreSQL) behind ibis."""

    name = "postgres"

    def __init__(
        self, url: str, *, schema: str = "", statement_timeout_s: float | None = None
    ) -> None:
        self.url = url
        self.schema = schema or None
        self.statement_timeout_s = statement_timeout_s  # the server cancels longer statements
        self._local = threading.local()

    def __repr__(self) -> str:  # the URL may hold a password
        return f"SqlNode(schema={self.schema!r})"

    def _connect(self) -> Any:
        con = ibis.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S)
        if self.schema:
            con.raw_sql(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            con.raw_sql(f'SET search_path TO "{self.schema}", public')
        if self.statement_timeout_s:
            con.raw_sql(f"SET statement_timeout = {int(self.statement_timeout_s * 1000)}")
        return con

    def backend(self) -> Any:
        """This thread's connection; a new one when the last one was closed or broken (the
        server restarted, the network dropped), so the node recovers on its own."""
        be = getattr(self._local, "backend", None)
        if be is not None and (be.con.closed or be.con.broken):
            self._local.backend = be = None
        if be is None:
            be = self._connect()
            self._local.backend = be
        return be

    def lost(self) -> bool:
        """Whether this thread's connection was closed or broken (found out by its last use);
        the next `backend()` opens a new one."""
        be = getattr(self._local, "backend", None)
        return be is not None and bool(be.con.closed or be.con.broken)

    def exists(self) -> bool:
        names = set(self.backend().list_tables())
        return all(t.name in names for t in TABLES)

    def create(self, *, force: bool = False) -> None:
        con = self.backend()
        existing = set(con.list_tables())
        for t in TABLES:
            if t.name in existing and not force:
                continue
            con.create_table(t.name, schema=ibis_schema(t), overwrite=True)
            if t.ts:
                con.raw_sql(f'CREATE INDEX IF NOT EXISTS "{t.name}_ts" ON "{t.name}" ("{t.ts}")')

    def sql(self, query: str) -> pd.DataFrame:
        return pd.DataFrame(self.backend().sql(query).to_pandas())

    def _copy(self, t: Table, frame: pd.DataFrame) -> None:
        con = self.backend().con
        cols = ", ".join(f'"{c}"' for c in t.column_names)
        rows = _python_rows(t, frame)
        with con.cursor() as cur, cur.copy(f'COPY "{t.name}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        con.commit()

    def append(self, t: Table, frame: pd.DataFrame, *, stem: str | None = None) -> None:
        if not frame.empty:
            self._copy(t, frame)

    def replace(self, t: Table, frame: pd.DataFrame) -> None:
        con = self.backend()
        con.raw_sql(f'TRUNCATE "{t.name}"')
        self.append(t, frame)

    def compact(self, t: Table, *, prefix: str = "live-", min_files: int = 50) -> int:
        return 0

    def close(self) -> None:
        be = getattr(self._local, "backend", None)
        if be is not None:
            be.disconnect()
        self._local = threading.local()


def _python_rows(t: Table, frame: pd.DataFrame) -> Iterable[tuple[Any, ...]]:
    arrow = _to_arrow(t, frame)
    cols = [arrow.column(c.name).to_pylist() for c in t.columns]
    return zip(*cols, strict=True)


def open_node(settings: Any) -> LakeNode | SqlNode:
    """The data node the settings point at."""
    if settings.data_url:
        return SqlNode(
            settings.data_url,
            schema=settings.data_schema,
            statement_timeout_s=getattr(settings, "query_timeout_s", None),
        )
    return LakeNode(settings.data_dir)
