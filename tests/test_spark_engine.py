"""The scale-out path: every declared query runs unchanged on Spark SQL (ibis's PySpark backend,
Spark in local mode) over the same lake files, and answers what DuckDB answers.

Spark needs Java (Debian's openjdk-17-jre-headless, installed by `make test`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from test_query_property import QUERIES, _sample

from data_adapters.declare import Query
from data_adapters.node import LakeNode

if shutil.which("java") is None:  # `make test` installs it; under CI its absence is a failure
    if os.environ.get("CI") == "true":
        raise RuntimeError("Spark needs Java: install openjdk-17-jre-headless (make system-deps)")
    pytest.skip("Spark needs Java", allow_module_level=True)
# pyspark 4.0 still passes `copy=` to pandas 3 (a deprecation, harmless here)
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def spark(lake_node: LakeNode) -> Iterator[Any]:
    from data_adapters.spark import spark_backend, spark_session

    session = spark_session("local[2]", **{"spark.driver.bindAddress": "127.0.0.1"})
    session.sparkContext.setLogLevel("ERROR")
    yield spark_backend(session, lake_node.data_dir / "lake")
    session.stop()


@pytest.fixture(scope="module")
def duck(lake_node: LakeNode) -> Iterator[Any]:
    node = LakeNode(lake_node.data_dir, resident=None)
    yield node.backend()
    node.close()


def _normal(value: Any) -> Any:
    """Both engines' answers in one form: the same columns and rows, numbers as floats, times in
    UTC to the microsecond, missing values as None (Spark and DuckDB type integers and nulls
    differently; the values are what must agree)."""
    if not isinstance(value, pd.DataFrame):
        return value
    frame = value.copy()
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            col = pd.to_datetime(col, utc=True).dt.as_unit("us")
            frame[name] = col.astype(object).where(col.notna(), None)
        elif pd.api.types.is_bool_dtype(col):
            frame[name] = col.astype(object)
        elif pd.api.types.is_numeric_dtype(col):
            frame[name] = col.astype("float64").round(9).astype(object)
            frame[name] = frame[name].where(col.notna(), None)
        else:
            frame[name] = col.astype(object).where(col.notna(), None)
    return frame.reset_index(drop=True)


def _cases(q: Query) -> list[dict[str, Any]]:
    """The fixed sample, and the same an hour and two days earlier (other rows, other windows)."""
    base = _sample(q)
    out = [base]
    for shift in (timedelta(hours=1), timedelta(days=2)):
        moved = dict(base)
        for name in q.times:
            if name in moved and moved[name] is not None:
                moved[name] = moved[name] - shift
        out.append(moved)
    return out


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.key)
def test_every_query_answers_on_spark_what_it_answers_on_duckdb(
    q: Query, spark: Any, duck: Any
) -> None:
    for params in _cases(q):
        want, got = _normal(q.plain(duck, **params)), _normal(q.plain(spark, **params))
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=f"{q.key}({params})")
        else:
            assert got == want, f"{q.key}({params})"
