"""Radar adapter on both data nodes: positions, tails, dark targets, zone intrusions, counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW, check_surface

from data_adapters import radar

V1, V2, V3, V4, V5 = 412000001, 412000002, 412000003, 412000004, 412000005


def test_zones(con: Any) -> None:
    assert list(radar.zones(con)["zone_id"]) == ["Z1", "Z2", "Z3", "Z4"]


def test_vessel_positions(con: Any) -> None:
    p = radar.vessel_positions(con, now=NOW)
    assert list(p["mmsi"]) == [V1, V2, V3, V4]  # V5 is 30 minutes old
    p = p.set_index("mmsi")
    assert p.loc[V1, "name"] == "YUE ZHAN 1"  # the newest register entry
    assert (p.loc[V1, "lon"], p.loc[V1, "lat"]) == (110.41, 21.11)  # not the one after NOW
    assert pd.isna(p.loc[V4, "name"])  # registered only after NOW
    assert not bool(p.loc[V2, "registered"])


def test_register(con: Any) -> None:
    reg = radar.register(con, now=NOW).set_index("mmsi")
    assert reg.loc[V1, "name"] == "YUE ZHAN 1"  # the newest entry at or before NOW
    assert V4 not in reg.index  # registered only after NOW


@pytest.mark.parametrize("minutes", [-45, -20, -7, 0, 3, 11, 40])
def test_positions_from_tails_equal_the_positions_query(con: Any, minutes: int) -> None:
    now, window = NOW + timedelta(minutes=minutes), timedelta(minutes=15)
    tails = radar.tails(con, now=now, lookback=window)
    derived = radar.positions_from(tails, radar.register(con, now=now))
    pd.testing.assert_frame_equal(derived, radar.vessel_positions(con, now=now, lookback=window))


def test_tails_and_track(con: Any) -> None:
    t = radar.tails(con, now=NOW)
    assert t.groupby("mmsi").size().to_dict() == {V1: 3, V2: 1, V3: 1, V4: 1}
    assert t[t["mmsi"] == V1]["ts"].is_monotonic_increasing
    only = radar.tails(con, now=NOW, mmsis=[V2])
    assert set(only["mmsi"]) == {V2}
    track = radar.track(con, mmsi=V1, start=NOW - timedelta(hours=1), end=NOW + timedelta(hours=1))
    assert len(track) == 4


def test_dark_targets(con: Any) -> None:
    d = radar.dark_targets(con, now=NOW)
    assert list(d["track_id"]) == ["T1"]  # T3 has been fused with AIS, T4 is lost
    assert d["lon"].iloc[0] == 110.46


def test_zone_intrusions(con: Any) -> None:
    z = radar.zone_intrusions(con, now=NOW)
    pairs = list(zip(z["mmsi"], z["zone_id"], z["rule"], strict=True))
    assert pairs == [
        (V1, "Z1", "no_entry"),
        (V2, "Z2", "no_fishing"),
        (V3, "Z4", "no_anchoring"),
    ]  # V4 lies in an anchorage: allowed
    assert radar.zone_intrusions(con, now=NOW - timedelta(days=3)).empty


def test_vessel_counts(con: Any) -> None:
    c = radar.vessel_counts(con, now=NOW).iloc[0]
    assert (c["vessels"], c["moving"], c["anchored"], c["dark"], c["unregistered"]) == (
        4,
        2,
        2,
        1,
        2,
    )
    quiet = radar.vessel_counts(con, now=NOW - timedelta(days=3)).iloc[0]
    assert quiet["vessels"] == 0


def test_surface(lake_node: Any) -> None:
    check_surface(radar, lake_node.backend())


@pytest.mark.parametrize("minutes", [-45, -20, -7, -1, 0, 3, 11, 40])
def test_answers_from_the_time_sorted_rows_equal_the_queries(lake_node: Any, minutes: int) -> None:
    from test_resident import sorted_paths_agree

    sorted_paths_agree(lake_node, [NOW + timedelta(minutes=minutes)], vessels=(V1, V3), tracked=V1)
