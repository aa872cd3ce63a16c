"""The traffic page's service on both data nodes: the overview's answers, the segments an export
writes, a segment's detail and an incident's effect on the segments near it."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from adapter_fixtures import NOW

from config import Settings
from data_adapters import traffic
from services.cache import make_cache
from services.data import DataService
from services.traffic_page import incident_effect, overview, segment_detail, segment_rows


@pytest.fixture
def data(node: Any, tmp_path: Path) -> DataService:
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


def test_overview_of_the_city_and_a_district(data: DataService, con: Any) -> None:
    view = overview(data, start=NOW - timedelta(hours=2), end=NOW)
    assert all(r.ok for r in (view.districts, view.state, view.series, view.incidents))
    assert view.network()["tpi"] == pytest.approx(31000 / 8500)  # as district_tpi's city row
    assert list(view.worst(2)["road_name"]) == ["海滨大道", "疏港大道"]
    assert set(view.incidents.value["incident_id"]) == {"I1", "I2"}
    rows = segment_rows(view, road="人民大道")
    assert list(rows["segment_id"]) == ["S1", "S2"]
    assert list(segment_rows(view, level=5)["segment_id"]) == ["S3", "S5"]
    one = overview(data, start=NOW - timedelta(hours=2), end=NOW, adcode="440802")
    want = traffic.segment_state(con, now=NOW, adcode="440802")
    assert list(segment_rows(one)["segment_id"]) == list(want["segment_id"])
    assert one.network()["tpi"] == pytest.approx(1.0)
    # today's profile at 11:00 and 11:45; S6 reported at 12:00-12:16 the Monday before
    band = view.band.set_index("minute_of_day")
    assert list(band.index) == [660, 705, 720, 735]
    assert band["days"].tolist() == [0, 0, 1, 1]
    # (the service keeps a profile 5 minutes: its answer is as of up to 5 minutes before NOW)
    assert band["tpi"].iloc[:2].notna().all() and band.loc[660, "tpi"] == 0.0
    assert band["tpi"].iloc[2:].isna().all()
    week_ago = traffic.tpi_profile(
        con, start=NOW - timedelta(days=7, hours=12), end=NOW - timedelta(days=6)
    )
    assert band.loc[720, "mean"] == pytest.approx(week_ago["tpi"].iloc[0])
    assert band.loc[720, "low"] == band.loc[720, "high"] == band.loc[720, "mean"]


def test_segment_detail_day_and_week(data: DataService) -> None:
    d = segment_detail(data, segment_id="S6", end=NOW)
    assert d.day.value.empty  # S6 reported only a week ago
    assert d.week.value["readings"].tolist() == [17]
    assert d.usual["hour"].tolist() == [12]  # 04:00 UTC is noon in Zhanjiang
    assert segment_detail(data, segment_id="S1", end=NOW).day.value["readings"].tolist() == [2]


def test_incident_effect_before_against_after(data: DataService, con: Any) -> None:
    i2 = traffic.incidents(con, now=NOW).iloc[0].to_dict()
    assert i2["incident_id"] == "I2"  # flooding on S3, reported 30 minutes before NOW
    out = incident_effect(data, i2, end=NOW, radius_m=1000.0).value.set_index("segment_id")
    # S3 passes through it; S2 and S4 run parallel about 759 m away on either side
    assert out.index[0] == "S3" and set(out.index) == {"S2", "S3", "S4"}
    assert out.loc["S3", "distance_m"] == pytest.approx(0.0, abs=1e-6)
    assert out.loc["S2", "distance_m"] == pytest.approx(758.6, abs=1.0)
    assert out.loc["S3", "speed_after"] == 20.0 and out.loc["S3", "tpi_after"] == 10.0
    assert math.isnan(out.loc["S3", "speed_before"])
    assert out.loc["S4", "speed_before"] == 100.0  # an hour before NOW: before the flooding
    assert out.loc["S2", "speed_after"] == 60.0


def test_road_series_weights_its_segments(data: DataService) -> None:
    from services.traffic_page import road_series

    start, end = NOW - timedelta(hours=2), NOW
    view = overview(data, start=start, end=end)
    s = road_series(data, view, "人民大道", start=start, end=end).value
    # 人民大道 is S1 (1000 m: 60 km/h at 03:53, 37.5 at 03:58) and S2 (3000 m: 60 km/h at 03:58),
    # both arterial; a 2-hour range has 5-minute buckets: 03:50 (S1 alone) and 03:55 (both)
    assert [t.strftime("%H:%M") for t in s["ts"]] == ["03:50", "03:55"]
    assert s["tpi"].tolist() == pytest.approx([0.0, (4.0 * 1000 + 0.0 * 3000) / 4000])
    assert s["speed_kmh"].tolist() == pytest.approx([60.0, (37.5 * 1000 + 60.0 * 3000) / 4000])
    assert road_series(data, view, "no such road", start=start, end=end).value.empty
