"""brain.geo: GCJ-02 conversions and distances."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brain.geo import (
    gcj02_to_wgs84,
    gcj02_to_wgs84_arrays,
    haversine_km,
    out_of_china,
    wgs84_to_gcj02,
    wgs84_to_gcj02_arrays,
)

ZHANJIANG = (110.36, 21.27)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_km(a[0], a[1], b[0], b[1]) * 1000.0


def test_reference_pair_from_coordtransform() -> None:
    # wandergis/coordtransform test/app.js: wgs84togcj02(116.404, 39.915)
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-12)
    assert lat == pytest.approx(39.91640428150164, abs=1e-12)


def test_inverse_is_better_than_the_one_step_approximation() -> None:
    # The same project's one-step gcj02towgs84(116.404, 39.915).
    one_step = (116.39775550083061, 39.91359571849836)
    ours = gcj02_to_wgs84(116.404, 39.915)
    target = (116.404, 39.915)
    assert _metres(wgs84_to_gcj02(*ours), target) < 0.01
    assert _metres(wgs84_to_gcj02(*one_step), target) > 0.01
    assert 0.01 < _metres(ours, one_step) < 5.0


def test_offset_near_zhanjiang_is_about_half_a_kilometre() -> None:
    offset = _metres(ZHANJIANG, wgs84_to_gcj02(*ZHANJIANG))
    assert 500.0 <= offset <= 600.0


@settings(max_examples=300, deadline=None)
@given(st.floats(73.0, 135.0), st.floats(1.0, 55.0))
def test_round_trip_error_below_a_centimetre(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert _metres((lon, lat), back) < 0.01
    assert abs(back[0] - lon) < 1e-6 and abs(back[1] - lat) < 1e-6


@pytest.mark.parametrize(
    "point", [(2.35, 48.85), (0.0, 0.0), (-74.0, 40.7), (110.0, 60.0), (140.0, 35.0), (72.0, 30.0)]
)
def test_outside_china_unchanged(point: tuple[float, float]) -> None:
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_bounding_box_edges() -> None:
    assert not out_of_china(72.004, 0.8293) and not out_of_china(137.8347, 55.8271)
    assert out_of_china(72.0039, 30.0) and out_of_china(100.0, 55.8272)
    assert wgs84_to_gcj02(72.004, 30.0) != (72.004, 30.0)


def test_arrays_match_scalars_and_keep_outside_points() -> None:
    lons = np.array([110.36, 2.35, 116.404, math.nan])
    lats = np.array([21.27, 48.85, 39.915, 21.0])
    glon, glat = wgs84_to_gcj02_arrays(lons, lats)
    for i in range(3):
        assert (glon[i], glat[i]) == wgs84_to_gcj02(lons[i], lats[i])
    assert (glon[1], glat[1]) == (2.35, 48.85)
    assert math.isnan(glon[3])
    wlon, wlat = gcj02_to_wgs84_arrays(glon, glat)
    np.testing.assert_allclose(wlon[:3], lons[:3], atol=1e-9)
    np.testing.assert_allclose(wlat[:3], lats[:3], atol=1e-9)
    with pytest.raises(ValueError, match="shape"):
        wgs84_to_gcj02_arrays([1.0, 2.0], [1.0])


def test_haversine() -> None:
    assert haversine_km(110.0, 21.0, 110.0, 22.0) == pytest.approx(111.195, abs=0.01)
    assert haversine_km(110.0, 21.0, 110.0, 21.0) == 0.0
    assert haversine_km(0.0, 0.0, 180.0, 0.0) == pytest.approx(math.pi * 6371.0088)
    d = haversine_km(110.0, 21.0, np.array([110.0, 111.0]), np.array([22.0, 21.0]))
    assert isinstance(d, np.ndarray) and d.shape == (2,)
    assert d[1] == pytest.approx(haversine_km(111.0, 21.0, 110.0, 21.0))
