"""Emergency adapter on both data nodes: events, warnings (Cancel), resources, typhoon track."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from adapter_fixtures import NOW, check_surface

from data_adapters import emergency


def test_events_active_level_first(con: Any) -> None:
    assert list(emergency.events(con, now=NOW)["event_id"]) == ["E3", "E1"]
    everything = emergency.events(con, now=NOW, active_only=False).set_index("event_id")
    assert everything.loc["E2", "status"] == "closed"
    assert everything.loc["E1", "status"] == "responding"
    assert list(emergency.events(con, now=NOW, adcode="440882")["event_id"]) == ["E3"]


def test_warnings_in_force(con: Any) -> None:
    w = emergency.warnings_in_force(con, now=NOW)
    # W1 replaced by W2, W3 cancelled by W4, W5 expired, W6 not yet in force, W7 sent later
    assert list(w["identifier"]) == ["W2"]
    earlier = emergency.warnings_in_force(con, now=NOW - timedelta(hours=2))
    assert list(earlier["identifier"]) == ["W3", "W2", "W5"]  # level III, III, IV
    assert list(
        emergency.warnings_in_force(con, now=NOW - timedelta(hours=2), adcode="440882")[
            "identifier"
        ]
    ) == ["W3", "W2"]
    assert list(
        emergency.warnings_in_force(con, now=NOW - timedelta(hours=2), adcode="440803")[
            "identifier"
        ]
    ) == ["W2", "W5"]


def test_typhoon_signal_now(con: Any) -> None:
    assert emergency.typhoon_signal_now(con, now=NOW) == "yellow"
    assert emergency.typhoon_signal_now(con, now=NOW - timedelta(hours=7)) == "blue"
    assert emergency.typhoon_signal_now(con, now=NOW - timedelta(hours=11)) is None


def test_resources(con: Any) -> None:
    assert list(emergency.resources(con, kind="shelter")["resource_id"]) == ["R1", "R2"]
    assert list(emergency.resources(con, adcode="440803")["resource_id"]) == ["R2", "R4"]


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_nearest_resources(con: Any) -> None:
    n = emergency.nearest_resources(con, lon=110.36, lat=21.27, n=3)
    assert list(n["resource_id"]) == ["R1", "R2", "R4"]
    assert n["distance_km"].iloc[0] == pytest.approx(0.0)
    assert n["distance_km"].iloc[1] == pytest.approx(
        _haversine_km(110.36, 21.27, 110.40, 21.19), rel=2e-3
    )
    boats = emergency.nearest_resources(con, lon=110.36, lat=21.27, kind="boat")
    assert list(boats["resource_id"]) == ["R4"]


def test_typhoon_track(con: Any) -> None:
    t = emergency.typhoon_track(con, now=NOW)
    assert set(t["storm_id"]) == {"1522"}
    obs = t[t["kind"] == "observed"]
    assert obs["lon"].tolist() == [113.0, 112.1, 111.0]  # corrected position, nothing after NOW
    assert obs["force"].tolist() == [12, 12, 15]
    fc = t[t["kind"] == "forecast"]
    assert fc["lon"].tolist() == [110.7, 110.4]  # the latest forecast only
    assert list(t["kind"]) == ["observed"] * 3 + ["forecast"] * 2
    assert emergency.typhoon_track(con, now=NOW + timedelta(days=5)).empty


def test_surface(lake_node: Any) -> None:
    check_surface(emergency, lake_node.backend())
