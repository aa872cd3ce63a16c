"""The fire page's service on DuckDB and PostgreSQL: its answers, tables, detail and map export
against the adapters' answers on the hand-crafted data (tests/adapter_fixtures.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from adapter_fixtures import NOW

from config import Settings
from data_adapters import fire
from services import fire_page as svc
from services.cache import make_cache
from services.data import DataService
from services.exports import geojson_bytes

D = timedelta(days=1)
A, B = "440802", "440803"


@pytest.fixture
def data(node: Any, tmp_path: Path) -> Any:  # a DataService
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


def test_the_city_view(data: Any, con: Any) -> None:
    v = svc.load(data, NOW - D, NOW, None)
    assert v.coverage.ok, v.coverage.error
    units = svc.unit_rows(v)
    assert set(units["unit_id"]) == set(fire.units(con)["unit_id"])
    # U1 is 1.5 km from F1 and U2 1.5 km from F2: inside their local streets (1.667 km)
    assert dict(zip(units["unit_id"], units["stations"], strict=True)) == {"U1": "F1", "U2": "F2"}
    assert units["covered"].tolist() == [True, True]
    assert list(units["nearest_name"]) == list(
        fire.stations(con).set_index("station_id").loc[list(units["nearest_station"]), "name"]
    )
    u2 = units.set_index("unit_id").loc["U2"]
    assert (u2["alarms"], u2["false_alarms"], u2["real_fires"]) == (3, 1, 1)
    assert u2["fault_rate"] == pytest.approx(0.25)
    inc = svc.incident_rows(v)
    assert list(inc["incident_id"]) == ["FI3", "FI2", "FI1"]  # newest call first
    assert inc.set_index("incident_id")["handling_s"].to_dict() == {"FI1": 60, "FI2": 60, "FI3": 30}
    assert list(svc.incident_rows(v, "F2")["incident_id"]) == ["FI2"]
    assert list(svc.alarm_rows(v)["device_id"]) == list(fire.live_alarms(con, now=NOW)["device_id"])
    assert list(svc.alarm_rows(v, "school")["device_id"]) == ["D2"]
    s = svc.summary(v)
    assert (s["live"], s["incidents"], s["units"], s["outside"]) == (2, 3, 2, 0)
    # alarm rows: D1, D2, D3 ×2, D6, D8; D3's verdict false, D6's real
    assert (s["alarms"], s["false_alarms"], s["real_fires"]) == (6, 1, 1)
    assert s["false_rate"] == pytest.approx(0.5)
    assert s["within_share"] == pytest.approx(2 / 3)
    cats = svc.category_counts(v).set_index("category")
    mall = cats.loc["mall"]
    assert [mall["false_alarms"], mall["real_fires"], mall["unverified"]] == [1, 1, 1]
    assert cats.loc["school", "unverified"] == 3


def test_a_district_and_the_page_filters(data: Any) -> None:
    v = svc.load(data, NOW - D, NOW, B)
    assert list(svc.unit_rows(v)["unit_id"]) == ["U2"]
    assert svc.unit_rows(v, category="school").empty
    assert svc.unit_rows(v, outside_only=True).empty  # U2 is covered
    assert list(svc.incident_rows(v)["incident_id"]) == ["FI2"]
    assert set(svc.areas_in_view(v)["station_id"]) == {"F2"}  # type: ignore[index]
    assert svc.summary(v)["units"] == 1


def test_a_station_and_a_unit_in_detail(data: Any) -> None:
    v = svc.load(data, NOW - D, NOW, A)
    st = svc.detail(data, v, "F1", NOW - D, NOW)
    assert st is not None and st.kind == "station"
    assert list(st.incidents["incident_id"]) == ["FI3", "FI1"]  # type: ignore[index]
    assert st.responses is not None and st.responses["median_s"] == pytest.approx(330)
    assert st.reach is not None and st.reach["units"] == 1
    u = svc.detail(data, v, "U1", NOW - D, NOW)
    assert u is not None and u.kind == "unit" and u.row["name"] == "湛江一中"
    assert u.events is not None and list(u.events.value["device_id"]) == [  # type: ignore[index]
        "D2",
        "D1",
        "D1",
        "D5",
        "D8",
    ]
    assert svc.detail(data, v, "nobody", NOW - D, NOW) is None
    assert svc.entity_place(v, "U1") == (110.36, 21.28)
    assert svc.entity_place(v, "F2") == (110.40, 21.19)
    assert svc.entity_place(v, None) is None and svc.entity_place(v, "nobody") is None
    assert svc.entity_name(data, "F1") == "赤坎消防站"
    assert svc.entity_name(data, "U2") == "万达广场"
    assert svc.entity_name(data, "nobody") is None


def test_the_map_export_is_what_the_map_shows(data: Any) -> None:
    v = svc.load(data, NOW - D, NOW, B)
    doc = json.loads(geojson_bytes(svc.map_features(v)))
    layers = [(f["properties"]["layer"], f["geometry"]["type"]) for f in doc["features"]]
    assert layers == [("reach", "Polygon"), ("unit", "Point")]
    unit = doc["features"][1]
    assert unit["properties"]["unit_id"] == "U2" and unit["geometry"]["coordinates"] == [
        110.41,
        21.2,
    ]


def test_a_dead_data_node_fails_into_values(tmp_path: Path) -> None:
    from data_adapters.node import LakeNode

    empty = LakeNode(tmp_path / "none")
    data: Any = DataService(empty, make_cache(Settings(data_dir=tmp_path, cache_url="null")))
    v = svc.load(data, NOW - D, NOW, None)
    assert not v.coverage.ok and not v.units.ok
    assert svc.unit_rows(v).empty and svc.incident_rows(v).empty and svc.alarm_rows(v).empty
    assert svc.summary(v)["live"] is None
    empty.close()
