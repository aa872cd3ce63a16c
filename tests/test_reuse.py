"""Unchanged answers are reused, and only those: every reused answer equals a fresh run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import ibis
import pandas as pd
import pytest
from adapter_fixtures import NOW
from test_resident import NOW as LAKE_NOW
from test_resident import _segments, _table, _tick, lake  # noqa: F401  (the lake fixture)

from data_adapters import compiled, emergency, fire, radar, river, traffic
from data_adapters.node import LakeNode
from data_adapters.query import execute

CASES = [
    (traffic.segment_state_expr, {}),
    (traffic.district_tpi_expr, {}),
    (traffic.incidents_expr, {"open_only": False}),
    (radar.vessel_positions_expr, {}),
    (radar.dark_targets_expr, {}),
    (river.stations_latest_expr, {}),
    (fire.live_alarms_expr, {}),
    (emergency.warnings_in_force_expr, {}),
    (emergency.events_expr, {}),
]
# refreshes 5 s apart, in bursts spread over two hours around the fixtures' now: a burst
# rarely crosses a row's time, the gap between two bursts mostly does
STEPS = [
    NOW - timedelta(hours=1) + timedelta(minutes=10 * burst, seconds=5 * i)
    for burst in range(12)
    for i in range(6)
]


@pytest.mark.parametrize("fn,extra", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_reused_answers_equal_fresh_ones(lake_node: LakeNode, fn: Any, extra: Any) -> None:
    con = lake_node.backend()
    compiled.clear()
    for now in STEPS:
        got = compiled.run(fn, con, now=now, **extra)
        pd.testing.assert_frame_equal(got, execute(fn(con, now=now, **extra)))
    counts = compiled.stats()
    assert counts["reused"] > len(STEPS) // 2  # most steps cross no row's time
    assert counts["reused"] < len(STEPS) - 1  # … and some do


def test_answers_with_the_clock_in_them_are_never_reused(lake_node: LakeNode) -> None:
    def ages(con: Any, *, now: Any) -> Any:
        t = con.table("emergency_events")
        t = t.filter(t.ts <= now)
        return t.select("event_id", age_s=ibis.literal(now).epoch_seconds() - t.ts.epoch_seconds())

    def shifted(con: Any, *, now: Any) -> Any:  # compared, but not with a stored time
        t = con.table("emergency_events")
        return t.filter(t.ts + ibis.interval(minutes=30) <= now).select("event_id")

    con = lake_node.backend()
    for fn in (ages, shifted):
        compiled.clear()
        for now in STEPS[:20]:
            got = compiled.run(fn, con, now=now)
            pd.testing.assert_frame_equal(got, execute(fn(con, now=now)))
        assert compiled.stats()["reused"] == 0


def test_new_rows_are_seen_at_once(lake: Any) -> None:  # noqa: F811
    reader, writer = LakeNode(lake), LakeNode(lake, resident=None)
    con = reader.backend()
    compiled.clear()
    at = LAKE_NOW + timedelta(minutes=2)
    before = traffic.segment_state(con, now=at)
    again = traffic.segment_state(con, now=at + timedelta(seconds=5))
    assert compiled.stats()["reused"] == 1
    pd.testing.assert_frame_equal(before, again)
    writer.append(_table("traffic_readings"), _tick(at + timedelta(seconds=7), 3.0))
    after = traffic.segment_state(con, now=at + timedelta(seconds=10))
    assert (after["speed_kmh"] == 3.0).all() and compiled.stats()["reused"] == 1
    writer.replace(_table("traffic_segments"), _segments().assign(road_name="新路"))
    renamed = traffic.segment_state(con, now=at + timedelta(seconds=10))
    assert (renamed["road_name"] == "新路").all()
    reader.close()
    writer.close()


def test_two_nodes_never_share_an_answer(lake: Any, lake_node: LakeNode) -> None:  # noqa: F811
    compiled.clear()
    first = traffic.segment_state(lake_node.backend(), now=NOW)
    other = LakeNode(lake)
    second = traffic.segment_state(other.backend(), now=NOW)
    assert set(first["segment_id"]) != set(second["segment_id"])
    assert compiled.stats()["reused"] == 0
    other.close()


def test_reuse_can_be_turned_off(lake_node: LakeNode) -> None:
    con = lake_node.backend()
    compiled.clear()
    with compiled.reusing(False):
        for now in STEPS[:10]:
            traffic.segment_state(con, now=now)
    assert compiled.stats()["reused"] == 0
    for now in STEPS[:10]:
        traffic.segment_state(con, now=now)
    assert compiled.stats()["reused"] > 0
