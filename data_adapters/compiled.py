"""Compiled queries: a declared query's expression built and compiled once per shape.

Building an ibis expression and compiling it to SQL costs tens of milliseconds, more than the
engine needs to answer a wall query. A declared query is therefore built once per *shape* (its
identity, the engine, and the value of every parameter that is not a time) with each time
parameter given as an ibis scalar parameter, not a value. The query's Python code cannot look at
a time it is given so (an ibis value has no truth value and no `astimezone`), so whatever it
builds holds for every time: the SQL text is the same for all of them but for the literals of
the times. A query whose code does look (a bucket picked from a window's length, a date worked
out in Python) fails to build that way and is built and compiled on every call instead.

The text is compiled at two sets of sentinel times; the literals of the sentinels are cut out
and the two results must agree (a literal the engine's compiler rewrote would differ). Each call
then writes its times in, rendered as ibis renders them, and runs the text; the answer is typed
by the expression's schema exactly as `query.execute` types it (`to_frame`).
"""

from __future__ import annotations

import hashlib
import pickle
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from ibis.common.exceptions import IbisError
from pandas.api.internals import create_dataframe_from_blocks

from brain.memo import Kept
from data_adapters.query import normalize

if TYPE_CHECKING:
    from data_adapters.declare import Query

__all__ = ["Template", "clear", "run", "stats", "template", "to_frame"]

# a wall result is a few rows: the copy DuckDB warns of costs less than binding the statement twice
warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)


def _duckdb(t: datetime) -> str:
    seconds = t.second + t.microsecond / 1e6
    return f"MAKE_TIMESTAMPTZ({t.year}, {t.month}, {t.day}, {t.hour}, {t.minute}, {seconds}, 'UTC')"


def _postgres(t: datetime) -> str:
    return f"CAST('{t.isoformat()}' AS TIMESTAMPTZ)"


# How ibis writes a timestamp literal with a time zone, per engine.
_RENDER: Mapping[str, Callable[[datetime], str]] = {"duckdb": _duckdb, "postgres": _postgres}
_SENTINELS = (
    datetime(1707, 3, 4, 5, 6, 7, 123457, tzinfo=UTC),
    datetime(1711, 9, 10, 11, 12, 13, 654321, tzinfo=UTC),
)
_APART = timedelta(days=1, microseconds=1)  # between the sentinels of two time parameters
_COMPILE_ERRORS = (TypeError, ValueError, AttributeError, IbisError)
_MAX_TEMPLATES = 512
_templates: Kept[tuple[Any, ...], tuple[Template | None]] = Kept(_MAX_TEMPLATES)
_counts = {"built": 0, "refused": 0, "runs": 0}


@dataclass(frozen=True)
class Template:
    """SQL text around the literals of the time parameters `slots`, and the answer's schema."""

    parts: tuple[str, ...]
    slots: tuple[str, ...]
    schema: Any
    dialect: str

    def text(self, bound: Mapping[str, Any]) -> str:
        """The SQL of a call with these parameter values."""
        render = _RENDER[self.dialect]
        pieces = [self.parts[0]]
        for name, part in zip(self.slots, self.parts[1:], strict=True):
            pieces += [render(bound[name]), part]
        return "".join(pieces)


def stats() -> dict[str, int]:
    """Templates built and refused (queries that run plainly), and calls run from templates."""
    return dict(_counts)


def clear() -> None:
    _templates.clear()
    for k in _counts:
        _counts[k] = 0


def _shape(q: Query, dialect: str, bound: Mapping[str, Any]) -> tuple[Any, ...] | None:
    times = tuple(n for n in q.times if bound[n] is not None)
    others = sorted((k, v) for k, v in bound.items() if k not in times)
    try:
        values = hashlib.blake2b(pickle.dumps(others, protocol=5), digest_size=16).hexdigest()
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return (q.identity, dialect, times, values)


def template(q: Query, con: Any, bound: Mapping[str, Any]) -> Template | None:
    """The template of this call's shape (built at its first call), or None: run plainly."""
    dialect = str(getattr(con, "name", ""))
    if not q.expression or q.identity is None or dialect not in _RENDER:
        return None
    shape = _shape(q, dialect, bound)
    if shape is None:
        return None
    kept = _templates.get(shape)
    if kept is None:
        kept = (_build(q, con, dialect, shape[2], bound),)
        _templates.put(shape, kept)
        _counts["built" if kept[0] is not None else "refused"] += 1
    return kept[0]


def _build(
    q: Query, con: Any, dialect: str, times: tuple[str, ...], bound: Mapping[str, Any]
) -> Template | None:
    params = {n: ibis.param(dt.Timestamp(timezone="UTC")) for n in times}
    try:
        expr = q.fn(con, **{**bound, **params})
    except _COMPILE_ERRORS:  # the query looks at a time's value: it is built for each call
        return None
    if not isinstance(expr, ir.Table):
        return None
    cut = []
    for first in _SENTINELS:
        values = {n: first + i * _APART for i, n in enumerate(times)}
        text = str(con.compile(expr, params={params[n]: v for n, v in values.items()}))
        cut.append(_cut(text, {_RENDER[dialect](v): n for n, v in values.items()}))
    if cut[0] != cut[1]:
        return None
    parts, slots = cut[0]
    return Template(parts, slots, expr.schema(), dialect)


def _cut(text: str, literals: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`text` around each occurrence of the `literals` (text → time parameter)."""
    if not literals:
        return (text,), ()
    pattern = re.compile("|".join(re.escape(lit) for lit in literals))
    parts, slots, pos = [], [], 0
    for m in pattern.finditer(text):
        parts.append(text[pos : m.start()])
        slots.append(literals[m.group(0)])
        pos = m.end()
    parts.append(text[pos:])
    return tuple(parts), tuple(slots)


def run(t: Template, con: Any, bound: Mapping[str, Any]) -> pd.DataFrame:
    """The answer of a call from its template."""
    _counts["runs"] += 1
    text = t.text(bound)
    if t.dialect == "duckdb":
        return to_frame(con.con.execute(text).to_arrow_table(), t.schema)
    return _fetch(con, text, t.schema)


def _fetch(con: Any, text: str, schema: Any) -> pd.DataFrame:
    """Run SQL text on a server engine (PostgreSQL) and type the result."""
    from ibis.formats.pandas import PandasData

    cursor = con.raw_sql(text)
    try:
        names = [d[0] for d in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=names)
    finally:
        cursor.close()
    return normalize(PandasData.convert_table(frame, schema), schema)


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
