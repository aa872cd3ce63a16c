"""Compiled templates: built once per shape, written with each call's times, typed exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pyarrow as pa
import pytest
from adapter_fixtures import NOW

from data_adapters import compiled, traffic
from data_adapters.schema import table


def test_a_template_sees_rows_appended_after_it_was_built(empty_lake: Any) -> None:
    con = empty_lake.backend()
    segments = pd.DataFrame(
        {
            "segment_id": ["S1"],
            "road_name": ["人民大道"],
            "road_class": ["arterial"],
            "adcode": ["440802"],
            "free_speed_kmh": [60.0],
            "length_m": [1000.0],
            "path": ["[[110.36, 21.27], [110.37, 21.28]]"],
        }
    )
    empty_lake.replace(table("traffic_segments"), segments)
    assert traffic.segment_state(con, now=NOW)["speed_kmh"].isna().all()
    assert compiled.template(traffic.segment_state, con, traffic.segment_state.bind({"now": NOW}))
    reading = pd.DataFrame(
        {
            "ts": [NOW - timedelta(minutes=1)],
            "segment_id": ["S1"],
            "speed_kmh": [30.0],
            "volume": [5],
        }
    )
    empty_lake.append(table("traffic_readings"), reading)
    state = traffic.segment_state(con, now=NOW)
    assert state["speed_kmh"].tolist() == [30.0]
    pd.testing.assert_frame_equal(state, traffic.segment_state.plain(con, now=NOW))


def _typed(kind: str, nulls: bool) -> tuple[pa.ChunkedArray, Any]:
    """A two-chunk Arrow column of one kind (with a null in it or not) and its ibis type."""
    values: dict[str, tuple[list[Any], pa.DataType, Any]] = {
        "int64": ([3, -1, 7], pa.int64(), dt.int64),
        "int32": ([3, -1, 7], pa.int32(), dt.int32),
        "int32 as int64": ([3, -1, 7], pa.int32(), dt.int64),
        "float": ([1.5, -0.25, 3.0], pa.float64(), dt.float64),
        "float32": ([1.5, -0.25, 3.0], pa.float32(), dt.float32),
        "bool": ([True, False, True], pa.bool_(), dt.boolean),
        "string": (["湛江", "", "赤坎区"], pa.string(), dt.string),
        "large string": (["湛江", "", "赤坎区"], pa.large_string(), dt.string),
        "timestamp utc": (
            [NOW, NOW - timedelta(hours=1), NOW + timedelta(seconds=1)],
            pa.timestamp("us", tz="UTC"),
            dt.Timestamp(timezone="UTC"),
        ),
        "timestamp shanghai": (
            [NOW, NOW - timedelta(hours=1), NOW + timedelta(seconds=1)],
            pa.timestamp("us", tz="Asia/Shanghai"),
            dt.Timestamp(timezone="UTC"),
        ),
        "timestamp naive": (
            [NOW.replace(tzinfo=None), NOW.replace(tzinfo=None) - timedelta(hours=1)] * 2,
            pa.timestamp("us"),
            dt.Timestamp(),
        ),
        "date": (
            [NOW.date(), NOW.date() - timedelta(days=1), NOW.date()],
            pa.date32(),
            dt.date,
        ),
    }
    items, arrow, ibis_type = values[kind]
    items = items[:3]
    if nulls:
        items[1] = None
    return pa.chunked_array([items[:1], items[1:]], arrow), ibis_type


@pytest.mark.parametrize("nulls", [False, True], ids=["no nulls", "nulls"])
def test_to_frame_gives_what_the_general_conversion_gives(nulls: bool) -> None:
    """`to_frame` builds the usual columns straight from Arrow: the same frame, dtypes included,
    as pyarrow's conversion followed by ibis's and `normalize`, for every kind of column, with
    nulls and without, over several chunks and none."""
    from ibis.formats.pandas import PandasData

    from data_adapters.query import normalize

    kinds = [
        "int64", "int32", "int32 as int64", "float", "float32", "bool", "string", "large string",
        "timestamp utc", "timestamp shanghai", "timestamp naive", "date",
    ]  # fmt: skip
    columns = {kind: _typed(kind, nulls) for kind in kinds}
    table = pa.table({kind: column for kind, (column, _) in columns.items()})
    schema = ibis.schema({kind: ibis_type for kind, (_, ibis_type) in columns.items()})
    for rows in (table, table.slice(1, 2), table.slice(0, 0)):
        want = normalize(PandasData.convert_table(rows.to_pandas(), schema), schema)
        pd.testing.assert_frame_equal(compiled.to_frame(rows, schema), want)
