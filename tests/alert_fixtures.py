"""Alert stores for tests: SQLite in a temporary folder, or PostgreSQL in a schema of its own
(dropped at the end), so every alert test can run on both."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from alerts.store import AlertStore

# a fixed instant: the store and the engine take time as a parameter
T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'store.db'}"


@contextmanager
def pg_schema_url(pg_url: str) -> Iterator[str]:
    """A PostgreSQL URL whose connections work in a fresh schema (search_path), dropped after."""
    schema = f"test_alerts_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in pg_url else "?"
    try:
        yield f"{pg_url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


@contextmanager
def open_store(kind: str, folder: Path, pg_url: str | None) -> Iterator[AlertStore]:
    if kind == "sqlite":
        store = AlertStore(sqlite_url(folder))
        try:
            yield store
        finally:
            store.close()
        return
    assert pg_url is not None
    with pg_schema_url(pg_url) as url:
        store = AlertStore(url)
        try:
            yield store
        finally:
            store.close()
