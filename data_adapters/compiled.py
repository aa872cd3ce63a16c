"""Compiled-query templates: build and compile an ibis expression once per query shape.

Building and compiling an ibis expression costs tens of milliseconds, as much as the engine needs
to answer the query itself. The wall asks the same questions every few seconds with only the time
moved on, so each adapter query is compiled once per *shape* (adapter, non-time parameters and the
lengths of its time windows) into a SQL template whose timestamp literals are re-rendered for each
call.

A template is only trusted after it has proven itself: the expression is compiled at the given
time and at a time shifted by an odd offset, and the two SQL texts must differ in nothing but their
timestamp literals, each moved by exactly that offset. Queries whose literals do not move with the
time (calendar arithmetic, say) fail the proof and are compiled on every call instead.

On DuckDB a template runs as a prepared statement of the calling thread's connection: planning a
wall query costs DuckDB more than running it, and a prepared statement is planned once. (Lake
globs are still expanded at each execution, so files added by the live feed are seen.)
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

__all__ = ["clear", "run", "stats"]

_SHIFT = timedelta(days=3, hours=7, minutes=13, seconds=17, microseconds=250_000)

# How each engine's SQL (as ibis writes it) spells a timestamp with a time zone.
_DUCKDB = re.compile(r"MAKE_TIMESTAMPTZ\((\d+), (\d+), (\d+), (\d+), (\d+), ([\d.]+), 'UTC'\)")
_POSTGRES = re.compile(r"CAST\('(\d{4}-\d\d-\d\dT[\d:.]+\+00:00)' AS TIMESTAMPTZ\)")


def _parse(dialect: str, m: re.Match[str]) -> datetime:
    if dialect == "duckdb":
        y, mo, d, h, mi = (int(m.group(i)) for i in range(1, 6))
        sec = float(m.group(6))
        whole = int(sec)
        micro = round((sec - whole) * 1_000_000)
        return datetime(y, mo, d, h, mi, whole, micro, tzinfo=UTC)
    return datetime.fromisoformat(m.group(1))


def _render(t: datetime) -> str:
    """A timestamp literal as PostgreSQL reads it (DuckDB templates run as prepared statements)."""
    return f"CAST('{t.isoformat()}' AS TIMESTAMPTZ)"


_PATTERNS = {"duckdb": _DUCKDB, "postgres": _POSTGRES}


@dataclass(frozen=True)
class _Template:
    parts: tuple[str, ...]  # SQL text around the timestamp literals
    offsets: tuple[timedelta, ...]  # each literal minus the anchor time
    schema: Any  # ibis schema of the result

    @property
    def name(self) -> str:
        """A name for the prepared statement of this template."""
        digest = hashlib.blake2b("\x00".join(self.parts).encode(), digest_size=8).hexdigest()
        return f"brain_{digest}"

    def parameterised(self) -> str:
        """The SQL with its timestamps as parameters ($1, $2, …)."""
        pieces = [self.parts[0]]
        for i, part in enumerate(self.parts[1:], start=1):
            pieces += [f"${i}::TIMESTAMPTZ", part]
        return "".join(pieces)


_lock = threading.Lock()
_templates: dict[tuple[Any, ...], _Template | None] = {}
_counts = {"hits": 0, "compiles": 0, "unshiftable": 0}


def stats() -> dict[str, int]:
    """How often a template was reused, compiled, or refused as not shiftable."""
    return dict(_counts)


def clear() -> None:
    with _lock:
        _templates.clear()
        for k in _counts:
            _counts[k] = 0


def _split(dialect: str, text: str) -> tuple[tuple[str, ...], list[datetime]] | None:
    pattern = _PATTERNS.get(dialect)
    if pattern is None:
        return None
    parts: list[str] = []
    stamps: list[datetime] = []
    pos = 0
    for m in pattern.finditer(text):
        parts.append(text[pos : m.start()])
        stamps.append(_parse(dialect, m))
        pos = m.end()
    parts.append(text[pos:])
    return tuple(parts), stamps


def _prove(
    dialect: str, build: Callable[[dict[str, Any]], ir.Table], params: dict[str, Any], anchor: str
) -> _Template | None:
    expr = build(params)
    first = _split(dialect, str(ibis.to_sql(expr, dialect=dialect)))
    shifted = {k: (v + _SHIFT if isinstance(v, datetime) else v) for k, v in params.items()}
    second = _split(dialect, str(ibis.to_sql(build(shifted), dialect=dialect)))
    if first is None or second is None or first[0] != second[0]:
        return None
    if any(b - a != _SHIFT for a, b in zip(first[1], second[1], strict=True)):
        return None
    base = params[anchor]
    return _Template(first[0], tuple(s - base for s in first[1]), expr.schema())


def _key(fn: Callable[..., Any], dialect: str, params: dict[str, Any], anchor: str | None) -> Any:
    items = []
    for k in sorted(params):
        v = params[k]
        if isinstance(v, datetime) and anchor is not None:
            items.append((k, "t", v - params[anchor]))
        else:
            items.append((k, "v", repr(v)))
    return (fn.__module__, fn.__qualname__, dialect, tuple(items))


def _fetch(con: Any, text: str, schema: Any) -> pd.DataFrame:
    """Run SQL text on a server engine (PostgreSQL) and type the result."""
    from ibis.formats.pandas import PandasData

    cursor = con.raw_sql(text)
    try:
        names = [d[0] for d in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=names)
    finally:
        cursor.close()
    converted: pd.DataFrame = PandasData.convert_table(frame, schema)
    return converted


def _execute_prepared(con: Any, template: _Template, stamps: list[datetime]) -> pd.DataFrame:
    """Run a DuckDB template as a prepared statement of this thread's connection.

    DuckDB spends most of a wall query's time planning it; a prepared statement is planned once
    per connection. Globs of the lake are still expanded at each execution, so new files count.
    """
    from ibis.formats.pandas import PandasData

    prepared: set[str] = con.__dict__.setdefault("_brain_prepared", set())
    name = template.name
    if name not in prepared:
        con.con.execute(f"PREPARE {name} AS {template.parameterised()}")
        prepared.add(name)
    args = ", ".join(f"'{t.isoformat()}'" for t in stamps)
    call = f"EXECUTE {name}({args})" if stamps else f"EXECUTE {name}"
    frame = con.con.sql(call).to_arrow_table().to_pandas()
    converted: pd.DataFrame = PandasData.convert_table(frame, template.schema)
    return converted


def _template(
    fn: Callable[..., ir.Table], con: Any, dialect: str, params: dict[str, Any], anchor: str | None
) -> _Template | None:
    if dialect not in _PATTERNS:
        return None
    if anchor is not None:
        return _prove(dialect, lambda p: fn(con, **p), params, anchor)
    expr = fn(con, **params)
    return _Template((str(ibis.to_sql(expr, dialect=dialect)),), (), expr.schema())


def run(fn: Callable[..., ir.Table], con: Any, **params: Any) -> pd.DataFrame:
    """The result of `fn(con, **params)` (an adapter's `*_expr`), normalised like
    `query.execute`, compiling the expression at most once per query shape.

    Time parameters are the `datetime` values; the first one named is the anchor that the other
    timestamps of the query are placed relative to.
    """
    from data_adapters.query import execute, normalize, utc

    params = {k: utc(v) if isinstance(v, datetime) else v for k, v in params.items()}
    dialect = str(getattr(con, "name", ""))
    anchor = next((k for k, v in params.items() if isinstance(v, datetime)), None)
    key = _key(fn, dialect, params, anchor)
    with _lock:
        known = key in _templates
        template = _templates.get(key)
    if not known:
        template = _template(fn, con, dialect, params, anchor)
        with _lock:
            _templates[key] = template
            _counts["compiles"] += 1
            _counts["unshiftable"] += template is None
    if template is None:
        return execute(fn(con, **params))
    with _lock:
        _counts["hits"] += known
    stamps = [(params[str(anchor)] + offset).astimezone(UTC) for offset in template.offsets]
    if dialect == "duckdb":
        frame = _execute_prepared(con, template, stamps)
    else:
        pieces = [template.parts[0]]
        for stamp, part in zip(stamps, template.parts[1:], strict=True):
            pieces += [_render(stamp), part]
        frame = _fetch(con, "".join(pieces), template.schema)
    return normalize(frame, template.schema)
