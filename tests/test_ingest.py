"""Every ingest path: bad rows are counted and kept in quarantine, never dropped or fatal."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_adapters.ingest import Datum, ingest
from data_adapters.node import LakeNode
from data_adapters.schema import TABLES, pandera_schema, table
from data_adapters.validate import check_rows, empty_frame

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

_GOOD = {
    "ts": "2026-11-24T11:55:00Z",
    "segment_id": "S0001",
    "speed_kmh": 42.5,
    "volume": 800,
}

_anything = st.one_of(
    st.none(),
    st.just(math.nan),
    st.just(math.inf),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.integers(1, 3).map(lambda n: "界" * (70_000 * n)),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.just("2099-01-01T00:00:00Z"),
    st.just(["a", 1]),
    st.just({"x": 1}),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({}, optional={k: _anything for k in _GOOD}), max_size=12))
def test_check_rows_conserves_every_row(rows: list[dict[str, object]]) -> None:
    frame = pd.DataFrame([*rows, _GOOD])
    checked = check_rows(table("traffic_readings"), frame, now=NOW)
    assert len(checked.valid) + len(checked.rejected) == len(frame)
    assert (checked.rejected["reason"].str.len() > 0).all()
    pandera_schema(table("traffic_readings")).validate(checked.valid)  # valid rows are typed


def test_each_kind_of_bad_row_has_its_reason() -> None:
    base = dict(_GOOD)
    rows = [
        base,
        base | {"ts": "2026-11-24T11:50:00Z"},
        base,  # duplicate key of the first row
        base | {"ts": "2026-11-24T13:00:00Z"},  # an hour in the future
        base | {"ts": "2026-11-24T11:40:00Z", "speed_kmh": math.nan},
        base | {"ts": "2026-11-24T11:35:00Z", "speed_kmh": "fast"},
        base | {"ts": "2026-11-24T11:30:00Z", "segment_id": "S" * 5000},
        base | {"ts": "2026-11-24T11:25:00Z", "volume": 2.5},
        base | {"ts": "not a time"},
    ]
    checked = check_rows(table("traffic_readings"), pd.DataFrame(rows), now=NOW)
    assert len(checked.valid) == 2
    reasons = list(checked.rejected["reason"])
    expected = [
        "duplicate key",
        "in the future",
        "speed_kmh: fails not_nullable",
        "speed_kmh: not a valid",
        "segment_id: fails str_length",
        "volume: not a valid",
        "ts: not a valid",
    ]
    for needle, reason in zip(expected, reasons, strict=True):
        assert needle in reason
    assert '"S' in checked.rejected["raw"].iloc[4]


@pytest.mark.parametrize(
    "lon,lat", [(math.nan, 21.2), (181.0, 21.2), (110.3, -91.0), (0.0, 0.0), (None, 21.2)]
)
def test_bad_coordinates_are_quarantined(tmp_path: object, lon: object, lat: object) -> None:
    node = LakeNode(tmp_path)  # type: ignore[arg-type]
    node.create()
    row = {
        "ts": NOW - timedelta(minutes=1),
        "incident_id": "T1",
        "kind": "accident",
        "segment_id": None,
        "adcode": "440802",
        "lon": lon,
        "lat": lat,
        "severity": 2,
        "status": "open",
        "reported_ts": NOW - timedelta(minutes=1),
        "description": None,
    }
    report = ingest(node, "traffic_incidents", pd.DataFrame([row]), source="test", now=NOW)
    assert (report.accepted, report.rejected) == (0, 1)
    q = node.sql("SELECT table_name, source, reason, raw FROM quarantine")
    assert list(q["table_name"]) == ["traffic_incidents"]
    assert q["source"].iloc[0] == "test"
    assert "lon" in q["reason"].iloc[0] or "lat" in q["reason"].iloc[0]
    assert '"incident_id": "T1"' in q["raw"].iloc[0]


def test_gcj02_sources_are_converted_on_ingest(tmp_path: object) -> None:
    from brain.geo import wgs84_to_gcj02

    node = LakeNode(tmp_path)  # type: ignore[arg-type]
    node.create()
    lon, lat = 110.3600, 21.2700
    glon, glat = wgs84_to_gcj02(lon, lat)
    row = {
        "station_id": "F1",
        "name": "赤坎特勤站",
        "kind": "special",
        "adcode": "440802",
        "lon": glon,
        "lat": glat,
        "engines": 8,
    }
    ingest(node, "fire_stations", pd.DataFrame([row]), source="test", now=NOW, datum=Datum.GCJ02)
    got = node.sql("SELECT lon, lat FROM fire_stations")
    assert got["lon"].iloc[0] == pytest.approx(lon, abs=1e-6)
    assert got["lat"].iloc[0] == pytest.approx(lat, abs=1e-6)


def test_every_table_accepts_its_own_empty_frame() -> None:
    for t in TABLES:
        checked = check_rows(t, empty_frame(t), now=NOW)
        assert checked.counts == (0, 0)
