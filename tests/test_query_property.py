"""Every declared query answers exactly what its plain execution answers, on every engine.

The registry is walked: each query is called as the app calls it (its fast path, its compiled
template, the resident copy) and compared with the plain query (its expression built and run
afresh; on the embedded node, over the lake's files without a resident copy), over random times,
windows from a minute to three weeks and random parameter values.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW, A, B, C
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_adapters import compiled
from data_adapters.declare import Query, declared
from data_adapters.economy import RANK_BY
from data_adapters.node import LakeNode, SqlNode

QUERIES = [q for q in declared() if q.fn.__module__.startswith("data_adapters.")]
# expressions whose Python code looks at a time's value, so that they always run plainly
PLAIN_ONLY = {"economy.series", "economy.observations"}

_instants = st.datetimes(
    min_value=(NOW - timedelta(days=4)).replace(tzinfo=None),
    max_value=(NOW + timedelta(days=1)).replace(tzinfo=None),
    timezones=st.just(NOW.tzinfo),  # type: ignore[arg-type]
)
_lengths = st.one_of(
    st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(hours=6)),
    st.timedeltas(min_value=timedelta(hours=6), max_value=timedelta(days=21)),
)
_lookbacks = st.timedeltas(min_value=timedelta(seconds=30), max_value=timedelta(days=3))
_BBOX = (110.0, 20.0, 111.0, 21.5)
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "now": _instants,
    "adcode": st.sampled_from([None, A, B, C, "440800"]),
    "lookback": _lookbacks,
    "dark_lookback": _lookbacks,
    "n": st.integers(1, 8),
    "bucket_minutes": st.sampled_from([5, 15, 60]),
    "active_only": st.booleans(),
    "open_only": st.booleans(),
    "indicator": st.sampled_from(["retail", "gdp", "iva", "port", "fai"]),
    "period": st.sampled_from(["2024-05-01", "2024-06-01", "2023-06-01"]),
    "by": st.sampled_from(RANK_BY),
    "segment_id": st.sampled_from(["S1", "S2", "S3", "S9"]),
    "segment_ids": st.sets(st.sampled_from(["S1", "S2", "S3", "S6", "S9"]), min_size=1).map(
        lambda s: tuple(sorted(s))
    ),
    "station_id": st.sampled_from(["WS1", "WS2", "WS3"]),
    "unit_id": st.sampled_from(["U1", "U2", "U9"]),
    "reach_id": st.sampled_from(["RR1", "RR2", "RR3", "RR9"]),
    "mmsi": st.sampled_from([412000001, 412000002, 412000003, 1]),
    "mmsis": st.one_of(st.none(), st.sets(st.integers(412000000, 412000004)).map(tuple)),
    "lon": st.floats(110.0, 111.0),
    "lat": st.floats(20.2, 21.6),
    "kind": st.sampled_from([None, "shelter", "team", "boat"]),
    "recent": st.booleans(),
    "counts": st.booleans(),
    "tables": st.sets(st.sampled_from(["traffic_readings", "ais_reports", "river_readings"]))
    .filter(bool)
    .map(lambda s: tuple(sorted(s))),
    "boxes": st.just((_BBOX,)),
}


@st.composite
def _params(draw: st.DrawFn, q: Query) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if "start" in q.params:
        end = draw(_instants)
        params |= {"start": end - draw(_lengths), "end": end}
    for name in q.params:
        if name in ("start", "end"):
            continue
        strategy = _VALUES.get(name)
        if strategy is None:
            raise AssertionError(f"no values for {q.key}({name}=…): add them to _VALUES")
        params[name] = draw(strategy)
    return params


def _same(got: Any, want: Any, q: Query, params: dict[str, Any]) -> None:
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want, obj=f"{q.key}({params})")
    else:
        assert got == want, f"{q.key}({params})"


@pytest.fixture(scope="module")
def cold(lake_node: LakeNode) -> Iterator[LakeNode]:
    """The fixture lake without a resident copy: every query over the lake's files."""
    node = LakeNode(lake_node.data_dir, resident=None)
    yield node
    node.close()


_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.key)
def test_the_app_answers_what_the_plain_query_answers_on_duckdb(
    q: Query, lake_node: LakeNode, cold: LakeNode
) -> None:
    hot_con, cold_con = lake_node.backend(), cold.backend()

    @_SETTINGS
    @given(_params(q))
    def check(params: dict[str, Any]) -> None:
        _same(q(hot_con, **params), q.plain(cold_con, **params), q, params)

    check()


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.key)
def test_the_app_answers_what_the_plain_query_answers_on_postgres(
    q: Query, pg_node: SqlNode
) -> None:
    con = pg_node.backend()

    @_SETTINGS
    @given(_params(q))
    def check(params: dict[str, Any]) -> None:
        _same(q(con, **params), q.plain(con, **params), q, params)

    check()


@pytest.mark.parametrize("q", [q for q in QUERIES if q.expression], ids=lambda q: q.key)
def test_every_expression_that_can_be_compiled_once_is(q: Query, lake_node: LakeNode) -> None:
    """The property above is not vacuous: the compiled path is what the app runs."""
    con = lake_node.backend()
    template = compiled.template(q, con, q.bind(_sample(q)))
    assert (template is None) == (q.key in PLAIN_ONLY), q.key


def _sample(q: Query) -> dict[str, Any]:
    """Fixed parameter values for `q` (the shape is what matters, not the values)."""
    fixed: dict[str, Any] = {"now": NOW, "start": NOW - timedelta(days=1), "end": NOW}
    fixed["lookback"] = timedelta(minutes=15)
    out = {}
    for name in q.params:
        if name in fixed:
            out[name] = fixed[name]
        elif name in q.defaults:
            out[name] = q.defaults[name]
        else:
            out[name] = {
                "indicator": "retail",
                "period": "2024-06-01",
                "segment_id": "S1",
                "segment_ids": ("S1", "S6"),
                "station_id": "WS1",
                "unit_id": "U2",
                "reach_id": "RR1",
                "mmsi": 412000001,
                "lon": 110.36,
                "lat": 21.27,
                "tables": ("traffic_readings",),
                "recent": True,
                "boxes": (_BBOX,),
            }[name]
    return out


def test_times_are_written_into_templates_to_the_microsecond(lake_node: LakeNode) -> None:
    from data_adapters import traffic

    con = lake_node.backend()
    for offset in (timedelta(0), timedelta(microseconds=1), timedelta(seconds=59.999999)):
        at = NOW - timedelta(minutes=5) + offset
        pd.testing.assert_frame_equal(
            traffic.segment_state(con, now=at), traffic.segment_state.plain(con, now=at)
        )
    assert isinstance(compiled.stats()["runs"], int)
