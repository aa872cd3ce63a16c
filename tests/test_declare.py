"""Declared queries: called as themselves, keyed by what they are, never a wrong answer."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd
import pytest
from test_resident import NOW, lake  # noqa: F401  (the lake fixture)

from config import Settings
from data_adapters import compiled, traffic
from data_adapters.declare import REGISTRY, Query, declared, query
from data_adapters.node import LakeNode
from data_adapters.query import window
from services.cache import make_cache
from services.data import DataService


@query("traffic", ttl_s=5)
def _buckets(con: Any, *, start: datetime, end: datetime) -> ir.Table:
    """Readings per bucket: hourly above a 12-hour window, 15 minutes below (picked in Python
    from the window's length, as an analyst's page would)."""
    size = 3600 if end - start > timedelta(hours=12) else 900
    r = window(con.table("traffic_readings"), "ts", start, end)
    r = r.mutate(bucket=(r.ts.epoch_seconds() / size).floor())
    return r.group_by("bucket").aggregate(n=r.count()).order_by("bucket")


def _history_of(segment: str) -> Query:
    """A query made in a closure for the segment that was clicked."""

    @query("traffic", ttl_s=5)
    def history(con: Any, *, start: datetime, end: datetime) -> ir.Table:
        r = window(con.table("traffic_readings"), "ts", start, end)
        return r.filter(r.segment_id == segment).select("ts", "segment_id").order_by("ts")

    return history


@pytest.fixture(params=["resident", "lake"])
def node(request: pytest.FixtureRequest, lake: Path) -> Iterator[LakeNode]:  # noqa: F811
    """The test lake with its resident copy, and without one."""
    n = LakeNode(lake) if request.param == "resident" else LakeNode(lake, resident=None)
    yield n
    n.close()


def _service(node: LakeNode, tmp_path: Path) -> DataService:
    return DataService(node, make_cache(Settings(data_dir=tmp_path / "cache")))


def test_a_bucket_picked_from_the_window_length_follows_each_window(
    node: LakeNode, tmp_path: Path
) -> None:
    con, svc = node.backend(), _service(node, tmp_path)
    long = {"start": NOW - timedelta(hours=40), "end": NOW}
    short = {"start": NOW - timedelta(hours=6), "end": NOW}
    assert len(_buckets(con, **long)) == 40
    assert len(_buckets(con, **short)) == 24  # 15-minute buckets, not the 40 h window's hours
    assert compiled.template(_buckets, con, _buckets.bind(short)) is None  # it runs plainly
    assert svc.call(_buckets, **long).value is not None
    answer = svc.call(_buckets, **short)
    assert answer.ok and len(answer.value) == 24


def test_a_query_made_in_a_closure_answers_for_its_own_segment(
    node: LakeNode, tmp_path: Path
) -> None:
    con, svc = node.backend(), _service(node, tmp_path)
    params = {"start": NOW - timedelta(hours=6), "end": NOW}
    for segment in ("S1", "S2", "S1", "S3"):
        q = _history_of(segment)
        assert set(q(con, **params)["segment_id"]) == {segment}
        answer = svc.call(q, **params)
        assert answer.ok and set(answer.value["segment_id"]) == {segment}
    assert not any(key.endswith(".history") for key in REGISTRY)  # closures are not registered


def test_a_partial_of_a_query_is_that_query(node: LakeNode, tmp_path: Path) -> None:
    con, svc = node.backend(), _service(node, tmp_path)
    params = {"start": NOW - timedelta(hours=6), "end": NOW}
    for segment in ("S1", "S2"):
        bound = functools.partial(traffic.segment_history, segment_id=segment)
        answer = svc.call(bound, **params)  # type: ignore[arg-type]
        assert answer.ok
        pd.testing.assert_frame_equal(
            answer.value, traffic.segment_history(con, segment_id=segment, **params)
        )
        assert len(answer.value) > 0


def test_only_declared_queries_enter(node: LakeNode, tmp_path: Path) -> None:
    svc = _service(node, tmp_path)
    with pytest.raises(TypeError, match="not a declared query"):
        svc.call(lambda con, *, now: None, now=NOW)  # type: ignore[arg-type]
    unknown = svc.call(traffic.district_tpi, now=NOW, when=NOW)
    assert not unknown.ok and "no parameter when" in str(unknown.error)
    backwards = svc.call(traffic.tpi_series, start=NOW, end=NOW - timedelta(hours=1))
    assert not backwards.ok and "before it starts" in str(backwards.error)
    naive = svc.call(traffic.district_tpi, now=datetime(2026, 11, 24, 12))
    assert not naive.ok and "naive" in str(naive.error)


def test_the_cache_keys_every_parameter_and_the_query(node: LakeNode, tmp_path: Path) -> None:
    svc = _service(node, tmp_path)
    a = svc.call(traffic.worst_roads, now=NOW, n=1)
    b = svc.call(traffic.worst_roads, now=NOW, n=3)
    c = svc.call(traffic.worst_roads, now=NOW, n=3, adcode=None)  # the default, spelled out
    assert len(a.value) == 1 and len(b.value) == 3 and c.key == b.key
    lookback = svc.call(traffic.worst_roads, now=NOW, n=3, lookback=timedelta(seconds=1))
    assert lookback.value.empty  # another lookback: another question


def test_a_name_is_declared_once() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        query("traffic", ttl_s=5, name="district_tpi")(_buckets.fn)
    assert REGISTRY["traffic.district_tpi"] is traffic.district_tpi


def test_declarations_state_what_the_docs_and_the_cache_read() -> None:
    queries = [q for q in declared() if q.fn.__module__.startswith("data_adapters.")]
    assert len(queries) >= 40
    for q in queries:
        assert q.domain == q.fn.__module__.rsplit(".", 1)[-1], q.key
        assert q.ttl_s > 0 and q.identity is not None and q.__doc__, q.key
        assert set(q.times) <= set(q.params), q.key
    assert traffic.tpi_series.times == ("start", "end")
    assert traffic.segments.times == () and traffic.segments.ttl_s == 300
    with pytest.raises(TypeError, match="keyword-only"):
        Query("traffic", "positional", lambda con, now: None, 5)
