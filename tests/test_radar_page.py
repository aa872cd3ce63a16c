"""Radar page: loitering, playback steps and the vessels outside the register (hand-worked),
and the page's services on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from brain.radar_page import loitering, playback_steps, unregistered
from config import Settings
from data_adapters import radar
from layouts.radar_charts import tail_lines
from services import radar_page as svc
from services.cache import make_cache
from services.data import DataService
from services.exports import geojson_bytes

T0 = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
M = timedelta(minutes=1)
SQUARE = json.dumps([[110.0, 21.0], [110.1, 21.0], [110.1, 21.1], [110.0, 21.1], [110.0, 21.0]])
ZONES = pd.DataFrame(
    {
        "zone_id": ["Z1", "Z2"],
        "name": ["养殖区", "锚地"],
        "kind": ["aquaculture", "anchorage"],
        "path": [SQUARE, SQUARE],  # the anchorage covers the same water: left out by default
    }
)


def _track(mmsi: int, rows: list[tuple[int, float, float]]) -> pd.DataFrame:
    """Points at T0 + minute, inside (lon 110.05) or outside (lon 110.5), with a speed."""
    return pd.DataFrame(
        {
            "mmsi": mmsi,
            "ts": [T0 + m * M for m, _, _ in rows],
            "lon": [lon for _, lon, _ in rows],
            "lat": 21.05,
            "sog": [sog for _, _, sog in rows],
        }
    )


IN, OUT = 110.05, 110.5


def test_a_slow_vessel_inside_longer_than_the_limit_loiters() -> None:
    # minutes 0..40 every 5 min inside at 1 kn: 40 minutes > 30
    a = _track(412000001, [(m, IN, 1.0) for m in range(0, 41, 5)])
    got = loitering(a, ZONES)
    assert len(got) == 1
    row = got.iloc[0]
    assert (row["mmsi"], row["zone_id"], row["zone_kind"]) == (412000001, "Z1", "aquaculture")
    assert (row["start"], row["end"], row["minutes"], row["points"]) == (T0, T0 + 40 * M, 40.0, 9)


def test_exactly_the_limit_is_not_loitering() -> None:
    a = _track(1, [(m, IN, 1.0) for m in range(0, 31, 5)])  # 30 minutes: not more than 30
    assert loitering(a, ZONES).empty
    assert len(loitering(a, ZONES, min_minutes=29)) == 1


def test_speed_leaving_and_gaps_break_an_episode() -> None:
    rows = [(0, IN, 1.0), (10, IN, 1.0), (20, IN, 5.0), (30, IN, 1.0), (40, IN, 1.0)]
    rows += [(50, OUT, 1.0), (60, IN, 0.5), (70, IN, 0.5), (100, IN, 0.5), (105, IN, 0.5)]
    a = _track(2, rows)
    # 0-10 (fast at 20), 30-40 (leaves at 50), 60-70 (30-min gap), 100-105: none > 30 minutes
    assert loitering(a, ZONES).empty
    # with a longer gap allowed, 60-105 is one episode of 45 minutes
    got = loitering(a, ZONES, max_gap_minutes=30)
    assert list(zip(got["start"], got["minutes"], strict=True)) == [(T0 + 60 * M, 45.0)]


def test_two_vessels_are_never_joined_and_anchorages_are_counted_on_request() -> None:
    a = _track(3, [(0, IN, 1.0), (20, IN, 1.0)])
    b = _track(4, [(25, IN, 1.0), (50, IN, 1.0)])
    both = pd.concat([b, a])
    assert loitering(both, ZONES).empty  # 20 and 25 minutes each, not 50 together
    long = _track(5, [(m, IN, 0.2) for m in range(0, 61, 10)])
    got = loitering(long, ZONES, kinds=("aquaculture", "anchorage"))
    assert list(got["zone_id"]) == ["Z1", "Z2"]
    with pytest.raises(ValueError, match="max_gap_minutes > 0"):
        loitering(long, ZONES, max_gap_minutes=0)


def test_playback_steps() -> None:
    steps = playback_steps(T0, T0 + 60 * M, max_steps=13)  # 60 / 5 = 12 steps, then the end
    assert steps[:3] == [T0, T0 + 5 * M, T0 + 10 * M] and steps[-1] == T0 + 60 * M
    assert len(steps) == 13
    assert len(playback_steps(T0, T0 + 60 * M, max_steps=200)) == 61  # every minute
    week = playback_steps(T0, T0 + timedelta(days=7), max_steps=200)
    assert week[1] - week[0] == timedelta(hours=1) and len(week) == 169
    odd = playback_steps(T0, T0 + 7 * M, max_steps=3)  # 7 min: 5-min steps, then the end
    assert odd == [T0, T0 + 5 * M, T0 + 7 * M]
    with pytest.raises(ValueError, match="start < end"):
        playback_steps(T0, T0)


def test_unregistered_vessels() -> None:
    positions = pd.DataFrame(
        {
            "mmsi": [5, 4, 3, 2, 1],
            "vessel_type": ["cargo", "fishing", None, "fishing", "fishing"],
            "registered": pd.array([False, True, None, False, None], dtype="boolean"),
        }
    )
    got = unregistered(positions)
    assert list(got["mmsi"]) == [1, 2, 3, 5]  # fishing first, then by MMSI; 4 is registered
    assert list(got["reason"]) == [
        "not_in_register",
        "not_registered",
        "not_in_register",
        "not_registered",
    ]
    assert unregistered(positions.iloc[:0]).empty


@pytest.fixture
def data(node: Any, tmp_path: Path) -> Any:
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


def test_the_moment_of_the_fixture_sea(data: Any, con: Any) -> None:
    view = svc.load(data, NOW)
    assert all(getattr(view, f).ok for f in ("positions", "tails", "dark", "intrusions", "zones"))
    vessels = svc.vessel_rows(view, None)
    assert list(vessels["mmsi"]) == list(radar.vessel_positions(con, now=NOW)["mmsi"])
    assert sorted(vessels["mmsi"]) == [412000001, 412000002, 412000003, 412000004]
    assert vessels["adcode"].str.fullmatch(r"4408\d\d").all()
    events = svc.event_rows(view, None)
    intr = events[events["kind"] == "intrusion"]
    assert sorted(zip(intr["mmsi"], intr["zone_name"], strict=True)) == [
        (412000001, "军事禁区"),
        (412000002, "养殖区"),
        (412000003, "主航道"),
    ]
    assert list(events.loc[events["kind"] == "dark", "track_id"]) == ["T1"]
    assert list(svc.unregistered_rows(view, None)["mmsi"]) == [412000002, 412000004]
    c = svc.counts(view, None)
    assert c == {
        "vessels": 4,
        "moving": 2,  # v1 at 8 kn and v2 at 3 kn
        "dark": 1,
        "intrusions": 3,
        "loitering": 0,
        "unregistered": 2,
    }
    # a district keeps the vessels off its coast only
    here = str(vessels["adcode"].iloc[0])
    assert set(svc.vessel_rows(view, here)["adcode"]) == {here}


def test_at_time_from_the_url() -> None:
    start, end = NOW - timedelta(hours=6), NOW
    assert svc.at_time(None, start, end) == end
    assert svc.at_time("not a time", start, end) == end
    inside = int((NOW - timedelta(hours=1)).timestamp())
    assert svc.at_time(str(inside), start, end) == NOW - timedelta(hours=1)  # a step (5 min)
    assert svc.at_time(str(inside + 299), start, end) == NOW - timedelta(hours=1)  # onto it
    assert svc.at_time(str(inside + 300), start, end) == NOW - timedelta(minutes=55)
    assert svc.at_time("0", start, end) == start  # kept inside the range
    assert svc.at_time(str(10**12), start, end) == end


def test_a_track_and_its_features(data: Any) -> None:
    got = svc.track(data, 412000001, NOW - timedelta(hours=1), NOW)
    assert got.ok and len(got.value) == 3
    g = svc.track_features(got.value, 412000001)
    assert list(g["kind"]) == ["track", "point", "point", "point"]
    assert g.geometry.iloc[0].geom_type == "LineString" and len(g.geometry.iloc[0].coords) == 3
    features = svc.map_features(svc.load(data, NOW), None)
    assert sorted(set(features["kind"])) == ["dark", "vessel", "zone"]
    assert (features["kind"] == "zone").sum() == 4
    for f in (g, features):  # what the page exports: valid GeoJSON, times as text
        out = json.loads(geojson_bytes(f))
        assert out["type"] == "FeatureCollection" and len(out["features"]) == len(f)
    assert json.loads(geojson_bytes(g))["features"][1]["properties"]["ts"].startswith("2024-07-15")


def test_the_page_catalogs_do_not_override_the_walls() -> None:
    """A page's key that is also in locales/<lang>.json would change the wall's text."""
    root = Path(__file__).resolve().parent.parent / "locales"
    for lang in ("zh", "en"):
        base = set(json.loads((root / f"{lang}.json").read_text("utf-8")))
        for page in ("river", "radar"):
            mine = set(json.loads((root / lang / f"{page}.json").read_text("utf-8")))
            assert base & mine == set(), (lang, page)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(412000000, 412000006)),
            st.floats(109.0, 112.0, allow_nan=False),
            st.floats(20.0, 22.0, allow_nan=False),
        ),
        max_size=40,
    )
)
def test_tail_lines_are_each_vessels_points_in_their_order(rows: list[Any]) -> None:
    """The tails trace is, vessel by vessel in MMSI order, its points in the order given, each
    vessel's line ended by a break; rows without an MMSI draw nothing."""
    tails = pd.DataFrame(rows, columns=["mmsi", "lon", "lat"]).astype({"mmsi": "Int64"})
    lons: list[Any] = []
    lats: list[Any] = []
    for _, g in tails.groupby("mmsi", sort=True):
        lons += [*g["lon"].tolist(), None]
        lats += [*g["lat"].tolist(), None]
    assert tail_lines(tails) == (lons, lats)
    assert all(type(v) is float for v in lons if v is not None)
