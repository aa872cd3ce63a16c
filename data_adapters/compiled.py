"""Compiled-query templates: build and compile an ibis expression once per query shape.

Building and compiling an ibis expression costs tens of milliseconds, as much as the engine needs
to answer the query itself. The wall asks the same questions every few seconds with only the time
moved on, so each adapter query is compiled once per *shape* (adapter and non-time parameters)
into a SQL template whose timestamp literals are re-rendered for each call.

A template is only trusted after it has proven itself: the expression is compiled at the given
times and once more for each time parameter shifted alone by an odd offset. The SQL texts must
differ in nothing but their timestamp literals, and each literal must move with exactly one time
parameter, by exactly that offset; it is then re-rendered from that parameter. Queries whose
literals do not move with the time (calendar arithmetic, say) fail the proof and are compiled on
every call instead. Adapters therefore keep the form of a query independent of the distance
between its time parameters (a window's length changes literals, never the plan); a query whose
form depends on it fails the proof whenever the shift changes it.

On DuckDB a template runs as a prepared statement of the calling thread's connection: its SQL is
parsed once. (DuckDB 2.0 binds and plans a prepared statement that reads tables again at each
execution, so that it sees rows added since; binding and planning a wall query still costs DuckDB
3-6 ms, often more than running it, which is what answer reuse below avoids.)

An answer is reused when it provably has not changed. The wall asks "the state at now" every few
seconds while most tables change every few minutes. A template reading only resident tables
(`data_adapters.resident`) whose timestamps are used in nothing but comparisons with stored
timestamp columns (`ts <= $1`, `ts > $2`) answers from rows chosen by those comparisons alone;
if no table's rows changed since the last call (their versions) and no stored timestamp of any
table it reads lies between a timestamp's last and new value, every comparison comes out as
before, and so does the answer. Anything else (a timestamp in the output, in arithmetic, a
table read from the lake) runs the query.
"""

from __future__ import annotations

import hashlib
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import sqlglot
from pandas.api.internals import create_dataframe_from_blocks
from sqlglot import exp

from brain.memo import Kept
from data_adapters.query import execute, normalize, sql, utc
from data_adapters.resident import RECENT_SUFFIX, planning
from data_adapters.schema import Table, table

__all__ = ["clear", "reusing", "run", "sql_as_run", "stats"]

_T = TypeVar("_T")
# a wall result is a few rows: the copy DuckDB warns of costs less than binding the statement twice
warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
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
    slots: tuple[tuple[str, timedelta], ...]  # each literal: (time parameter, literal - its value)
    schema: Any  # ibis schema of the result
    # resident tables read, when the answer is decided by comparing stored timestamps with the
    # literals only (see the module docstring); None: never reused
    reads: tuple[str, ...] | None = None

    def stamps(self, params: dict[str, Any]) -> list[datetime]:
        """The timestamp literals of a call with these parameters."""
        return [(params[name] + offset).astimezone(UTC) for name, offset in self.slots]

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
_MAX_TEMPLATES = 512  # templates (and prepared statements per connection) kept at most
# (shape, resident copy it reads or None) → template
_templates: dict[tuple[Any, str | None], _Template | None] = {}
# shape → large-table reads (table, time parameter, since - its value); None: not placeable
_shapes: dict[tuple[Any, ...], tuple[tuple[str, str, timedelta], ...] | None] = {}
_counts = {"hits": 0, "compiles": 0, "unshiftable": 0, "reused": 0}
_MAX_ANSWERS = 256  # last answers kept for reuse
# (resident copy, template name) → (stamps, versions of the tables read, answer)
_answers: Kept[tuple[str, str], tuple[list[datetime], tuple[int, ...], pd.DataFrame]] = Kept(
    _MAX_ANSWERS
)
_reuse = True
_COMPARED = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.NEQ)


def stats() -> dict[str, int]:
    """How often a template was reused, compiled, or refused as not shiftable, and how often an
    answer was reused."""
    return dict(_counts)


def clear() -> None:
    with _lock:
        _templates.clear()
        _shapes.clear()
        _answers.clear()
        for k in _counts:
            _counts[k] = 0


@contextmanager
def reusing(enabled: bool) -> Iterator[None]:
    """Reuse of unchanged answers on (the default) or off, e.g. to time the queries themselves."""
    global _reuse
    before, _reuse = _reuse, enabled
    try:
        yield
    finally:
        _reuse = before


def _stored(node: exp.Expression) -> list[exp.Column] | None:
    """The columns whose stored values are the only values `node` can take: a column, or the
    first non-null / greatest / least of columns; None for anything else."""
    if isinstance(node, exp.Column):
        return [node]
    if isinstance(node, exp.Coalesce | exp.Greatest | exp.Least):
        args = [node.this, *node.expressions]
        if all(isinstance(a, exp.Column) for a in args):
            return args
    return None


def _compared(node: exp.Expression) -> list[exp.Column] | None:
    """The stored columns a time parameter (`$n`, cast or not) is compared with, or None when
    the parameter is used any other way."""
    operand, parent = node, node.parent
    if isinstance(parent, exp.Cast):
        operand, parent = parent, parent.parent
    if isinstance(parent, exp.Between) and operand is not parent.this:
        other = parent.this
    elif isinstance(parent, _COMPARED):
        other = parent.right if operand is parent.left else parent.left
    else:
        return None
    return _stored(other)


def _reads_of(text: str, resident_alias: str) -> tuple[str, ...] | None:
    """The resident tables a parameterised DuckDB template reads, when its time parameters are
    only compared with stored timestamp columns of them (None otherwise)."""
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return None
    reads: dict[str, Table] = {}
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    for t in tree.find_all(exp.Table):
        if not t.db and t.name in ctes:
            continue
        recent = t.db == resident_alias and t.name.endswith(RECENT_SUFFIX)
        try:
            read = table(t.name.removesuffix(RECENT_SUFFIX) if recent else t.name)
        except KeyError:  # not a table of the node
            return None
        if read.resident != ("recent" if recent else "all"):  # read from the lake
            return None
        reads[read.name] = read
    # names compared with a time: timestamp columns of the tables read, and nothing else there
    stamps = {c for t in reads.values() for c in t.timestamps}
    stamps -= {c for t in reads.values() for c in t.column_names if c not in t.timestamps}
    names: set[str] = set()
    for param in tree.find_all(exp.Placeholder, exp.Parameter):
        columns = _compared(param)
        if columns is None or any(c.name not in stamps for c in columns):
            return None
        names.update(c.name for c in columns)
    for alias in tree.find_all(exp.Alias):  # a compared name holds stored timestamps only
        value = alias.this
        if isinstance(value, exp.Max | exp.Min):
            value = value.this
        if alias.alias in names and _stored(value) is None:
            return None
    return tuple(sorted(reads))


def _split(dialect: str, text: str) -> tuple[tuple[str, ...], list[datetime]]:
    """The SQL text around its timestamp literals, and the literals (a dialect of `_PATTERNS`)."""
    pattern = _PATTERNS[dialect]
    parts: list[str] = []
    stamps: list[datetime] = []
    pos = 0
    for m in pattern.finditer(text):
        parts.append(text[pos : m.start()])
        stamps.append(_parse(dialect, m))
        pos = m.end()
    parts.append(text[pos:])
    return tuple(parts), stamps


Variants = dict[str, tuple[timedelta, list[datetime]]]  # parameter → (its shift, values)


def _moved_by(base: list[datetime], variants: Variants) -> list[str | None] | None:
    """For each of `base` values, the one time parameter whose shift alone moves it by exactly
    that shift (None when no shift moves it); None when any value moves otherwise."""
    owners: list[str | None] = []
    for i, value in enumerate(base):
        movers = []
        for name, (shift, moved) in variants.items():
            if len(moved) != len(base):
                return None
            if moved[i] == value:
                continue
            if moved[i] - value != shift:
                return None
            movers.append(name)
        if len(movers) > 1:
            return None
        owners.append(movers[0] if movers else None)
    return owners


def _times(params: dict[str, Any]) -> list[str]:
    return [k for k, v in params.items() if isinstance(v, datetime)]


def _shifted(
    params: dict[str, Any], name: str, build: Callable[[dict[str, Any]], _T]
) -> tuple[timedelta, _T] | None:
    """`build` with the time parameter `name` alone moved by `_SHIFT`, later or, where that is
    refused (a window's start past its end), earlier; None when both are refused."""
    for shift in (_SHIFT, -_SHIFT):
        try:
            return shift, build({**params, name: params[name] + shift})
        except ValueError:
            continue
    return None


def _prove(
    dialect: str, build: Callable[[dict[str, Any]], ir.Table], params: dict[str, Any]
) -> _Template | None:
    expr = build(params)
    text = str(ibis.to_sql(expr, dialect=dialect))
    if not _times(params):  # nothing moves: the text is the template
        return _Template((text,), (), expr.schema())
    first = _split(dialect, text)

    def split(p: dict[str, Any]) -> tuple[tuple[str, ...], list[datetime]]:
        return _split(dialect, str(ibis.to_sql(build(p), dialect=dialect)))

    variants: Variants = {}
    for name in _times(params):
        shifted = _shifted(params, name, split)
        if shifted is None or shifted[1][0] != first[0]:
            return None
        variants[name] = (shifted[0], shifted[1][1])
    owners = _moved_by(first[1], variants)
    if owners is None or any(o is None for o in owners):
        return None
    slots = tuple(
        (str(o), stamp - params[str(o)]) for o, stamp in zip(owners, first[1], strict=True)
    )
    return _Template(first[0], slots, expr.schema())


def _key(fn: Callable[..., Any], dialect: str, params: dict[str, Any]) -> Any:
    """The shape of a call: which parameters are times, the values of the others."""
    items = []
    for k in sorted(params):
        v = params[k]
        items.append((k, "t", None) if isinstance(v, datetime) else (k, "v", repr(v)))
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

    The SQL is parsed once per connection; DuckDB binds and plans it at each execution, so
    rows and lake files added since are seen.
    """
    prepared: set[str] = con.__dict__.setdefault("_brain_prepared", set())
    name = template.name
    if name not in prepared:
        con.con.execute(f"PREPARE {name} AS {template.parameterised()}")
        prepared.add(name)
    args = ", ".join(f"'{t.isoformat()}'" for t in stamps)
    call = f"EXECUTE {name}({args})" if stamps else f"EXECUTE {name}"
    # run at once (not a relation first, whose creation binds the statement one more time)
    return to_frame(con.con.execute(call).to_arrow_table(), template.schema)


def _answer(con: Any, template: _Template, stamps: list[datetime]) -> pd.DataFrame:
    """The template's answer at `stamps`: the last one when it provably has not changed (see the
    module docstring), else run."""
    resident = getattr(con, "brain_resident", None)
    reads = template.reads
    if not _reuse or reads is None or resident is None:
        return _execute_prepared(con, template, stamps)
    versions = resident.versions(reads)  # before running: a change after that is seen next time
    key = (resident.alias, template.name)  # the same SQL on another node's copy is another answer
    last = _answers.get(key)
    if versions is not None and last is not None and last[1] == versions:
        spans = [(min(a, b), max(a, b)) for a, b in zip(last[0], stamps, strict=True)]
        if all(resident.quiet(n, v, spans) for n, v in zip(reads, versions, strict=True)):
            with _lock:
                _counts["reused"] += 1
            _answers.put(key, (stamps, versions, last[2]))  # later spans start from these stamps
            return last[2].copy(deep=False)  # copy-on-write (pandas 3): acts as a copy
    frame = _execute_prepared(con, template, stamps)
    if versions is not None:
        _answers.put(key, (stamps, versions, frame.copy(deep=False)))
    return frame


_STR = pd.StringDtype("pyarrow", na_value=float("nan"))  # pandas' `str`, as Arrow converts strings
_Convert = Callable[[pa.ChunkedArray], Any]  # an Arrow column to its pandas array (None: can't)


def _numbers(column: pa.ChunkedArray) -> Any:
    return column.to_numpy()  # (a null float is NaN)


def _integers(column: pa.ChunkedArray) -> Any:
    """64-bit integers; with nulls, a nullable integer column straight from Arrow's mask."""
    if not column.null_count:
        return column.to_numpy()
    return pd.arrays.IntegerArray(column.fill_null(0).to_numpy(), column.is_null().to_numpy())


def _without_nulls(column: pa.ChunkedArray) -> Any:
    return None if column.null_count else column.to_numpy()


def _strings(column: pa.ChunkedArray) -> Any:
    if not pa.types.is_large_string(column.type):
        column = column.cast(pa.large_string())
    return pd.arrays.ArrowStringArray(column, dtype=_STR)  # type: ignore[call-arg]  # (stubs)


def _instants(column: pa.ChunkedArray) -> Any:
    """Timestamps with a zone, as the same instants in UTC."""
    unit = column.type.unit
    if column.type.tz != "UTC":
        column = column.cast(pa.timestamp(unit, tz="UTC"))
    values = column.to_numpy().view("int64")
    return pd.array(values, dtype=pd.DatetimeTZDtype(unit, "UTC"), copy=False)


def _converter(arrow: pa.DataType, dtype: Any) -> _Convert | None:
    """How `to_frame` makes the pandas array of an Arrow column of ibis type `dtype` straight
    from Arrow's buffers; None for the kinds of column the general way converts."""
    same = arrow == dtype.to_pyarrow()
    if dtype.is_integer() and same:
        return _integers if pa.types.is_int64(arrow) else _without_nulls
    if dtype.is_floating() and same and pa.types.is_float64(arrow):
        return _numbers
    if dtype.is_boolean() and same:
        return _without_nulls
    if dtype.is_string() and (pa.types.is_string(arrow) or pa.types.is_large_string(arrow)):
        return _strings
    if dtype.is_timestamp() and pa.types.is_timestamp(arrow) and arrow.tz is not None:
        return _instants
    return None


@cache
def _plan(arrow: pa.Schema, schema: Any) -> tuple[tuple[_Convert | None, ...], pd.Index]:
    """Each column's converter (`_converter`) and the frame's column names."""
    converters = tuple(_converter(f.type, schema[f.name]) for f in arrow)
    return converters, pd.Index(arrow.names)


def _general(column: pa.ChunkedArray, name: str, schema: Any) -> Any:
    """The general way: pyarrow's conversion, then ibis's and `normalize`'s."""
    from ibis.formats.pandas import PandasData

    frame = pa.table({name: column}).to_pandas()
    converted = PandasData.convert_column(frame[name], schema[name])
    series = normalize(pd.DataFrame({name: converted}), schema)[name]
    return series.to_numpy() if isinstance(series.dtype, np.dtype) else series.array


def to_frame(table: pa.Table, schema: Any) -> pd.DataFrame:
    """An Arrow result as a DataFrame typed by the ibis `schema`: what
    `normalize(PandasData.convert_table(table.to_pandas(), schema))` gives. The usual columns
    (numbers, strings, booleans, timestamps with a zone) are made straight from Arrow's buffers
    and the frame from them as they are, one block per column (pandas' low-level constructor,
    the one pyarrow uses), since the general conversion of a whole table costs more than a small
    query itself; the other columns go the general way."""
    converters, names = _plan(table.schema, schema)
    blocks: list[tuple[Any, np.ndarray]] = []
    for i, (convert, column) in enumerate(zip(converters, table.columns, strict=True)):
        array = None if convert is None else convert(column)
        if array is None:
            array = _general(column, names[i], schema)
        if isinstance(array, np.ndarray):  # a block of numpy values is 2-D: (columns, rows)
            array = array.reshape(1, -1)
        blocks.append((array, np.array([i])))
    frame = create_dataframe_from_blocks(blocks, pd.RangeIndex(table.num_rows), names)
    return frame  # type: ignore[no-any-return]  # (untyped in the stubs)


def _template(
    fn: Callable[..., ir.Table], con: Any, dialect: str, params: dict[str, Any], hot: bool
) -> _Template | None:
    if dialect not in _PATTERNS:
        return None
    with planning(hot):
        template = _prove(dialect, lambda p: fn(con, **p), params)
    resident = getattr(con, "brain_resident", None)
    if template is None or dialect != "duckdb" or resident is None:
        return template
    return replace(template, reads=_reads_of(template.parameterised(), resident.alias))


def _reads(
    fn: Callable[..., ir.Table], con: Any, params: dict[str, Any]
) -> list[tuple[str, datetime]]:
    with planning(False) as plan:
        fn(con, **params)
    return list(plan.needs)


def _needs(
    fn: Callable[..., ir.Table], con: Any, params: dict[str, Any]
) -> tuple[tuple[str, str, timedelta], ...] | None:
    """The large tables the query reads through `resident.source`, each with the time parameter
    its `since` moves with and the offset from it (empty without time parameters; None when a
    read does not move with exactly one of them)."""
    names = _times(params)
    if not names:
        return ()
    base = _reads(fn, con, params)
    if len(names) == 1:  # one time parameter: every read is placed relative to it
        return tuple((table, names[0], since - params[names[0]]) for table, since in base)
    variants: Variants = {}
    for name in names:
        shifted = _shifted(params, name, lambda p: _reads(fn, con, p))
        if shifted is None:
            return None
        variants[name] = (shifted[0], [since for _, since in shifted[1]])
    owners = _moved_by([since for _, since in base], variants)
    if owners is None or any(o is None for o in owners):
        return None
    return tuple(
        (table, str(o), since - params[str(o)])
        for (table, since), o in zip(base, owners, strict=True)
    )


@dataclass(frozen=True)
class _Call:
    """One call, resolved: its template (None: build and run the expression as is), the SQL
    dialect and the parameters (times in UTC)."""

    template: _Template | None
    dialect: str
    params: dict[str, Any]

    @property
    def stamps(self) -> list[datetime]:
        """The timestamps to put in the template."""
        return self.template.stamps(self.params) if self.template is not None else []


def _depends(
    needs: tuple[tuple[str, str, timedelta], ...] | None, templates: list[_Template | None]
) -> tuple[str, ...] | None:
    """The resident tables a query's answer and its choice of copy depend on: the large tables
    whose horizon decides the copy, and the tables its template reads, once a template (of
    either copy) says which; None (every table) until then."""
    reads = next((t.reads for t in templates if t is not None and t.reads is not None), None)
    if reads is None:
        return None
    return tuple({table for table, _, _ in needs or ()}.union(reads))


def _resolve(fn: Callable[..., ir.Table], con: Any, params: dict[str, Any]) -> _Call:
    params = {k: utc(v) if isinstance(v, datetime) else v for k, v in params.items()}
    dialect = str(getattr(con, "name", ""))
    key = _key(fn, dialect, params)
    resident = getattr(con, "brain_resident", None)
    hot = False
    if resident is not None:
        with _lock:
            known_shape = key in _shapes
            needs = _shapes.get(key)
            templates = [_templates.get((key, route)) for route in (resident.alias, None)]
        if not known_shape:
            needs = _needs(fn, con, params)
            with _lock:
                _shapes[key] = needs
        # new files of the lake count from the next query on
        resident.refresh(names=_depends(needs, templates))
        hot = bool(
            needs and all(resident.covers(table, params[p] + offset) for table, p, offset in needs)
        )
    route = resident.alias if hot and resident is not None else None
    with _lock:
        known = (key, route) in _templates
        template = _templates.get((key, route))
        full = len(_templates) >= _MAX_TEMPLATES
    if not known and full:  # shapes without end (a parameter per clicked place): run as is
        return _Call(None, dialect, params)
    if not known:
        template = _template(fn, con, dialect, params, hot)
        with _lock:
            _templates[(key, route)] = template
            _counts["compiles"] += 1
            _counts["unshiftable"] += template is None
    elif template is not None:
        with _lock:
            _counts["hits"] += 1
    return _Call(template, dialect, params)


def _text(call: _Call) -> str:
    """The SQL of a resolved call with its timestamps written out."""
    assert call.template is not None
    pieces = [call.template.parts[0]]
    for stamp, part in zip(call.stamps, call.template.parts[1:], strict=True):
        pieces += [_render(stamp), part]
    return "".join(pieces)


def run(fn: Callable[..., ir.Table], con: Any, **params: Any) -> pd.DataFrame:
    """The result of `fn(con, **params)` (an adapter's `*_expr`), normalised like
    `query.execute`, compiling the expression at most once per query shape.

    Time parameters are the `datetime` values; each timestamp of the query follows one of them.
    On a node with resident tables, a query whose reads of large tables all lie inside their
    resident horizon runs on the in-memory copy.
    """
    call = _resolve(fn, con, params)
    if call.template is None:
        return execute(fn(con, **call.params))
    if call.dialect == "duckdb":
        return _answer(con, call.template, call.stamps)
    frame = _fetch(con, _text(call), call.template.schema)
    return normalize(frame, call.template.schema)


def sql_as_run(fn: Callable[..., ir.Table], con: Any, **params: Any) -> str:
    """The SQL text `run` executes for this call (the benchmark gives it to the bare engine)."""
    call = _resolve(fn, con, params)
    if call.template is None:
        return sql(fn(con, **call.params), dialect=call.dialect or None)
    return _text(call)
