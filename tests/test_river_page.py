"""River page: class bands, the chain of river chiefs, class counts (hand-worked cases), and the
page's adapter queries on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW

from brain.river_page import (
    Band,
    Chief,
    chief_chains,
    class_bands,
    class_counts,
    patrol_minutes,
    patrol_speed_kmh,
    reach_coverage,
)
from config import Settings
from data_adapters import river
from services import river_page as svc
from services.cache import make_cache
from services.data import DataService
from services.exports import geojson_bytes

D = timedelta(days=1)


def test_class_bands_of_a_ceiling_parameter() -> None:
    assert class_bands("NH3N") == [
        Band("I", 0.0, 0.15),
        Band("II", 0.15, 0.5),
        Band("III", 0.5, 1.0),
        Band("IV", 1.0, 1.5),
        Band("V", 1.5, 2.0),
        Band("劣V", 2.0, math.inf),
    ]
    assert class_bands("TP", top=1.0)[-1] == Band("劣V", 0.4, 1.0)
    # a top below the V limit leaves 劣V without a band
    assert [b.water_class for b in class_bands("TP", top=0.3)] == ["I", "II", "III", "IV", "V"]


def test_class_bands_skip_a_shared_limit() -> None:
    # COD: I and II share 15 mg/L, so class II has no band of its own
    assert [(b.water_class, b.lo, b.hi) for b in class_bands("COD", top=60)] == [
        ("I", 0.0, 15.0),
        ("III", 15.0, 20.0),
        ("IV", 20.0, 30.0),
        ("V", 30.0, 40.0),
        ("劣V", 40.0, 60.0),
    ]


def test_class_bands_of_dissolved_oxygen_run_downwards() -> None:
    assert class_bands("DO", top=12) == [
        Band("I", 7.5, 12.0),
        Band("II", 6.0, 7.5),
        Band("III", 5.0, 6.0),
        Band("IV", 3.0, 5.0),
        Band("V", 2.0, 3.0),
        Band("劣V", 0.0, 2.0),
    ]
    assert class_bands("DO")[0] == Band("I", 7.5, math.inf)


def test_class_bands_reject_an_unknown_parameter() -> None:
    with pytest.raises(ValueError, match="unknown water-quality parameter 'pH'"):
        class_bands("pH")


def _link(rid: str, above: int, cid: str, name: str, level: str, ad: str) -> dict[str, Any]:
    return dict(reach_id=rid, above=above, chief_id=cid, name=name, level=level, adcode=ad)


def test_chief_chains_put_the_highest_first() -> None:
    rows = [  # as the stored chains come, in any order
        _link("R3", 0, "C3", "丙", "镇", "440881"),
        _link("R1", 0, "C1", "甲", "市", "440800"),
        _link("R3", 2, "C1", "甲", "市", "440800"),
        _link("R3", 1, "C2", "乙", "县", "440881"),
        _link("R7", 0, "C7", "庚", "村", "440803"),
    ]
    chains = chief_chains(rows)
    names = {rid: [(c.level, c.name) for c in chain] for rid, chain in chains.items()}
    assert names == {
        "R1": [("市", "甲")],
        "R3": [("市", "甲"), ("县", "乙"), ("镇", "丙")],
        "R7": [("村", "庚")],
    }
    assert chains["R3"][1] == Chief("县", "乙", "C2", "440881")
    assert chief_chains([]) == {}


def test_chief_chains_reject_an_unknown_level() -> None:
    with pytest.raises(ValueError, match="C1: level '省'"):
        chief_chains([_link("R1", 0, "C1", "甲", "省", "440800")])


# 20 m east of a meridian at 21° N, in degrees of longitude (the figures reach_coverage uses)
_EAST_20M = 20 / (111_320 * math.cos(math.radians(21.0025)))


def test_reach_coverage_by_hand() -> None:
    reach = [(110.0, 21.0), (110.0, 21.01)]  # 1,105.7 m north
    half = [(110.0 + _EAST_20M, 21.0), (110.0 + _EAST_20M, 21.005)]  # its first half, 20 m off
    # covered: the 552.85 m beside the track and, past its end, the 50 m circle round the end
    # cuts the reach sqrt(50² - 20²) = 45.83 m further
    want = (552.85 + math.sqrt(50**2 - 20**2)) / 1105.7
    got = reach_coverage({"A": reach}, [half])
    assert got["A"] == pytest.approx(want, abs=0.003)
    twice = reach_coverage({"A": reach}, [half, half[::-1]])  # the same stretch twice: once
    assert twice["A"] == pytest.approx(got["A"], abs=1e-6)
    far = [(110.0 + 4 * _EAST_20M, 21.0), (110.0 + 4 * _EAST_20M, 21.01)]  # 80 m off: none
    assert reach_coverage({"A": reach}, [far])["A"] == 0.0
    whole = reach_coverage({"A": reach, "B": [(110.0, 21.02), (110.0, 21.03)]}, [half, reach])
    assert whole == {"A": pytest.approx(1.0), "B": 0.0}
    assert reach_coverage({"A": reach}, []) == {"A": 0.0}
    assert reach_coverage({"A": reach}, [[(110.0, 21.005)]])["A"] == pytest.approx(
        100 / 1105.7, abs=0.003
    )


def test_patrol_minutes_and_speed() -> None:
    start = NOW
    assert patrol_minutes(start, start + timedelta(minutes=89, seconds=31)) == 90
    assert patrol_speed_kmh(6.0, start, start + timedelta(hours=1, minutes=30)) == 4.0
    assert patrol_speed_kmh(6.0, start, start) is None
    assert patrol_speed_kmh(None, start, start + D) is None


def test_class_counts() -> None:
    assert class_counts(["II", "III", None, "III", "劣V"]) == {
        "I": 0,
        "II": 1,
        "III": 2,
        "IV": 0,
        "V": 0,
        "劣V": 1,
    }
    with pytest.raises(ValueError, match="'VI' is not"):
        class_counts(["VI"])


def test_reach_patrols(con: Any) -> None:
    p = river.reach_patrols(con, start=NOW - 7 * D, end=NOW).set_index("reach_id")
    assert list(p.index) == ["RR1", "RR2", "RR3"]  # every reach, patrolled or not
    assert (p.loc["RR1", "patrols"], p.loc["RR1", "distance_km"]) == (2, pytest.approx(7.0))
    assert p.loc["RR1", "last_ts"] == pd.Timestamp(NOW - D)
    assert (p.loc["RR2", "patrols"], p.loc["RR2", "distance_km"]) == (0, 0.0)  # 8 days ago
    assert pd.isna(p.loc["RR2", "last_ts"])
    assert p.loc["RR1", "chief_level"] == "县"
    wide = river.reach_patrols(con, start=NOW - 9 * D, end=NOW, adcode="440802")
    assert list(wide["reach_id"]) == ["RR2"] and int(wide["patrols"].iloc[0]) == 1
    # the same figures as the district coverage
    cov = river.patrol_coverage(con, start=NOW - 7 * D, end=NOW).set_index("adcode")
    assert int(cov.loc["440800", "patrolled"]) == int((p["patrols"] > 0).sum())


def test_reach_patrols_list(con: Any) -> None:
    p = river.reach_patrols_list(con, reach_id="RR1", start=NOW - 7 * D, end=NOW)
    assert list(p["patrol_id"]) == ["PA2", "PA1"]  # newest first
    assert list(p["distance_km"]) == [4.0, 3.0]
    since = NOW - D + timedelta(seconds=1)
    assert river.reach_patrols_list(con, reach_id="RR1", start=since, end=NOW).empty
    assert river.reach_patrols_list(con, reach_id="RR9", start=NOW - 7 * D, end=NOW).empty


@pytest.fixture
def data(node: Any, tmp_path: Path) -> Any:
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


def test_the_page_view_and_its_tables(data: Any, con: Any) -> None:
    v = svc.load(data, NOW - 7 * D, NOW, None)
    assert all(getattr(v, f).ok for f in v.__dataclass_fields__)
    rows = svc.sections_rows(v)
    assert list(rows["station_id"]) == ["WS1", "WS2", "WS3"]  # what the adapter answers
    pd.testing.assert_frame_equal(
        rows[["station_id", "water_class"]],
        river.stations_latest(con, now=NOW)[["station_id", "water_class"]],
    )
    assert list(svc.sections_rows(v, below=True)["station_id"]) == ["WS2", "WS3"]
    assert list(svc.sections_rows(v, "劣V")["station_id"]) == ["WS3"]
    assert svc.sections_rows(v, "I").empty
    assert svc.counts(v) == {"I": 0, "II": 0, "III": 1, "IV": 0, "V": 1, "劣V": 1}
    s = svc.summary(v, None)
    assert (s["sections"], s["meeting"], s["worse_than_v"]) == (3, 1, 1)
    assert (s["reaches"], s["patrolled"], s["patrol_km"]) == (3, 1, pytest.approx(7.0))
    # problems reported in the 7 days (P2) and still open (P2, P3): closure over the reported
    assert list(svc.problem_rows(v)["problem_id"]) == ["P2", "P3"]
    assert (s["reported"], s["closed"], s["closure_rate"]) == (1, 0, 0.0)
    assert list(svc.problem_rows(v, "RR3")["problem_id"]) == ["P3"]
    assert list(svc.reach_rows(v)["patrols"]) == [2, 0, 0]
    paths = svc.reach_paths(v)
    assert list(paths["reach_id"]) == ["RR1", "RR2", "RR3"] and paths["path"].notna().all()


def test_a_district_view(data: Any) -> None:
    v = svc.load(data, NOW - 30 * D, NOW, "440803")
    assert list(svc.sections_rows(v)["station_id"]) == ["WS3"]
    assert list(svc.reach_rows(v)["reach_id"]) == ["RR3"]
    s = svc.summary(v, "440803")
    assert (s["sections"], s["meeting"]) == (1, 0)
    assert s["reported"] == 0 and s["closure_rate"] is None  # no problem: no rate


def test_a_section_detail(data: Any) -> None:
    v = svc.load(data, NOW - 7 * D, NOW, None)
    d = svc.detail(data, v, "WS1", NOW - 7 * D, NOW)
    assert d.station is not None and d.station["reach_id"] == "RR1"
    assert list(d.history.value["water_class"]) == ["V", "III"]  # NOW - 4 h, NOW - 1 h
    assert [(c.level, c.name) for c in d.chiefs] == [("市", "赵一"), ("县", "张三")]  # stored
    assert list(d.patrols.value["patrol_id"]) == ["PA2", "PA1"]
    assert list(d.tracks.value["patrol_id"]) == ["PA1", "PA1", "PA1", "PA2", "PA2"]
    assert d.patrol is None
    chosen = svc.detail(data, v, "WS1", NOW - 7 * D, NOW, patrol="PA1").patrol
    assert chosen is not None and chosen["distance_km"] == 3.0
    assert svc.detail(data, v, "WS1", NOW - 7 * D, NOW, patrol="PA3").patrol is None  # not RR1's
    assert d.problems.empty  # P1 was closed before the range
    missing = svc.detail(data, v, "WS9", NOW - 7 * D, NOW)
    assert missing.station is None and missing.chiefs == [] and missing.history.value.empty
    assert svc.station_name(data, "WS1") == "WS1断面"
    assert svc.station_name(data, "WS9") is None


def test_map_features_are_the_rows_on_screen(data: Any) -> None:
    v = svc.load(data, NOW - 7 * D, NOW, None)
    g = svc.map_features(v, below=True)
    assert list(g.loc[g["kind"] == "section", "station_id"]) == ["WS2", "WS3"]
    assert list(g.loc[g["kind"] == "reach", "reach_id"]) == ["RR1", "RR2", "RR3"]
    assert set(g.geom_type) == {"Point", "LineString"}
    assert g.crs.to_epsg() == 4326
    out = json.loads(geojson_bytes(g))  # what the page exports: valid GeoJSON, times as text
    assert len(out["features"]) == 5
    assert out["features"][0]["properties"]["ts"].startswith("2024-07-15")


def test_the_figures(data: Any) -> None:
    from layouts.river_charts import class_figure, history_figure, map_figure

    v = svc.load(data, NOW - 7 * D, NOW, None)
    sections = svc.sections_rows(v)
    fig = map_figure(sections, svc.reach_paths(v), v.compliance.value, "440802", "zh", "/g.json")
    assert fig["layout"]["map"]["style"] == "white-bg"
    choropleth = fig["data"][0]
    assert choropleth["locations"] == ["440802", "440803", "440882"]  # not the city row
    assert choropleth["z"] == [0.0, 0.0, 100.0]
    assert choropleth["marker"]["line"]["width"] == [3, 1, 1]  # the chosen district outlined
    points = [p for tr in fig["data"] if tr.get("mode") == "markers" for p in tr["customdata"]]
    assert sorted(points) == [["station", "WS1", "440882"], ["station", "WS2", "440802"],
                              ["station", "WS3", "440803"]]  # fmt: skip
    bars = class_figure(svc.counts(v), "V", "zh")["data"][0]
    assert bars["y"] == [0, 0, 1, 0, 1, 1]
    assert bars["marker"]["opacity"] == [0.35, 0.35, 0.35, 0.35, 1.0, 0.35]
    history = svc.detail(data, v, "WS1", NOW - 7 * D, NOW).history.value
    h = history_figure(history, "zh")
    assert len(h["data"]) == 6  # one panel per parameter
    # class bands: DO, CODMn, NH3-N and TP six each; COD and BOD5 five (I and II share a limit)
    assert len(h["layout"]["shapes"]) == 4 * 6 + 2 * 5
    nh3n = [s for s in h["layout"]["shapes"] if s["yref"] == "y5"]
    assert [(s["y0"], s["y1"]) for s in nh3n][:5] == [
        (0.0, 0.15), (0.15, 0.5), (0.5, 1.0), (1.0, 1.5), (1.5, 2.0)
    ]  # fmt: skip


def test_coverage_of_the_fixture_reaches(data: Any) -> None:
    v = svc.load(data, NOW - 7 * D, NOW, None)
    # RR1 runs 0.2° east along 20.9° N (20.79 km); PA1 walked its first 0.02° (2.079 km, and the
    # 50 m past its end), PA2 0.02° inside it (2.079 km and 50 m past each end)
    want = (2.079 + 0.05 + 2.079 + 0.1) / 20.79
    shares = svc.coverage(v)
    assert shares["RR1"] == pytest.approx(want, abs=0.003)
    assert shares["RR2"] == shares["RR3"] == 0.0  # RR2's patrol was 8 days ago
    assert list(svc.reach_rows(v)["coverage"]) == [shares["RR1"], 0.0, 0.0]
    # the district's share by river length (the reaches' stated lengths: 30, 8 and 5 km)
    assert svc.summary(v, None)["coverage"] == pytest.approx(shares["RR1"] * 30 / 43)
    assert svc.coverage(v) is shares  # worked out once per answer


def test_the_map_draws_the_tracks_and_the_chosen_patrol(data: Any) -> None:
    from layouts.river_charts import map_figure

    v = svc.load(data, NOW - 7 * D, NOW, "440882")
    d = svc.detail(data, v, "WS1", NOW - 7 * D, NOW, patrol="PA2")
    tracks = svc.map_tracks(v, d, "440882")
    assert list(tracks["patrol_id"]) == ["PA1"] * 3 + ["PA2"] * 2
    assert svc.map_tracks(v, None, None).empty  # the whole city: no tracks
    sections = svc.sections_rows(v)
    fig = map_figure(sections, svc.reach_paths(v), None, "440882", "zh", "/g", tracks, "PA2")
    by_name = {tr.get("name"): tr for tr in fig["data"]}
    assert by_name["巡河轨迹"]["lon"] == [110.0, 110.01, 110.02, None]  # the others, thin
    assert by_name["所选巡河轨迹"]["lon"] == [110.1, 110.12, None]  # the chosen one, bold
    assert by_name["所选巡河轨迹"]["line"]["width"] > by_name["巡河轨迹"]["line"]["width"]
    assert fig["layout"]["map"]["center"]["lon"] == pytest.approx(110.11, abs=0.01)
    g = svc.map_features(v, tracks=tracks)
    walked = g[g["kind"] == "track"]
    assert list(walked["patrol_id"]) == ["PA1", "PA2"] and list(walked["fixes"]) == [3, 2]
    out = json.loads(geojson_bytes(g))
    track = [f for f in out["features"] if f["properties"]["kind"] == "track"][1]
    assert track["geometry"]["coordinates"] == [[110.1, 20.9], [110.12, 20.9]]
    assert track["properties"]["end_ts"].startswith("2024-07-14T05:00")


def test_the_detail_panel_shows_the_chosen_patrol(data: Any) -> None:
    from layouts.river import detail_panel

    v = svc.load(data, NOW - 7 * D, NOW, "440882")
    d = svc.detail(data, v, "WS1", NOW - 7 * D, NOW, patrol="PA2")
    text = str(detail_panel(d, "zh", NOW))
    assert "4.0 公里，平均 4.0 公里/时（含停留）" in text  # PA2: 4 km in one hour
    assert "is-chosen" in text and "市级" in text and "赵一" in text


def test_a_patrol_click_asks_what_its_button_showed() -> None:
    from layouts.river import patrol_choice

    assert patrol_choice("PA2", "rv-patrol") == "PA2"  # drawn unchosen: choose it, even twice
    assert patrol_choice("PA2", None) == "PA2"
    assert patrol_choice("PA2", "rv-patrol is-chosen") is None  # drawn chosen: hide it
