"""brain.fire_page against hand-worked cases."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from brain import fire_page as fp

T0 = datetime(2024, 7, 15, 4, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def test_quantile_is_linear_between_order_statistics() -> None:
    assert fp.quantile([240, 300, 420], 0.5) == 300
    assert fp.quantile([420, 240, 300], 0.9) == pytest.approx(396)  # 300 + 0.8 × 120
    assert fp.quantile([1, 2, 3, 4], 0.25) == pytest.approx(1.75)
    assert fp.quantile([7], 0.9) == 7
    assert math.isnan(fp.quantile([], 0.5))
    with pytest.raises(ValueError, match="0-1"):
        fp.quantile([1], 1.5)


def _responses(rows: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    """(station, name, call → dispatch s, dispatch → arrival s) per incident."""
    out = []
    for i, (sid, name, handling, drive) in enumerate(rows):
        call = T0 + i * 600 * S
        out.append(
            dict(
                incident_id=f"I{i}",
                station_id=sid,
                station_name=name,
                call_ts=call,
                dispatch_ts=call + handling * S,
                arrival_ts=call + (handling + drive) * S,
            )
        )
    return pd.DataFrame(out)


def test_response_stages() -> None:
    st = fp.response_stages(_responses([("S1", "一站", 60, 240), ("S1", "一站", 45, 301)]))
    assert st["handling_s"].tolist() == [60, 45]
    assert st["response_s"].tolist() == [240, 301]
    assert st["wait_s"].tolist() == [300, 346]
    assert st["meets_standard"].tolist() == [True, False]  # 300 s is the limit, 301 misses it
    with pytest.raises(ValueError, match="arrival_ts"):
        fp.response_stages(pd.DataFrame({"call_ts": [], "dispatch_ts": []}))


def test_station_responses() -> None:
    st = fp.response_stages(
        _responses(
            [
                ("S1", "一站", 60, 240),
                ("S1", "一站", 30, 420),
                ("S1", "一站", 90, 300),
                ("S2", "二站", 40, 200),
            ]
        )
    )
    got = fp.station_responses(st)
    assert list(got["station_id"]) == ["S1", "S2"]  # slowest median first
    s1 = got.iloc[0]
    assert (s1["incidents"], s1["median_s"], s1["worst_s"]) == (3, 300, 420)
    assert s1["p90_s"] == pytest.approx(396)
    assert s1["within_share"] == pytest.approx(2 / 3)
    assert s1["handling_s"] == 60
    assert got.iloc[1]["within_share"] == 1.0


def test_response_bins() -> None:
    b = fp.response_bins([60, 61, 300, 301, 900, 2000])
    assert len(b) == 16  # 0-1, 1-2, … 14-15 minutes and 15 minutes or more
    assert dict(zip(b["start_s"], b["incidents"], strict=True)) == {
        0: 1,  # 60 s: (0, 60]
        60: 1,
        120: 0,
        180: 0,
        240: 1,  # 300 s: the last minute within the standard
        300: 1,
        **{s: 0 for s in range(360, 840, 60)},
        840: 1,  # 900 s
        900: 1,  # 2000 s: beyond 15 minutes
    }
    assert b["within"].tolist() == [True] * 5 + [False] * 11
    with pytest.raises(ValueError, match="multiple"):
        fp.response_bins([1], width_s=60, last_s=100)


def test_coverage_by_district() -> None:
    units = pd.DataFrame(
        {"adcode": ["A", "A", "A", "B", "B"], "covered": [True, False, True, True, True]}
    )
    got = fp.coverage_by_district(units)
    assert got.to_dict("records") == [
        {"adcode": "A", "units": 3, "covered": 2, "share": pytest.approx(2 / 3)},
        {"adcode": "B", "units": 2, "covered": 2, "share": 1.0},
    ]
