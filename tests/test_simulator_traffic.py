"""The simulated traffic domain: road network, readings, incidents, rush hours and the typhoon."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from data_adapters.schema import table
from data_adapters.validate import check_rows
from simulator import traffic
from simulator.base import Scale, SimContext
from simulator.geography import is_land
from simulator.roads import haversine_m, segments
from simulator.scenario import Scenario

ANCHOR = datetime(2025, 9, 18, 4, 0, tzinfo=UTC)  # Thursday 12:00 local
CALM = Scenario(ANCHOR + timedelta(days=300))  # no storm anywhere near
CTX = SimContext(11, ANCHOR, Scale.TEST, CALM)
STORM = SimContext(11, ANCHOR, Scale.TEST, Scenario.for_anchor(ANCHOR, hours_before_anchor=12))


def _collect(ctx: SimContext, start: datetime, end: datetime) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for name, frame in traffic.facts(ctx, start, end):
        out.setdefault(name, []).append(frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, ignore_index=True)


@pytest.fixture(scope="module")
def storm_history() -> dict[str, pd.DataFrame]:
    return _collect(STORM, STORM.start, STORM.anchor)


def test_segments_follow_the_real_roads() -> None:
    demo = segments(Scale.DEMO)
    assert 250 <= len(demo) <= 400 and demo["segment_id"].is_unique
    names = set(demo["road_name"])
    for road in (
        "人民大道",
        "海滨大道",
        "椹川大道",
        "疏港大道",
        "湛江海湾大桥",
        "沈海高速G15",
        "国道G207",
        "国道G325",
        "东海岛大道",
        "湛徐高速",
    ):
        assert road in names
    assert len(set(demo["adcode"])) == 9  # every county-level division has roads
    mids = demo[["mid_lon", "mid_lat"]].to_numpy(float)
    assert is_land(mids[:, 0], mids[:, 1]).mean() > 0.97  # bridges and causeways excepted
    for row in demo.itertuples():
        line = np.asarray(json.loads(row.path))
        length = haversine_m(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1]).sum()
        assert abs(length - row.length_m) < 1.0
    urban = demo[demo["road_name"] == "人民大道"]["length_m"]
    highway = demo[demo["road_name"] == "沈海高速G15"]["length_m"]
    assert 300 <= urban.median() <= 800 and 2000 <= highway.median() <= 5000


def test_rows_pass_the_contract(storm_history: dict[str, pd.DataFrame]) -> None:
    frames = {**traffic.reference(STORM), **storm_history}
    assert set(frames) == {"traffic_segments", "traffic_readings", "traffic_incidents"}
    for name, frame in frames.items():
        checked = check_rows(table(name), frame, now=ANCHOR + timedelta(hours=1))
        assert checked.counts == (len(frame), 0), (name, checked.rejected.head())
        assert all(str(frame[c].dtype) != "object" for c in frame.columns), name


def test_same_seed_same_city_other_seed_other_traffic() -> None:
    start, end = ANCHOR - timedelta(hours=6), ANCHOR
    a, b = _collect(CTX, start, end), _collect(CTX, start, end)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    other = _collect(SimContext(12, ANCHOR, Scale.TEST, CALM), start, end)["traffic_readings"]
    assert len(other) == len(a["traffic_readings"])
    assert not np.allclose(
        other["speed_kmh"].to_numpy(float), a["traffic_readings"]["speed_kmh"].to_numpy(float)
    )


@pytest.mark.parametrize("ctx", [CTX, STORM], ids=["calm", "storm"])
def test_any_cut_of_the_window_gives_the_same_rows(ctx: SimContext) -> None:
    a, c = ctx.anchor - timedelta(hours=20), ctx.anchor
    whole = _collect(ctx, a, c)
    cut = a + timedelta(hours=7, minutes=3, seconds=17)
    parts = [_collect(ctx, a, cut), _collect(ctx, cut, c)]
    keys = {"traffic_readings": ["ts", "segment_id"], "traffic_incidents": ["ts", "incident_id"]}
    for name, key in keys.items():
        joined = pd.concat([p[name] for p in parts if name in p], ignore_index=True)
        pd.testing.assert_frame_equal(_sorted(whole[name], key), _sorted(joined, key))
    # the live feed: 5-second windows across two reading slots
    live_start = ctx.anchor - timedelta(minutes=31)
    ticks = [
        _collect(
            ctx, live_start + timedelta(seconds=5 * i), live_start + timedelta(seconds=5 * (i + 1))
        )
        for i in range(372)
    ]
    live = pd.concat(
        [t["traffic_readings"] for t in ticks if "traffic_readings" in t], ignore_index=True
    )
    ref = _collect(ctx, live_start, live_start + timedelta(seconds=5 * 372))["traffic_readings"]
    pd.testing.assert_frame_equal(
        _sorted(live, keys["traffic_readings"]), _sorted(ref, keys["traffic_readings"])
    )


def _local_hour(frame: pd.DataFrame) -> pd.Series:
    local = frame["ts"].dt.tz_convert("Asia/Shanghai")
    return local.dt.hour + local.dt.minute / 60


def test_rush_hours_are_slower_than_the_night() -> None:
    day = _collect(CTX, ANCHOR - timedelta(hours=12), ANCHOR + timedelta(hours=12))
    readings = day["traffic_readings"].merge(segments(Scale.TEST), on="segment_id")
    urban = readings[readings["road_class"] == "arterial"].copy()
    urban["ratio"] = urban["speed_kmh"] / urban["free_speed_kmh"]
    hour = _local_hour(urban)
    night = urban[(hour >= 2) & (hour < 4)]["ratio"].mean()
    morning = urban[(hour >= 7.75) & (hour < 8.75)]["ratio"].mean()
    evening = urban[(hour >= 17.75) & (hour < 18.75)]["ratio"].mean()
    assert morning < 0.85 * night and evening < 0.85 * night
    # volume follows demand: more cars in the rush than at night
    assert (
        urban[(hour >= 7.75) & (hour < 8.75)]["volume"].mean()
        > 3 * urban[(hour >= 2) & (hour < 4)]["volume"].mean()
    )


def test_typhoon_slows_traffic_closes_the_bridge_and_floods_streets(
    storm_history: dict[str, pd.DataFrame],
) -> None:
    land = STORM.scenario.landfall
    readings = storm_history["traffic_readings"]
    near = readings[
        (readings["ts"] >= land - timedelta(hours=2)) & (readings["ts"] < land + timedelta(hours=2))
    ]
    week_before = _collect(
        STORM, land - timedelta(days=7, hours=2), land - timedelta(days=7) + timedelta(hours=2)
    )["traffic_readings"]
    assert near["speed_kmh"].mean() < 0.75 * week_before["speed_kmh"].mean()
    bridge = set(segments(Scale.TEST).query("road_code == 'HWDQ'")["segment_id"])
    assert bridge and not set(near["segment_id"]) & bridge
    assert set(week_before["segment_id"]) & bridge
    inc = storm_history["traffic_incidents"]
    assert ((inc["kind"] == "control") & inc["description"].str.contains("海湾大桥")).any()
    assert (inc["kind"] == "flooding").sum() >= 3


def test_incidents_open_then_clear_and_slow_their_segment() -> None:
    demo = SimContext(11, ANCHOR, Scale.DEMO, CALM)
    frames = _collect(demo, ANCHOR - timedelta(days=3), ANCHOR)
    inc = frames["traffic_incidents"]
    assert {"accident", "breakdown"} <= set(inc["kind"])
    opened = inc[inc["status"] == "open"].set_index("incident_id")
    cleared = inc[inc["status"] == "cleared"].set_index("incident_id")
    assert (opened["ts"] == opened["reported_ts"]).all()
    both = cleared.index.intersection(opened.index)
    assert len(both) > 10
    assert (cleared.loc[both, "ts"] > opened.loc[both, "ts"]).all()
    readings = frames["traffic_readings"].set_index(["segment_id", "ts"])["speed_kmh"]
    slowed = 0
    for iid in both:
        row, end = opened.loc[iid], cleared.loc[iid, "ts"]
        if row["kind"] != "accident" or row["severity"] < 2:
            continue
        cadence = pd.Timedelta(seconds=traffic.cadence_s(Scale.DEMO))
        t = row["ts"].ceil(cadence)
        if t >= end or t - timedelta(days=1) < ANCHOR - timedelta(days=3):
            continue
        during = readings.get((row["segment_id"], t))
        before = readings.get((row["segment_id"], t - timedelta(days=1)))
        if during is not None and before is not None:
            assert during < 0.8 * before
            slowed += 1
    assert slowed >= 3


def test_bench_history_reaches_twenty_million_readings() -> None:
    bench = SimContext(1, ANCHOR, Scale.BENCH, CALM)
    per_day = 86_400 // traffic.cadence_s(Scale.BENCH)
    total = len(segments(Scale.BENCH)) * per_day * bench.history.days
    assert bench.history.days == 60 and total >= 20_000_000
    # and a bench window really has one reading per segment and slot
    tick = _collect(bench, ANCHOR, ANCHOR + timedelta(minutes=5))["traffic_readings"]
    assert len(tick) == len(segments(Scale.BENCH))
