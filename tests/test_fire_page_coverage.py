"""Station coverage on a small network, worked by hand.

One straight road along 21°N from 110.0°E to 110.1°E: 0.1° of longitude there is
111.195 km × cos 21° = 10.381 km, given as its length, at 60 km/h: 10.381 minutes end to end.
Station S1 stands on its west end and S2 on its east end. In 5 minutes an engine drives 5.0 km,
so S1 reaches 110.0 + 0.1 × 5 / 10.381 = 110.048165°E and S2 back to 110.051835°E; each area is
the reached road buffered by 250 m and the station's local streets: 5 minutes at 20 km/h, a
disc of 1.667 km.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from brain import roadnet
from services import fire_coverage as fc

ROAD_M = 10_381.0
LAT_M = 1 / 111_195.0  # a metre in degrees of latitude on the sphere (where units are placed)
# Areas are buffered in metres on the WGS-84 ellipsoid (UTM 49N): there a degree of latitude at
# 21°N is 111132.954 − 559.822 cos 2φ + 1.175 cos 4φ = 110730 m, and of longitude
# 111412.84 cos φ − 93.5 cos 3φ = 103937 m.
E_LAT_M, E_LON_M = 1 / 110_730.0, 1 / 103_937.0


def _graph(*, road: bool = True) -> roadnet.RoadGraph:
    rows = [
        dict(
            segment_id="A",
            path=json.dumps([[110.0, 21.0], [110.1, 21.0]]),
            length_m=ROAD_M,
            free_speed_kmh=60.0,
        )
    ]
    return roadnet.build(pd.DataFrame(rows if road else [], columns=list(rows[0])))


STATIONS = pd.DataFrame(
    [
        dict(station_id="S1", name="西站", lon=110.0, lat=21.0),
        dict(station_id="S2", name="东站", lon=110.1, lat=21.0),
    ]
)
UNITS = pd.DataFrame(
    [
        dict(unit_id="on", lon=110.02, lat=21.0),  # on the road, 2.076 km from S1
        dict(unit_id="side", lon=110.03, lat=21.0 + 200 * LAT_M),  # 200 m off it
        dict(unit_id="off", lon=110.03, lat=21.0 + 1000 * LAT_M),  # 1 km off it
        dict(unit_id="local", lon=110.0, lat=21.0 + 1200 * LAT_M),  # 1.2 km north of S1
        dict(unit_id="both", lon=110.05, lat=21.0),  # in both buffers
        dict(unit_id="east", lon=110.07, lat=21.0),  # 3.114 km from S2
    ]
)


def test_each_station_reaches_5_km_of_road_and_its_local_streets() -> None:
    areas = fc.station_areas(_graph(), STATIONS)
    assert list(areas["station_id"]) == ["S1", "S2"]
    assert areas["road_km"].tolist() == pytest.approx([5.0, 5.0])
    assert areas["edges"].tolist() == [1, 1]  # the road, partly
    minx, miny, maxx, maxy = areas.geometry.iloc[0].bounds
    assert maxx == pytest.approx(110.048165 + 250 * E_LON_M, abs=1e-5)  # within a metre
    assert maxy == pytest.approx(21.0 + 1666.7 * E_LAT_M, abs=1e-5)
    assert minx == pytest.approx(110.0 - 1666.7 * E_LON_M, abs=1e-5)
    assert miny == pytest.approx(21.0 - 1666.7 * E_LAT_M, abs=1e-5)
    assert areas.geometry.iloc[1].bounds[0] == pytest.approx(110.051835 - 250 * E_LON_M, abs=1e-5)
    # the disc (π · 1.6667²) and the part of the 5 km × 0.5 km strip outside it
    disc = math.pi * (5 / 3) ** 2
    assert disc + 1.6 < areas["area_km2"].iloc[0] < disc + 2.5 + math.pi * 0.25**2 / 2


def test_units_inside_an_area_are_covered_by_a_spatial_join() -> None:
    c = fc.coverage(_graph(), STATIONS, UNITS)
    got = c.units.set_index("unit_id")
    assert got["stations"].to_dict() == {
        "on": "S1",
        "side": "S1",
        "off": "",
        "local": "S1",
        "both": "S1,S2",
        "east": "S2",
    }
    assert got["covered"].to_dict() == {
        "on": True,
        "side": True,
        "off": False,
        "local": True,
        "both": True,
        "east": True,
    }
    assert list(c.outside["unit_id"]) == ["off"]


def test_each_unit_gets_its_quickest_station() -> None:
    got = fc.coverage(_graph(), STATIONS, UNITS).units.set_index("unit_id")
    minutes = got["minutes"].to_dict()
    assert minutes["on"] == pytest.approx(2.0762, abs=1e-3)  # 2.076 km at 60 km/h
    assert minutes["side"] == pytest.approx(3.1143 + 0.6, abs=1e-3)  # + 200 m at 20 km/h
    assert minutes["off"] == pytest.approx(3.1143 + 3.0, abs=1e-3)  # + 1 km at 20 km/h
    assert minutes["local"] == pytest.approx(3.6, abs=1e-3)  # 1.2 km straight at 20 km/h
    assert minutes["east"] == pytest.approx(3.1143, abs=1e-3)  # from S2
    assert got["nearest_station"].to_dict()["east"] == "S2"
    assert got["off_road_m"].to_dict()["side"] == pytest.approx(200.0, abs=0.5)


def test_a_closed_road_leaves_only_the_local_streets() -> None:
    c = fc.coverage(_graph(road=False), STATIONS, UNITS)
    assert c.areas["road_km"].tolist() == [0.0, 0.0]
    assert c.units.set_index("unit_id")["covered"].to_dict() == {
        "on": False,
        "side": False,
        "off": False,
        "local": True,
        "both": False,
        "east": False,
    }
    assert c.units.set_index("unit_id")["minutes"]["on"] == pytest.approx(6.228, abs=1e-2)
    assert list(c.outside["unit_id"])[:2] == ["both", "off"]  # farthest first: 5.19, 3.27 km


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="buffer_m"):
        fc.station_areas(_graph(), STATIONS, buffer_m=0)
