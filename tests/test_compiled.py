"""Compiled-query templates give exactly what a fresh compilation gives, at any time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
import pyarrow as pa
import pytest
from adapter_fixtures import NOW

from data_adapters import compiled, economy, fire, radar, river, traffic
from data_adapters.query import execute

CASES = [
    (traffic.district_tpi_expr, {"lookback": timedelta(minutes=15)}),
    (traffic.worst_roads_expr, {"n": 5}),
    (river.stations_latest_expr, {}),
    (radar.vessel_positions_expr, {}),
    (fire.live_alarms_expr, {}),
]


@pytest.mark.parametrize("fn,extra", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_template_matches_fresh_compilation(con: Any, fn: Any, extra: dict[str, Any]) -> None:
    compiled.clear()
    for shift in (timedelta(0), timedelta(minutes=-7, seconds=-3), timedelta(hours=-2)):
        now = NOW + shift
        got = compiled.run(fn, con, now=now, **extra)
        want = execute(fn(con, now=now, **extra))
        pd.testing.assert_frame_equal(got, want, check_like=False)
    assert compiled.stats()["hits"] == 2
    assert compiled.stats()["compiles"] == 1


def test_windows_of_another_length_share_the_template(con: Any) -> None:
    """Each literal follows its own time parameter (`start` from midnight, `end` now, say)."""
    compiled.clear()
    for hours in (1, 3, 30):
        start, end = NOW - timedelta(hours=hours), NOW
        got = compiled.run(fire.response_times_expr, con, start=start, end=end)
        pd.testing.assert_frame_equal(
            got, execute(fire.response_times_expr(con, start=start, end=end))
        )
    assert compiled.stats()["compiles"] == 1


def test_calendar_arithmetic_is_never_templated(con: Any) -> None:
    def month_start(con: Any, *, now: Any) -> Any:
        first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return con.table("economy_observations").filter(ibis._.ts >= first)

    compiled.clear()
    compiled.run(month_start, con, now=NOW)
    assert compiled.stats()["unshiftable"] == 1
    later = NOW + timedelta(days=40)
    got = compiled.run(month_start, con, now=later)
    pd.testing.assert_frame_equal(got, execute(month_start(con, now=later)))


def test_naive_time_is_refused(con: Any) -> None:
    with pytest.raises(ValueError, match="naive"):
        compiled.run(economy.latest_expr, con, now=NOW.replace(tzinfo=None))


def test_prepared_statements_see_rows_appended_after_them(empty_lake: Any) -> None:
    from data_adapters.ingest import ingest

    compiled.clear()
    con = empty_lake.backend()

    def report(minute: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "ts": [NOW - timedelta(minutes=minute)],
                "mmsi": [412440001],
                "msg_type": [1],
                "lon": [110.41],
                "lat": [21.19],
                "sog": [8.0],
                "cog": [90.0],
                "heading": [90],
                "nav_status": [0],
            }
        )

    def track() -> pd.DataFrame:
        return compiled.run(
            radar.track_expr, con, mmsi=412440001, start=NOW - timedelta(hours=1), end=NOW
        )

    ingest(empty_lake, "ais_reports", report(9), source="test", now=NOW)
    first = track()
    ingest(empty_lake, "ais_reports", report(4), source="test", now=NOW)
    second = track()
    assert compiled.stats()["hits"] == 1
    assert len(first) == 1 and len(second) == 2


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
