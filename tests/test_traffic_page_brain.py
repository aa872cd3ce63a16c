"""The traffic page's pure computations against hand-worked cases: distance of an incident to a
segment's line, the segments near it and their speed before against after, the same-weekday band,
bucket sizes and a segment's usual day."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from brain.traffic_impact import (
    after_end,
    distance_to_path_m,
    impact,
    nearby_segments,
    parse_path,
)
from brain.traffic_profile import (
    bucket_minutes_for,
    day_window,
    hour_of_day,
    network_series,
    same_weekday_windows,
    weekday_band,
)

LAT = 21.0
M_PER_DEG_LAT = math.radians(1.0) * 6_371_000.0  # 111 194.9 m
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT))  # 103 809.9 m at 21° N
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Zhanjiang, a Monday


def test_distance_to_a_line_is_to_its_nearest_point() -> None:
    # a line running east along 21° N from 110.00 to 110.01; the point 0.001° north of its middle
    path = [(110.0, LAT), (110.01, LAT)]
    assert distance_to_path_m(110.005, LAT + 0.001, path) == pytest.approx(
        0.001 * M_PER_DEG_LAT, rel=1e-9
    )  # 111.19 m, straight down onto the line
    # beyond its east end: to the end point, 0.003° of longitude and 0.004° of latitude away
    # (longitude scaled at the incident's own latitude, 21.004°: 103 807.3 m per degree)
    d = distance_to_path_m(110.013, LAT + 0.004, path)
    m_lon = M_PER_DEG_LAT * math.cos(math.radians(LAT + 0.004))
    assert d == pytest.approx(math.hypot(0.003 * m_lon, 0.004 * M_PER_DEG_LAT), rel=1e-9)
    # an L-shaped line: the second piece is nearer
    ell = [(110.0, LAT), (110.01, LAT), (110.01, LAT + 0.01)]
    assert distance_to_path_m(110.012, LAT + 0.005, ell) == pytest.approx(
        0.002 * M_PER_DEG_LAT * math.cos(math.radians(LAT + 0.005)), rel=1e-9
    )
    assert distance_to_path_m(110.0, LAT, [(110.0, LAT)]) == 0.0
    with pytest.raises(ValueError, match="empty path"):
        distance_to_path_m(110.0, LAT, [])


def test_parse_path_rejects_bad_lines() -> None:
    assert parse_path("[[110.1, 21.2], [110.2, 21.3]]") == [(110.1, 21.2), (110.2, 21.3)]
    with pytest.raises(ValueError, match="non-empty"):
        parse_path("[]")
    with pytest.raises(ValueError, match="non-finite"):
        parse_path([[110.1, float("nan")]])


def _segments() -> pd.DataFrame:
    def line(lon0: float, lat0: float, lon1: float, lat1: float) -> str:
        return json.dumps([[lon0, lat0], [lon1, lat1]])

    return pd.DataFrame(
        {
            "segment_id": ["A", "B", "C"],
            "road_name": ["人民大道", "海滨大道", "G207"],
            "road_class": ["arterial", "secondary", "expressway"],
            # A passes through the incident, B 0.01° (1 112 m) north of it, C 0.02° (2 224 m)
            "path": [
                line(110.0, LAT, 110.02, LAT),
                line(110.0, LAT + 0.01, 110.02, LAT + 0.01),
                line(110.0, LAT + 0.02, 110.02, LAT + 0.02),
            ],
        }
    )


def test_nearby_segments_within_the_radius_nearest_first() -> None:
    near = nearby_segments(_segments(), 110.01, LAT, radius_m=1500.0)
    assert near["segment_id"].tolist() == ["A", "B"]
    assert near["distance_m"].tolist() == pytest.approx([0.0, 0.01 * M_PER_DEG_LAT])
    assert nearby_segments(_segments(), 110.01, LAT, radius_m=2300.0)["segment_id"].tolist() == [
        "A",
        "B",
        "C",
    ]
    assert nearby_segments(_segments(), 110.01, LAT, radius_m=1000.0)["segment_id"].tolist() == [
        "A"
    ]
    with pytest.raises(ValueError, match="finite position"):
        nearby_segments(_segments(), float("nan"), LAT)
    with pytest.raises(ValueError, match="positive"):
        nearby_segments(_segments(), 110.01, LAT, radius_m=0)


def _readings() -> pd.DataFrame:
    rows = [  # (segment, minutes from the incident's start, speed, tpi)
        ("A", -50, 50.0, 1.0),
        ("A", -10, 40.0, 2.0),  # before: speed 45, TPI 1.5
        ("A", 5, 20.0, 7.0),
        ("A", 30, 10.0, 9.0),  # after: speed 15 (-66.7 %), TPI 8 (+6.5)
        ("A", 70, 50.0, 1.0),  # after the hour: left out
        ("A", -70, 5.0, 10.0),  # before the hour before: left out
        ("B", -20, 60.0, 0.0),  # before only: no change
        ("C", 10, 30.0, 5.0),  # not near
    ]
    return pd.DataFrame(
        {
            "segment_id": [r[0] for r in rows],
            "ts": [T0 + timedelta(minutes=r[1]) for r in rows],
            "speed_kmh": [r[2] for r in rows],
            "tpi": [r[3] for r in rows],
        }
    )


def test_impact_compares_the_hour_before_with_the_hour_after() -> None:
    near = nearby_segments(_segments(), 110.01, LAT, radius_m=1500.0)
    out = impact(near, _readings(), T0).set_index("segment_id")
    assert list(out.index) == ["A", "B"]
    a = out.loc["A"]
    assert (a["speed_before"], a["speed_after"]) == (45.0, 15.0)
    assert a["speed_change_pct"] == pytest.approx((15.0 / 45.0 - 1) * 100)  # -66.67 %
    assert (a["tpi_before"], a["tpi_after"], a["tpi_change"]) == (1.5, 8.0, 6.5)
    assert (a["readings_before"], a["readings_after"]) == (2, 2)
    b = out.loc["B"]
    assert b["speed_before"] == 60.0 and math.isnan(float(b["speed_after"]))
    assert math.isnan(float(b["speed_change_pct"])) and math.isnan(float(b["tpi_change"]))
    assert b["readings_after"] == 0


def test_impact_stops_when_the_incident_cleared() -> None:
    near = nearby_segments(_segments(), 110.01, LAT, radius_m=1500.0)
    out = impact(near, _readings(), T0, end=T0 + timedelta(minutes=20)).set_index("segment_id")
    assert out.loc["A", "speed_after"] == 20.0  # only the reading at +5 min
    assert out.loc["A", "readings_after"] == 1
    # cleared after 2 minutes: the quarter hour after its start still counts (+5 min reading)
    short = impact(near, _readings(), T0, end=T0 + timedelta(minutes=2)).set_index("segment_id")
    assert short.loc["A", "speed_after"] == 20.0 and short.loc["A", "readings_after"] == 1
    assert after_end(T0, T0 + timedelta(minutes=2)) == T0 + timedelta(minutes=15)
    assert after_end(T0, T0 + timedelta(hours=3)) == T0 + timedelta(hours=1)
    assert after_end(T0, None) == T0 + timedelta(hours=1)
    with pytest.raises(ValueError, match="positive"):
        impact(near, _readings(), T0, before=timedelta(0))
    assert impact(near.iloc[:0], _readings(), T0).empty


def test_bucket_minutes_for_ranges() -> None:
    assert bucket_minutes_for(T0 - timedelta(hours=1), T0) == 5
    assert bucket_minutes_for(T0 - timedelta(hours=6), T0) == 5
    assert bucket_minutes_for(T0 - timedelta(hours=24), T0) == 15
    assert bucket_minutes_for(T0 - timedelta(days=7), T0) == 60
    assert bucket_minutes_for(T0 - timedelta(days=30), T0) == 240
    assert bucket_minutes_for(T0 - timedelta(days=365), T0) == 1440
    with pytest.raises(ValueError, match="before"):
        bucket_minutes_for(T0, T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        bucket_minutes_for(datetime(2026, 3, 1), T0)


def test_day_and_same_weekday_windows_are_local_days() -> None:
    # 2026-03-02 01:30 UTC is 09:30 on Monday 2 March in Zhanjiang: its day began 1 March 16:00 UTC
    end = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    assert day_window(end) == (datetime(2026, 3, 1, 16, 0, tzinfo=UTC), end)
    weeks = same_weekday_windows(end, weeks=2)
    assert weeks == [
        (datetime(2026, 2, 22, 16, 0, tzinfo=UTC), datetime(2026, 2, 23, 16, 0, tzinfo=UTC)),
        (datetime(2026, 2, 15, 16, 0, tzinfo=UTC), datetime(2026, 2, 16, 16, 0, tzinfo=UTC)),
    ]  # Mondays 23 and 16 February, local
    # 17:00 UTC on 1 March is already Monday 2 March in Zhanjiang
    assert same_weekday_windows(datetime(2026, 3, 1, 17, 0, tzinfo=UTC), 1) == weeks[:1]
    # a range ending at local midnight ends with the day before: Sunday 1 March, whole
    midnight = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert day_window(midnight) == (datetime(2026, 2, 28, 16, 0, tzinfo=UTC), midnight)
    assert same_weekday_windows(midnight, 1) == [
        (datetime(2026, 2, 21, 16, 0, tzinfo=UTC), datetime(2026, 2, 22, 16, 0, tzinfo=UTC))
    ]
    with pytest.raises(ValueError, match="at least 1"):
        same_weekday_windows(end, 0)


def _profile(points: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"minute_of_day": list(points), "tpi": list(points.values())})


def test_weekday_band_mean_low_high() -> None:
    today = _profile({480: 6.0, 495: 7.0})
    past = [
        _profile({480: 4.0, 495: 5.0, 510: 3.0}),
        _profile({480: 2.0, 495: 3.0}),
        _profile({480: 3.0}),
        _profile({}),
    ]
    band = weekday_band(today, past).set_index("minute_of_day")
    assert list(band.index) == [480, 495, 510]
    assert band.loc[480].to_numpy().tolist() == pytest.approx([6.0, 3.0, 2.0, 4.0, 3])
    assert band.loc[495].to_numpy().tolist() == pytest.approx([7.0, 4.0, 3.0, 5.0, 2])
    row = band.loc[510]
    assert math.isnan(float(row["tpi"])) and (
        row["mean"],
        row["low"],
        row["high"],
        row["days"],
    ) == (
        3.0,
        3.0,
        3.0,
        1,
    )
    only_today = weekday_band(today, [])
    assert only_today["days"].tolist() == [0, 0] and only_today["mean"].isna().all()
    assert weekday_band(_profile({}), [_profile({})]).empty


def test_hour_of_day_is_local() -> None:
    series = pd.DataFrame(
        {
            "ts": [
                datetime(2026, 3, 1, 0, 0, tzinfo=UTC),  # 08:00 local
                datetime(2026, 3, 2, 0, 30, tzinfo=UTC),  # 08:30 local, the next day
                datetime(2026, 3, 1, 16, 0, tzinfo=UTC),  # 00:00 local
            ],
            "speed_kmh": [20.0, 30.0, 60.0],
            "tpi": [8.0, 6.0, 0.0],
        }
    )
    out = hour_of_day(series).set_index("hour")
    assert list(out.index) == [0, 8]
    assert out.loc[8].to_numpy().tolist() == [25.0, 7.0]
    assert out.loc[0].to_numpy().tolist() == [60.0, 0.0]
    assert hour_of_day(series.iloc[:0]).empty


def test_network_series_weights_like_the_network_tpi() -> None:
    from brain.standards import ROAD_CLASS_WEIGHTS

    wa, we = ROAD_CLASS_WEIGHTS["arterial"], ROAD_CLASS_WEIGHTS["expressway"]
    segments = pd.DataFrame(
        {
            "segment_id": ["A", "B", "C"],
            "road_class": ["arterial", "expressway", "arterial"],
            "length_m": [1000.0, 3000.0, 500.0],
        }
    )
    t1, t2 = T0, T0 + timedelta(minutes=15)
    series = pd.DataFrame(
        {
            "segment_id": ["A", "B", "A", "B", "C"],
            "ts": [t1, t1, t2, t2, t2],
            "speed_kmh": [30.0, 90.0, 20.0, None, 40.0],
            "tpi": [6.0, 1.0, 8.0, None, 4.0],
        }
    )
    out = network_series(series, segments).set_index("ts")
    # t1: (6 × 1000 wa + 1 × 3000 we) / (1000 wa + 3000 we); speed by length: (30k + 270k) / 4k
    assert out.loc[t1, "tpi"] == pytest.approx((6000 * wa + 3000 * we) / (1000 * wa + 3000 * we))
    assert out.loc[t1, "speed_kmh"] == pytest.approx(75.0)
    # t2: B has no reading; A and C (both arterial): (8 × 1000 + 4 × 500) / 1500 = 6.667
    assert out.loc[t2, "tpi"] == pytest.approx(10000 / 1500)
    assert out.loc[t2, "speed_kmh"] == pytest.approx((20000 + 20000) / 1500)
    assert network_series(series.iloc[:0], segments).empty
