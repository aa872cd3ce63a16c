"""The situational map: its deck.gl spec (unit tests) and what a browser draws from it."""

from __future__ import annotations

import base64
import json
import math
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest

from layouts import map_geo
from layouts.map_i18n import MESSAGES, text
from layouts.map_spec import (
    LAND,
    NO_DATA,
    SEA,
    SIGNAL_COLORS,
    TPI_COLORS,
    VESSEL_COLORS,
    WATER_COLORS,
)
from layouts.situation_map import (
    DEFAULT_LAYERS,
    DOMAIN_LAYERS,
    LAYERS,
    MapData,
    build_map,
    click_target,
    map_component,
    map_patch,
    view_for,
)
from tests.browser import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
UTC = "UTC"


def _path(*pts: tuple[float, float]) -> str:
    return json.dumps([list(p) for p in pts])


def _data() -> MapData:
    """A small hand-made city: one of everything the map draws."""
    ts = pd.Timestamp("2025-10-04 06:00", tz=UTC)
    roads = pd.DataFrame(
        {
            "segment_id": ["R1", "R2", "R3", "R4", "R5", "R6"],
            "road_name": ["人民大道", "海滨大道", "椹川大道", "疏港大道", "G325", "海湾大桥"],
            "road_class": [
                "arterial",
                "arterial",
                "arterial",
                "arterial",
                "expressway",
                "arterial",
            ],
            "path": [
                _path((110.369, 21.306), (110.3745, 21.29), (110.38, 21.276)),
                _path((110.39, 21.288), (110.395, 21.272)),
                _path((110.35, 21.305), (110.354, 21.288)),
                _path((110.3995, 21.211), (110.38, 21.213)),
                _path((110.245, 21.245), (110.1, 21.27)),
                _path((110.408, 21.226), (110.45, 21.232)),
            ],
            "tpi": [1.0, 3.0, 5.0, 7.0, 9.123456, None],
            "level": pd.array([1, 2, 3, 4, pd.NA, pd.NA], dtype="Int64"),
        }
    )
    incidents = pd.DataFrame(
        {
            "incident_id": ["T1"],
            "kind": ["accident"],
            "lon": [110.3801],
            "lat": [21.2761],
            "severity": [3],
            "road_name": ["人民大道"],
        }
    )
    events = pd.DataFrame(
        {
            "event_id": ["E1"],
            "kind": ["waterlogging"],
            "level": ["II"],
            "lon": [110.36],
            "lat": [21.2],
            "title": ["霞山区内涝"],
        }
    )
    warnings = pd.DataFrame(
        {
            "identifier": ["W1", "W2"],
            "signal": ["orange", "yellow"],
            "event": ["台风橙色预警信号", "暴雨黄色预警信号"],
            "headline": ["台风橙色预警", None],
            "polygons": [
                json.dumps([[[110.3, 21.0], [110.6, 21.0], [110.6, 21.3], [110.3, 21.3]]]),
                "[]",
            ],
            "adcodes": ["440803,440804", "440825"],
        }
    )
    typhoon = pd.DataFrame(
        {
            "storm_id": ["1522"] * 3,
            "name_zh": ["彩虹"] * 3,
            "name_en": ["Mujigae"] * 3,
            "kind": ["observed", "observed", "forecast"],
            "ts": [ts - pd.Timedelta(hours=6), ts, ts + pd.Timedelta(hours=6)],
            "lon": [111.6, 111.2, 110.5],
            "lat": [20.4, 20.8, 21.25],
            "wind_ms": [38.0, 45.0, 50.0],
        }
    )
    fire_stations = pd.DataFrame(
        {
            "station_id": ["F1"],
            "name": ["赤坎消防站"],
            "kind": ["class1"],
            "lon": [110.365],
            "lat": [21.27],
            "engines": [6],
        }
    )
    fire_alarms = pd.DataFrame(
        {
            "device_id": ["D1", "D2"],
            "unit_id": ["U1", "U1"],
            "unit_name": ["国贸大厦"] * 2,
            "lon": [110.4] * 2,
            "lat": [21.19] * 2,
            "confirmed": pd.array([None, True], dtype="boolean"),
        }
    )
    fire_incidents = pd.DataFrame(
        {
            "incident_id": ["I1"],
            "kind": ["building"],
            "lon": [110.39],
            "lat": [21.22],
            "status": ["on_scene"],
        }
    )
    reaches = pd.DataFrame(
        {
            "reach_id": ["RC1", "RC2"],
            "river_name": ["南渡河", "遂溪河"],
            "reach_name": ["雷州段", "遂城段"],
            "path": [_path((110.0, 20.9), (110.2, 20.92)), _path((110.2, 21.35), (110.25, 21.3))],
        }
    )
    river_stations = pd.DataFrame(
        {
            "station_id": ["S1", "S2", "S3"],
            "name": ["南渡河口", "南渡河中", "遂溪河桥"],
            "reach_id": ["RC1", "RC1", "RC2"],
            "lon": [110.2, 110.1, 110.22],
            "lat": [20.92, 20.91, 21.33],
            "water_class": ["III", "劣V", "II"],
            "target_class": ["III", "III", "III"],
            "meets_target": pd.array([True, False, True], dtype="boolean"),
        }
    )
    vessels = pd.DataFrame(
        {
            "mmsi": [413000001, 413000002, 413000003],
            "name": ["YUE ZHAN YU 1", None, "COSCO A"],
            "vessel_type": ["fishing", "cargo", "container"],
            "registered": pd.array([False, pd.NA, True], dtype="boolean"),
            "lon": [110.5, 110.45, 110.55],
            "lat": [21.05, 21.1, 20.98],
            "sog": [0.2, 12.0, 9.0],
            "cog": [0.0, 315.0, 90.0],
        }
    )
    tails = pd.DataFrame(
        {
            "mmsi": [413000002] * 3,
            "ts": [ts - pd.Timedelta(minutes=m) for m in (20, 10, 0)],
            "lon": [110.47, 110.46, 110.45],
            "lat": [21.08, 21.09, 21.1],
        }
    )
    dark = pd.DataFrame({"track_id": ["T-9"], "lon": [110.6], "lat": [21.0], "speed_kn": [3.0]})
    intrusions = pd.DataFrame(
        {"mmsi": [413000003], "zone_name": ["湛江港锚地"], "rule": ["no_anchoring"]}
    )
    zones = pd.DataFrame(
        {
            "zone_id": ["Z1", "Z2"],
            "name": ["湛江港锚地", "东海岛养殖区"],
            "kind": ["anchorage", "aquaculture"],
            "rule": ["no_fishing", "none"],
            "path": [
                _path((110.5, 21.0), (110.56, 21.0), (110.56, 21.04), (110.5, 21.04)),
                _path((110.45, 20.95), (110.5, 20.95), (110.5, 20.98)),
            ],
        }
    )
    return MapData(
        roads=roads,
        incidents=incidents,
        events=events,
        warnings=warnings,
        typhoon=typhoon,
        fire_stations=fire_stations,
        fire_alarms=fire_alarms,
        fire_incidents=fire_incidents,
        reaches=reaches,
        river_stations=river_stations,
        vessels=vessels,
        tails=tails,
        dark=dark,
        intrusions=intrusions,
        zones=zones,
    )


def _layer(spec: dict[str, Any], id_: str) -> dict[str, Any]:
    found = [lyr for lyr in spec["layers"] if lyr["id"] == id_]
    assert found, f"no layer {id_}; have {[lyr['id'] for lyr in spec['layers']]}"
    return found[0]


def _rows(spec: dict[str, Any], id_: str) -> dict[Any, dict[str, Any]]:
    return {row["id"]: row for row in _layer(spec, id_)["data"]}


# ── the spec ─────────────────────────────────────────────────────────────────────────────────


def test_every_layer_is_drawn_in_order_and_is_plain_json() -> None:
    spec = build_map(_data())
    ids = [lyr["id"] for lyr in spec["layers"]]
    assert {i.split("-", 1)[0] for i in ids} == set(DEFAULT_LAYERS)
    assert ids.index("base-land") == 0 and ids[-2:] == ["districts-label", "typhoon-label"]
    assert ids.index("roads-segments") < ids.index("vessels-ships") < ids.index("fire-marks")
    assert json.loads(json.dumps(spec)) == spec  # no numpy or pandas values inside
    assert spec["views"] == [{"@@type": "MapView", "controller": True}]
    assert "mapStyle" not in spec and "mapboxKey" not in json.dumps(spec)
    for lyr in spec["layers"]:  # geometry is local: assets or inline data, never a remote URL
        assert not str(lyr["data"]).startswith("http")


def test_toggles_choose_the_layers_and_unknown_ids_fail() -> None:
    spec = build_map(_data(), layers=["roads", "vessels"])
    assert {lyr["id"] for lyr in spec["layers"]} == {
        "roads-segments",
        "vessels-tails",
        "vessels-ships",
        "vessels-flags",
        "vessels-dark",
    }
    assert build_map(_data(), layers=[])["layers"] == []
    with pytest.raises(ValueError, match="unknown map layers"):
        build_map(_data(), layers=["roads", "weather"])
    assert set(DOMAIN_LAYERS["radar"]) <= set(DEFAULT_LAYERS)


def test_roads_are_coloured_by_gbt_33171_level() -> None:
    roads = _rows(build_map(_data(), layers=["roads"]), "roads-segments")
    for seg, level in (("R1", 1), ("R2", 2), ("R3", 3), ("R4", 4), ("R5", 5)):
        assert roads[seg]["c"] == TPI_COLORS[level]
    assert roads["R6"]["c"] == NO_DATA  # no reading
    assert TPI_COLORS[1][1] > TPI_COLORS[1][0] and TPI_COLORS[5] == [200, 0, 25]  # green → dark red
    assert "严重拥堵" in roads["R5"]["tip"] and "9.1" in roads["R5"]["tip"]
    assert roads["R5"]["w"] > roads["R1"]["w"]  # expressway, severely congested
    assert all(len(str(x).split(".")[-1]) <= 5 for p in roads["R1"]["path"] for x in p)


def test_rivers_take_the_worst_class_of_their_stations() -> None:
    spec = build_map(_data(), layers=["rivers"], lang="en")
    sections, stations = _rows(spec, "rivers-sections"), _rows(spec, "rivers-stations")
    assert sections["RC1"]["c"] == WATER_COLORS["劣V"] == [255, 35, 35]
    assert sections["RC2"]["c"] == WATER_COLORS["II"]
    assert stations["S2"]["l"] == [255, 40, 40] and "below target" in stations["S2"]["tip"]
    assert stations["S1"]["c"] == WATER_COLORS["III"] and stations["S1"]["l"] == [255, 255, 255]
    blue, green, yellow = WATER_COLORS["I"], WATER_COLORS["III"], WATER_COLORS["IV"]
    assert blue[2] > blue[0] and green[1] > green[0] and yellow[0] > yellow[2]


def test_warnings_are_coloured_by_signal() -> None:
    spec = build_map(_data(), layers=["warnings"])
    (area,) = _layer(spec, "warnings-areas")["data"]
    assert area["id"] == "W1" and area["l"] == SIGNAL_COLORS["orange"]
    by_code = _layer(spec, "warnings-districts")  # W2 has no polygon: its districts are tinted
    assert by_code["visible"] is True and "id === '440825'" in by_code["getFillColor"]
    assert json.dumps(SIGNAL_COLORS["yellow"] + [100]) in by_code["getFillColor"]
    quiet = build_map(MapData(), layers=["warnings"])
    assert _layer(quiet, "warnings-districts")["visible"] is False


def test_vessels_dark_targets_and_flags() -> None:
    spec = build_map(_data(), layers=["vessels"])
    ships = _rows(spec, "vessels-ships")
    assert ships[413000001]["c"] == VESSEL_COLORS["fishing"]
    assert ships[413000001]["i"] == "dot"  # drifting at 0.2 kn
    assert ships[413000002]["i"] == "ship" and ships[413000002]["a"] == 45  # NW: 45° left
    assert ships[413000003]["a"] == 270  # east
    assert "413000002" in ships[413000002]["tip"]  # no name: its MMSI
    flags = {tuple(f["p"]): f["c"] for f in _layer(spec, "vessels-flags")["data"]}
    assert flags == {
        (110.5, 21.05): [255, 230, 0],  # unregistered
        (110.55, 20.98): [255, 40, 40],
    }  # breaking a zone rule
    atlas = _layer(spec, "vessels-ships")
    assert atlas["iconAtlas"] == "/assets/geo/map-icons.svg"
    assert set(atlas["iconMapping"]) == {"ship", "dot"}
    assert (map_geo.GEO_DIR / "map-icons.svg").is_file()
    (tail,) = _layer(spec, "vessels-tails")["data"]
    assert tail["path"][0] == [110.47, 21.08] and tail["path"][-1] == [110.45, 21.1]
    (dark,) = _layer(spec, "vessels-dark")["data"]
    assert dark["id"] == "T-9" and "无AIS" in dark["tip"]


def test_the_typhoon_track_observed_then_forecast() -> None:
    spec = build_map(_data(), layers=["typhoon"])
    observed, forecast = _layer(spec, "typhoon-track")["data"]
    assert observed["path"] == [[111.6, 20.4], [111.2, 20.8]]
    assert forecast["path"] == [[111.2, 20.8], [110.5, 21.25]]  # from the latest fix on
    points = _layer(spec, "typhoon-points")["data"]
    assert "实况 10-04 14:00" in points[1]["tip"]  # Beijing time
    assert points[0]["c"] == [255, 135, 0] and points[1]["c"] == [255, 80, 200]  # TY 38, STY 45 m/s
    assert _layer(spec, "typhoon-label")["data"][0]["p"] == [111.2, 20.8]


def test_chinese_labels_bring_their_characters() -> None:
    spec = build_map(_data(), layers=["districts", "typhoon", "fire"])
    labels = _layer(spec, "districts-label")
    assert {r["t"] for r in labels["data"]} >= {"赤坎区", "徐闻县", "廉江市"}
    assert set("赤坎区徐闻县廉江市") <= set(labels["characterSet"])
    assert "WenQuanYi Micro Hei" in labels["fontFamily"]
    assert set("彩虹") <= set(_layer(spec, "typhoon-label")["characterSet"])
    marks = _rows(spec, "fire-marks")
    assert (marks["F1"]["i"], marks["U1"]["i"], marks["I1"]["i"]) == ("square", "flame", "star")
    assert marks["U1"]["c"] == [255, 40, 40] and "×2" in marks["U1"]["tip"]  # one confirmed
    english = build_map(_data(), layers=["districts"], lang="en")
    assert "Chikan" in {r["t"] for r in _layer(english, "districts-label")["data"]}


def test_every_pickable_row_has_an_id_and_a_tooltip_last() -> None:
    spec = build_map(_data())
    for lyr in spec["layers"]:
        if lyr.get("pickable") and isinstance(lyr["data"], list):
            for row in lyr["data"]:
                assert row["id"] is not None and list(row)[-1] == "tip", (lyr["id"], row)


def test_every_icon_is_in_the_atlas() -> None:
    spec = build_map(_data())
    icon_layers = [lyr for lyr in spec["layers"] if lyr["@@type"] == "IconLayer"]
    assert {lyr["id"] for lyr in icon_layers} >= {"vessels-ships", "fire-marks", "vessels-flags"}
    for lyr in icon_layers:
        assert lyr["iconAtlas"].endswith("/map-icons.svg") and lyr["getIcon"] == "@@=i"
        assert lyr["data"], lyr["id"]
        for row in lyr["data"]:
            assert row["i"] in lyr["iconMapping"], (lyr["id"], row)


def test_missing_columns_fail_clearly_and_empty_frames_draw_nothing() -> None:
    with pytest.raises(ValueError, match=r"MapData.vessels lacks columns \['lat'\]"):
        build_map(MapData(vessels=pd.DataFrame({"mmsi": [1], "lon": [110.0]})))
    spec = build_map(MapData())
    assert all(
        lyr["data"] == []
        for lyr in spec["layers"]
        if isinstance(lyr["data"], list) and lyr["id"] != "districts-label"
    )


def _fits(view: dict[str, Any], bounds: tuple[float, ...], size: tuple[int, int]) -> bool:
    scale = 512 * 2 ** view["zoom"]

    def px(lon: float, lat: float) -> tuple[float, float]:
        merc = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        merc0 = math.log(math.tan(math.pi / 4 + math.radians(view["latitude"]) / 2))
        return (
            size[0] / 2 + (lon - view["longitude"]) / 360 * scale,
            size[1] / 2 - (merc - merc0) / (2 * math.pi) * scale,
        )

    (x0, y0), (x1, y1) = px(bounds[0], bounds[3]), px(bounds[2], bounds[1])
    return 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 1080), (1280, 720), (1000, 1000)])
def test_the_city_fits_every_canvas_and_a_district_fills_it(size: tuple[int, int]) -> None:
    city = view_for(None, size)
    assert _fits(city, map_geo.city_bounds(), size)
    assert not _fits({**city, "zoom": city["zoom"] + 0.2}, map_geo.city_bounds(), size)
    for d in map_geo.districts():
        view = view_for(d.adcode, size)
        assert _fits(view, d.bounds, size) and view["zoom"] > city["zoom"]
    spec = build_map(_data(), focus="440802", size=size)
    assert spec["initialViewState"] == view_for("440802", size)
    assert "'440802'" in _layer(spec, "districts-fill")["getFillColor"]
    with pytest.raises(KeyError):
        build_map(_data(), focus="110000")


def test_click_info_becomes_a_selection() -> None:
    def info(layer: str, obj: dict[str, Any] | None) -> dict[str, Any]:
        return {"picked": obj is not None, "layer": layer, "object": obj, "index": 0}

    assert click_target(
        info(
            "ScatterplotLayer({id: 'vessels-ships'})",
            {"id": 413000001, "p": [110.5, 21.05], "tip": "x"},
        )
    ) == {"kind": "vessel", "id": 413000001, "domain": "radar"}
    district = {"type": "Feature", "id": "440804", "tip": "坡头区 Potou", "properties": {}}
    assert click_target(info("GeoJsonLayer({id: 'districts-fill'})", district)) == {
        "kind": "district",
        "id": "440804",
        "domain": None,
    }
    assert (
        click_target(info("TextLayer({id: 'fire-marks'})", {"id": "U1", "k": "fire_unit"}))["kind"]
        == "fire_unit"
    )
    assert (
        click_target(info("PathLayer({id: 'rivers-sections'})", {"id": "RC1"}))["kind"] == "section"
    )
    assert click_target(info("PathLayer({id: 'vessels-tails'})", {"path": []})) is None
    assert click_target(info("GeoJsonLayer({id: 'base-land'})", {"id": "440800"})) is None
    assert click_target({"picked": False, "layer": None, "object": None}) is None
    assert click_target(None) is None


def test_a_selection_is_ringed() -> None:
    spec = build_map(_data(), selected={"kind": "vessel", "id": 413000002})
    assert _layer(spec, "selection-ring")["data"] == [{"p": [110.45, 21.1]}]
    spec = build_map(_data(), selected={"kind": "section", "id": "RC2"})
    assert _layer(spec, "selection-path")["data"][0]["path"][0] == [110.2, 21.35]
    spec = build_map(_data(), selected={"kind": "warning", "id": "W1"})
    assert len(_layer(spec, "selection-area")["data"]) == 1
    spec = build_map(_data(), selected={"kind": "district", "id": "440883"})
    assert spec["initialViewState"] == view_for("440883")
    assert not any(
        lyr["id"].startswith("selection")
        for lyr in build_map(_data(), selected={"kind": "vessel", "id": 1})["layers"]
    )


def test_a_live_patch_carries_only_the_changed_layers() -> None:
    spec = build_map(_data())
    patch = map_patch(spec, {"vessels"}).to_plotly_json()
    ops = patch["operations"]
    assert {op["location"][-1] for op in ops} == {
        i for i, lyr in enumerate(spec["layers"]) if lyr["id"].startswith("vessels-")
    }
    assert len(json.dumps(ops)) < len(json.dumps(spec)) / 2
    no_storm = build_map(MapData())  # layers keep their places with or without data
    assert [lyr["id"] for lyr in no_storm["layers"]] == [lyr["id"] for lyr in spec["layers"]]


def test_component_and_catalog() -> None:
    box = map_component("wall-map", build_map(_data()))
    deck = box.children
    assert deck.id == "wall-map" and deck.enableEvents == ["click"]
    assert deck.tooltip["text"] == "{tip}" and "html" not in deck.tooltip
    assert not getattr(deck, "mapboxKey", None)
    for info in LAYERS:
        zh, en = MESSAGES[info.key]
        assert zh and en and text(info.key, "en") == en
    assert text("map.water_class", "zh", "III") == "III类"


def test_geo_assets_are_in_step_with_the_reference(tmp_path: Path) -> None:
    written = map_geo.build_geo_assets(out=tmp_path)
    for path in written:
        assert path.read_bytes() == (map_geo.GEO_DIR / path.name).read_bytes(), path.name
    assert [d.adcode for d in map_geo.districts()] == sorted(d.adcode for d in map_geo.districts())
    assert len(map_geo.districts()) == 9
    west, south, east, north = map_geo.city_bounds()
    assert 109.5 < west < 109.8 and 20.1 < south < 20.3 and 110.9 < east < 111.1
    assert 21.9 < north < 22.1


# ── in a real browser ───────────────────────────────────────────────────────────────────────


_DECODE_PNG = """async (b64) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let s = '';
  for (let i = 0; i < d.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
  }
  return [c.width, c.height, btoa(s)];
}"""


def _rgb(decoder: Any, png: bytes) -> np.ndarray:
    """The RGB pixels of a screenshot, decoded by the browser itself (on a page of its own, so the
    decoding is not counted among the map's requests)."""
    w, h, b64 = decoder.evaluate(_DECODE_PNG, base64.b64encode(png).decode())
    rgba = np.frombuffer(base64.b64decode(b64), dtype=np.uint8).reshape(h, w, 4)
    return rgba[:, :, :3].astype(np.int32)


def _browser_data() -> MapData:
    """The hand-made city plus the simulated road network, congested around the urban core."""
    from simulator.base import Scale
    from simulator.roads import segments

    base = _data()
    roads = segments(Scale.DEMO)[["segment_id", "road_name", "road_class", "path"]].copy()
    rng = np.random.default_rng(7)
    roads["tpi"] = np.clip(rng.gamma(2.0, 1.4, len(roads)), 0, 10)
    rows = {f: getattr(base, f) for f in MapData.__dataclass_fields__}
    rows["roads"] = roads
    return MapData(**rows)


def _seeded_data(data_dir: Path) -> MapData:
    """The frames of a seeded data node, read by the adapters as docs/adapters.md lists them."""
    from data_adapters import emergency, fire, radar, river, traffic
    from data_adapters.node import LakeNode

    node = LakeNode(data_dir)
    con = node.backend()
    now = datetime.fromisoformat(json.loads((data_dir / "seed.json").read_text())["anchor"])
    data = MapData(
        roads=traffic.segment_state(con, now=now),
        incidents=traffic.incidents(con, now=now),
        events=emergency.events(con, now=now),
        warnings=emergency.warnings_in_force(con, now=now),
        typhoon=emergency.typhoon_track(con, now=now),
        fire_stations=fire.stations(con),
        fire_alarms=fire.live_alarms(con, now=now),
        fire_incidents=fire.incidents(con, now=now),
        reaches=river.reaches(con),
        river_stations=river.stations_latest(con, now=now),
        vessels=radar.vessel_positions(con, now=now),
        tails=radar.tails(con, now=now, lookback=timedelta(minutes=10)),
        dark=radar.dark_targets(con, now=now),
        intrusions=radar.zone_intrusions(con, now=now),
        zones=radar.zones(con),
    )
    node.close()
    return data


def _app(data: MapData) -> Any:
    import dash
    from dash import Input, Output, dcc, html

    app = dash.Dash(
        __name__, assets_folder=str(ROOT / "assets"), assets_ignore=r".*\.(js|css)$"
    )  # only the geo files, none of the wall's code
    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            html.Div(
                map_component("map", build_map(MapData(), layers=[])),
                id="box",
                style={"width": "1600px", "height": "900px"},
            ),
            html.Pre(id="sel"),
        ],
        style={"margin": 0},
    )

    @app.server.after_request
    def _csp(response: Any) -> Any:
        # No external origin and no eval; Dash's bootstrap needs inline scripts, deck.gl decodes
        # its icon atlas through a data: image.
        response.headers["Content-Security-Policy"] = CSP
        return response

    @app.callback(Output("map", "data"), Output("box", "style"), Input("url", "search"))
    def _show(search: str | None) -> tuple[dict[str, Any], dict[str, str]]:
        q = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items()}
        w, h = int(q.get("w", 1600)), int(q.get("h", 900))
        spec = build_map(data, focus=q.get("focus"), lang=q.get("lang", "zh"), size=(w, h))
        return spec, {"width": f"{w}px", "height": f"{h}px"}

    @app.callback(Output("sel", "children"), Input("map", "clickInfo"), prevent_initial_call=True)
    def _select(info: dict[str, Any] | None) -> str:
        return json.dumps(click_target(info), ensure_ascii=False)

    return app


@contextmanager
def _serving(data: MapData) -> Iterator[str]:
    from werkzeug.serving import make_server

    srv = make_server("127.0.0.1", 0, _app(data).server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()


def _project(
    view: dict[str, Any], size: tuple[int, int], lon: float, lat: float
) -> tuple[int, int]:
    scale = 512 * 2 ** view["zoom"]
    merc = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    merc0 = math.log(math.tan(math.pi / 4 + math.radians(view["latitude"]) / 2))
    return (
        round(size[0] / 2 + (lon - view["longitude"]) / 360 * scale),
        round(size[1] / 2 - (merc - merc0) / (2 * math.pi) * scale),
    )


CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; worker-src 'self'"
)


def _check_drawing(
    name: str, pixels: np.ndarray, size: tuple[int, int], focus: str | None, plain: bool = True
) -> None:
    """The canvas shows the city: much drawn, land lighter than sea (and land-coloured where no
    warning tints it: `plain`), 遂溪县's name written."""
    w, h = size
    assert pixels.shape[:2] == (h, w)
    drawn = np.any(np.abs(pixels - np.array(SEA)) > 6, axis=2)
    assert drawn.mean() > (0.15 if focus else 0.08), f"{name}: {drawn.mean():.3f} drawn"
    view = view_for(focus, size)
    patches = []
    for lon, lat in ((109.85, 20.75), (109.5, 20.6)):  # in 雷州, in the Beibu Gulf
        x, y = _project(view, size, lon, lat)
        if 3 <= x < w - 3 and 3 <= y < h - 3:
            patches.append(pixels[y - 3 : y + 3, x - 3 : x + 3].reshape(-1, 3).mean(axis=0))
    if len(patches) == 2:
        land, sea = patches
        assert np.abs(sea - np.array(SEA)).max() < 4, f"{name}: sea is {sea}"
        assert land.sum() > sea.sum() + 40, f"{name}: land {land} vs sea {sea}"
        assert not plain or np.abs(land - np.array(LAND)).max() < 40, f"{name}: land is {land}"
    x, y = _project(view, size, *map_geo.district("440823").label)
    if 30 <= x < w - 30 and 15 <= y < h - 15:  # bright glyphs on the label's dark plate
        bright = np.all(pixels[y - 12 : y + 12, x - 28 : x + 28] > 200, axis=2).sum()
        assert bright > 20, f"{name}: the label of 遂溪县 is not drawn ({bright} bright pixels)"


def _click_a_ship(page: Any, size: tuple[int, int]) -> None:
    """Hovering a ship shows its tooltip; clicking it selects it through a Dash callback (so
    dash-deck's clickInfo survives serialisation)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.bring_to_front()  # the decoder page had the focus: a hidden page defers its frames
    x, y = _project(view_for(None, size), size, 110.45, 21.1)
    box = page.locator("canvas#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + x, box["y"] + y)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    assert tooltip.inner_text().split("\n")[:2] == ["413000002", "货船 · 12.0 节"]
    # deck.gl picks synchronously on pointer-down; in software WebGL on a busy machine that can
    # outlast the 250 ms a press may take to count as a click, so a click that did not register
    # is repeated, each time after a longer pause for the renderer to settle.
    for attempt in range(8):
        page.wait_for_timeout(300 + 200 * attempt)
        page.mouse.click(box["x"] + x, box["y"] + y)
        try:
            page.wait_for_function(
                "() => document.querySelector('#sel').textContent.length > 0", timeout=4_000
            )
            break
        except PlaywrightTimeout:
            continue
    assert json.loads(page.locator("#sel").text_content() or "null") == {
        "kind": "vessel",
        "id": 413000002,
        "domain": "radar",
    }


@contextmanager
def _chromium() -> Iterator[tuple[Any, Any, list[str], list[str]]]:
    """A headless Chromium page (with a second page to decode screenshots), the URLs it
    requested and the errors it logged."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium at /usr/bin/chromium (make system-deps)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1980, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            yield page, browser.new_page(), requests, errors
        finally:
            browser.close()


def _show(page: Any, url: str, size: tuple[int, int], shot: str) -> bytes:
    """Load the map at `url`, wait until its assets are in and it is drawn, screenshot it."""
    page.bring_to_front()
    page.goto(url, wait_until="networkidle")
    w, h = size
    page.wait_for_function(
        f"() => {{ const c = document.querySelector('canvas#map');"
        f" return c && c.clientWidth === {w} && c.clientHeight === {h}; }}",
        timeout=15_000,
    )
    page.wait_for_load_state("networkidle")  # the GeoJSON and the icon atlas are in
    page.wait_for_timeout(400)
    png: bytes = page.locator("canvas#map").screenshot(path=str(SHOTS / shot))
    return png


def _only_local(requests: list[str], errors: list[str], server: str) -> None:
    hosts = {r.split("/")[2] for r in requests if r.startswith("http")}
    assert hosts == {server.split("/")[2]}, hosts
    assert not [r for r in requests if not r.startswith(server)]
    assert errors == []


@pytest.mark.browser
def test_the_map_draws_offline_in_chromium() -> None:
    cases = [
        ("city_16x9", (1600, 900), None, "zh"),
        ("city_32x9", (1920, 540), None, "zh"),
        ("focus_chikan_en", (1280, 720), "440802", "en"),
    ]
    with _serving(_browser_data()) as server, _chromium() as (page, decoder, requests, errors):
        for name, (w, h), focus, lang in cases:
            query = f"?w={w}&h={h}&lang={lang}" + (f"&focus={focus}" if focus else "")
            png = _show(page, server + "/" + query, (w, h), f"situation_map_{name}.png")
            _check_drawing(name, _rgb(decoder, png), (w, h), focus)
            if name == "city_16x9":
                _click_a_ship(page, (w, h))
        _only_local(requests, errors, server)


@pytest.mark.browser
def test_a_seeded_city_draws_in_chromium(tmp_path: Path) -> None:
    """`python -m brain seed` builds a city; the adapters read it; the map draws all of it."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "brain",
            "seed",
            "--scale",
            "test",
            "--data-dir",
            str(tmp_path),
            "--now",
            "2026-11-24T21:00:00+00:00",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    data = _seeded_data(tmp_path)
    spec = build_map(data, size=(1600, 900))
    drawn = {lyr["id"] for lyr in spec["layers"] if lyr["data"]}
    assert {
        "roads-segments",
        "rivers-sections",
        "vessels-ships",
        "fire-marks",
        "zones-areas",
    } <= drawn
    with _serving(data) as server, _chromium() as (page, decoder, requests, errors):
        png = _show(page, server + "/?w=1600&h=900", (1600, 900), "situation_map_seeded.png")
        _check_drawing("seeded", _rgb(decoder, png), (1600, 900), None, plain=False)
        _only_local(requests, errors, server)


def test_map_and_panels_colour_each_class_alike() -> None:
    from layouts import theme
    from layouts.map_spec import EVENT_LEVEL_COLORS, rgb

    assert rgb("#ff8700") == [255, 135, 0]
    pairs = [
        (WATER_COLORS, theme.WATER_CLASS_COLORS),
        (TPI_COLORS, theme.TPI_COLORS),
        (SIGNAL_COLORS, theme.SIGNAL_COLORS),
        (EVENT_LEVEL_COLORS, theme.WARNING_LEVEL_COLORS),
    ]
    for on_map, in_panels in pairs:
        assert set(on_map) == set(in_panels)
        for cls, colour in in_panels.items():
            assert on_map[cls] == rgb(colour), cls
    classes = list(theme.WATER_CLASS_COLORS)  # I-II blue, III green, IV yellow, V orange, 劣V red
    blue, green, red = rgb("#1e6eff"), WATER_COLORS["III"], WATER_COLORS[classes[-1]]
    assert blue[2] > blue[0] and green[1] > max(green[0], green[2]) and red[0] > 200 > red[1]
