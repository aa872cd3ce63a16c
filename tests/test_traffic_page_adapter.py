"""The traffic page's queries on both data nodes (fixture data of tests/adapter_fixtures.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from adapter_fixtures import NOW

from brain.standards import tpi_from_delay
from data_adapters import traffic

S6_SPEEDS = [0.0, 1.0, 15.0, 20.0, 24.0, 27.0, 30.0, 33.3, 37.5, 40.0, 46.15, 50.0, 55.0, 60.0]
S6_SPEEDS += [65.0]  # the first 15 minutes of S6's readings, a week before NOW


def _tpi(speed: float) -> float:
    return 10.0 if speed == 0 else tpi_from_delay(60.0 / speed)


def test_segment_series_buckets_each_segment(con: Any) -> None:
    s = traffic.segment_series(
        con, segment_ids=("S1", "S6"), start=NOW - timedelta(days=8), end=NOW
    )
    assert list(s.columns) == ["segment_id", "ts", "speed_kmh", "tpi", "volume", "readings"]
    assert list(zip(s["segment_id"], s["ts"], strict=True)) == [
        ("S1", datetime(2024, 7, 15, 3, 45, tzinfo=UTC)),  # 03:53 and 03:58, not 05:00
        ("S6", datetime(2024, 7, 8, 4, 0, tzinfo=UTC)),
        ("S6", datetime(2024, 7, 8, 4, 15, tzinfo=UTC)),
    ]
    assert s["speed_kmh"].tolist() == pytest.approx(
        [(60.0 + 37.5) / 2, sum(S6_SPEEDS) / 15, (80.0 + 120.0) / 2]
    )
    assert s["tpi"].tolist() == pytest.approx(
        [(0.0 + 4.0) / 2, sum(map(_tpi, S6_SPEEDS)) / 15, (_tpi(80.0) + _tpi(120.0)) / 2]
    )
    assert s["readings"].tolist() == [2, 15, 2]


def test_segment_series_hourly_and_empty(con: Any) -> None:
    hourly = traffic.segment_series(
        con, segment_ids=("S6",), start=NOW - timedelta(days=8), end=NOW, bucket_minutes=60
    )
    assert hourly["readings"].tolist() == [17]
    none = traffic.segment_series(con, segment_ids=("S9",), start=NOW - timedelta(days=8), end=NOW)
    assert none.empty and "ts" in none.columns
    # half-open window: S1's reading at NOW - 2 min is left out of [.., NOW - 2 min)
    early = traffic.segment_series(
        con, segment_ids=("S1",), start=NOW - timedelta(hours=1), end=NOW - timedelta(minutes=2)
    )
    assert early["readings"].tolist() == [1] and early["speed_kmh"].tolist() == [60.0]
