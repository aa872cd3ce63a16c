"""brain.emergency_page against hand-worked cases."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import shapely

from brain import emergency_page as ep

KM_PER_DEG = math.pi / 180 * 6371.0088  # at the equator


def _events(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kind", "level", "adcode"])


def test_events_by_kind_and_level() -> None:
    ev = _events(
        [
            ("flood", "I", "440882"),
            ("traffic", "IV", "440802"),
            ("traffic", "IV", "440802"),
            ("traffic", "III", "440803"),
            ("fire", "II", "440803"),
            ("flood", "III", "440882"),
        ]
    )
    t = ep.by_kind_level(ev)
    assert list(t.columns) == ["kind", "I", "II", "III", "IV", "total"]
    # traffic 3, then flood 2, then fire 1 (ties by name)
    assert t.values.tolist() == [
        ["traffic", 0, 0, 1, 2, 3],
        ["flood", 1, 0, 1, 0, 2],
        ["fire", 0, 1, 0, 0, 1],
    ]
    assert ep.by_district(ev) == {"440802": 2, "440803": 2, "440882": 2}
    assert ep.by_kind_level(ev.iloc[0:0]).empty and ep.by_district(ev.iloc[0:0]) == {}


def test_resource_summary() -> None:
    res = pd.DataFrame(
        {"kind": ["shelter", "boat", "shelter", "rescue_team"], "capacity": [500, 12, 800, 40]}
    )
    s = ep.resource_summary(res)
    assert s.values.tolist() == [["shelter", 2, 1300], ["rescue_team", 1, 40], ["boat", 1, 12]]


def test_warning_areas_close_their_rings() -> None:
    w = pd.DataFrame(
        {
            "identifier": ["W1", "W2"],
            "hazard": ["typhoon", "rainstorm"],
            "level": ["III", "IV"],
            "signal": ["yellow", None],
            "polygons": [json.dumps([[[110, 21], [111, 21], [111, 22]]]), "[]"],
        }
    )
    areas = ep.warning_areas(w)
    assert len(areas) == 1  # W2 names districts only
    assert areas[0]["ring"] == [[110, 21], [111, 21], [111, 22], [110, 21]]
    assert (areas[0]["signal"], areas[0]["level"]) == ("yellow", "III")
    with pytest.raises(ValueError, match="W1: a polygon needs three"):
        ep.warning_areas(w.assign(polygons=[json.dumps([[[110, 21], [111, 21]]]), "[]"]))
    with pytest.raises(ValueError, match="not JSON"):
        ep.warning_areas(w.assign(polygons=["{", "[]"]))


def test_cone_radius_by_lead_time() -> None:
    assert ep.cone_radius_km(0) == 10.0
    assert ep.cone_radius_km(6) == pytest.approx(27.5)  # halfway from 10 to 45
    assert ep.cone_radius_km(36) == pytest.approx(95.0)  # halfway from 70 to 120
    assert ep.cone_radius_km(96) == pytest.approx(240.0)  # 180 + 24 h × 2.5 km/h
    with pytest.raises(ValueError):
        ep.cone_radius_km(-1)


def _track() -> pd.DataFrame:
    t0 = datetime(2015, 10, 3, 0, tzinfo=UTC)
    rows = [
        ("observed", t0 - timedelta(hours=6), t0 - timedelta(hours=6), -0.5, 0.0),
        ("observed", t0, t0, 0.0, 0.0),
        ("forecast", t0 + timedelta(hours=24), t0, 1.0, 0.0),
    ]
    return pd.DataFrame(rows, columns=["kind", "ts", "issued_ts", "lon", "lat"])


def test_the_cone_from_the_last_fix_to_the_forecast() -> None:
    # circles of 10 km at (0, 0) and 70 km at (1°, 0) = 111.2 km apart; the outer tangents lean
    # by asin(60 / 111.2) = 32.7°, so halfway along the cone is 40 / cos(32.7°) = 47.5 km wide
    cone = shapely.Polygon(ep.forecast_cone(_track()))
    half = 47.5 / KM_PER_DEG
    assert cone.contains(shapely.Point(0.5, half * 0.97))
    assert not cone.contains(shapely.Point(0.5, half * 1.03))
    assert cone.contains(shapely.Point(1.0 + 69 / KM_PER_DEG, 0.0))
    assert not cone.contains(shapely.Point(1.0 + 71 / KM_PER_DEG, 0.0))
    assert not cone.contains(shapely.Point(-11 / KM_PER_DEG, 0.0))  # behind the last fix
    assert not cone.contains(shapely.Point(-0.5, 0.0))  # the observed track is not in it


def test_no_forecast_no_cone() -> None:
    assert ep.forecast_cone(_track().iloc[:2]) is None


def test_the_cone_uses_the_latest_issue_only() -> None:
    t = _track()
    old = t.iloc[[2]].assign(issued_ts=t.ts[0], lon=-3.0)  # an older issue, far away
    cone = shapely.Polygon(ep.forecast_cone(pd.concat([t, old])))
    assert not cone.contains(shapely.Point(-3.0, 0.0))


def test_replay_steps() -> None:
    a = datetime(2015, 10, 4, 0, tzinfo=UTC)
    steps = ep.replay_steps(a, a + timedelta(hours=7), timedelta(hours=3))
    assert steps == [a, a + timedelta(hours=3), a + timedelta(hours=6), a + timedelta(hours=7)]
    assert ep.replay_steps(a, a, timedelta(hours=1)) == [a]
    assert ep.nearest_index(steps, a + timedelta(hours=4)) == 1
    assert ep.nearest_index(steps, a + timedelta(hours=6, minutes=30)) == 2  # a tie: earlier
    with pytest.raises(ValueError, match="positive"):
        ep.replay_steps(a, a, timedelta(0))
    with pytest.raises(ValueError, match="ends after"):
        ep.replay_steps(a, a - timedelta(hours=1), timedelta(hours=1))
