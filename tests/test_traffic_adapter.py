"""Traffic adapter on both data nodes: TPI computed in the engine agrees with brain.standards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from adapter_fixtures import NOW, check_surface

from brain.standards import ROAD_CLASS_WEIGHTS, network_tpi, tpi_from_delay, tpi_level
from data_adapters import traffic


def test_segments(con: Any) -> None:
    assert list(traffic.segments(con, adcode="440802")["segment_id"]) == ["S1", "S2", "S6"]


def test_segment_state(con: Any) -> None:
    s = traffic.segment_state(con, now=NOW).set_index("segment_id")
    assert s.loc["S1", "speed_kmh"] == 37.5  # newest reading, not the later one after NOW
    assert s.loc["S1", "delay_ratio"] == pytest.approx(1.6)
    assert s.loc["S1", "tpi"] == pytest.approx(4.0)
    assert s.loc["S1", "level"] == 3
    assert s.loc["S2", "tpi"] == pytest.approx(0.0)
    assert s.loc["S3", "tpi"] == pytest.approx(10.0)
    assert s.loc["S5", "tpi"] == pytest.approx(10.0)  # standstill
    assert s.loc["S4", "tpi"] != s.loc["S4", "tpi"]  # no reading in 15 minutes: NaN
    assert s.loc["S4", "level"] is pytest.importorskip("pandas").NA


def test_engine_tpi_agrees_with_the_standard(con: Any) -> None:
    h = traffic.segment_history(con, segment_id="S6", start=NOW - timedelta(days=8), end=NOW)
    assert len(h) == 17
    for speed, tpi, level in zip(h["speed_kmh"], h["tpi"], h["level"], strict=True):
        expected = 10.0 if speed == 0 else tpi_from_delay(60.0 / speed)
        assert tpi == pytest.approx(expected, abs=1e-9), speed
        assert level == tpi_level(expected)


def test_district_tpi(con: Any) -> None:
    d = traffic.district_tpi(con, now=NOW).set_index("adcode")
    assert list(d.index) == ["440800", "440802", "440803", "440882"]
    weights = [ROAD_CLASS_WEIGHTS[c] for c in ("arterial", "arterial", "secondary", "branch")]
    city = network_tpi([4.0, 0.0, 10.0, 10.0], [1000, 3000, 2000, 1000], weights)
    assert d.loc["440800", "tpi"] == pytest.approx(city)
    assert d.loc["440800", "tpi"] == pytest.approx(31000 / 8500)
    assert d.loc["440800", "level"] == 2
    assert d.loc["440802", "tpi"] == pytest.approx(1.0)
    assert d.loc["440803", "tpi"] == pytest.approx(10.0)
    assert d.loc["440803", "name_zh"] == "霞山区"
    assert d.loc["440882", "segments"] == 0
    one = traffic.district_tpi(con, now=NOW, adcode="440803")
    assert list(one["adcode"]) == ["440803"]


def test_tpi_series_and_profile(con: Any) -> None:
    series = traffic.tpi_series(con, start=NOW - timedelta(hours=2), end=NOW)
    assert [t.strftime("%H:%M") for t in series["ts"]] == ["03:00", "03:45"]
    assert series["tpi"].tolist() == pytest.approx([0.0, 3.1])
    profile = traffic.tpi_profile(con, start=NOW - timedelta(hours=2), end=NOW)
    assert list(profile["minute_of_day"]) == [660, 705]  # 11:00 and 11:45 in Zhanjiang
    assert profile["tpi"].tolist() == pytest.approx([0.0, 3.1])


def test_worst_roads(con: Any) -> None:
    w = traffic.worst_roads(con, now=NOW, n=2)
    assert list(w["road_name"]) == ["海滨大道", "疏港大道"]
    all_roads = traffic.worst_roads(con, now=NOW, n=10)
    assert "G207" not in set(all_roads["road_name"])  # no reading now
    road = all_roads.set_index("road_name").loc["人民大道"]
    assert road["tpi"] == pytest.approx(1.0)
    assert road["speed_kmh"] == pytest.approx((37.5 * 1000 + 60 * 3000) / 4000)


def test_incidents_latest_state(con: Any) -> None:
    assert list(traffic.incidents(con, now=NOW)["incident_id"]) == ["I2"]
    both = traffic.incidents(con, now=NOW, open_only=False).set_index("incident_id")
    assert set(both.index) == {"I1", "I2"}  # I3 is reported after NOW
    assert both.loc["I1", "status"] == "cleared"
    assert both.loc["I1", "road_name"] == "人民大道"
    assert NOW - both.loc["I2", "reported_ts"] == timedelta(seconds=1800)
    assert "duration_s" not in both.columns  # nothing in the answer moves with the clock
    earlier = traffic.incidents(con, now=NOW - timedelta(minutes=40))
    assert set(earlier["incident_id"]) == {"I1"}  # before it was cleared, before I2


def test_surface(lake_node: Any) -> None:
    check_surface(traffic, lake_node.backend())
