"""River adapter on both data nodes: the engine's GB 3838-2002 class agrees with brain.standards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW, check_surface

from brain.standards import meets_target, water_class, water_classes
from data_adapters import river

_KEYS = dict(zip(river.PARAMETERS, ("DO", "CODMn", "COD", "BOD5", "NH3N", "TP"), strict=True))


def test_reaches_and_stations(con: Any) -> None:
    assert list(river.reaches(con)["reach_id"]) == ["RR1", "RR2", "RR3"]
    st = river.stations(con, adcode="440803")
    assert list(st["station_id"]) == ["WS3", "WS4"]
    assert set(st["river_name"]) == {"绿塘河"}


def test_stations_latest_at_class_limits(con: Any) -> None:
    s = river.stations_latest(con, now=NOW)
    assert list(s["station_id"]) == ["WS1", "WS2", "WS3"]  # WS4: no reading in a day
    s = s.set_index("station_id")
    assert s.loc["WS1", "water_class"] == "III"  # exactly at the class III limits
    assert bool(s.loc["WS1", "meets_target"])
    assert s.loc["WS2", "water_class"] == "V"  # exactly at the class V limits
    assert not bool(s.loc["WS2", "meets_target"])
    assert s.loc["WS3", "water_class"] == "劣V"
    assert s.loc["WS3", "class_rank"] == 6
    assert s.loc["WS1", "chief_name"] == "张三"
    for sid, row in s.iterrows():
        readings = {_KEYS[p]: row[p] for p in river.PARAMETERS if pd.notna(row[p])}
        assert row["water_class"] == water_class(readings), sid
        assert bool(row["meets_target"]) == meets_target(row["water_class"], row["target_class"])


def test_engine_class_agrees_with_the_standard(con: Any) -> None:
    h = river.station_history(con, station_id="WS5", start=NOW - timedelta(days=31), end=NOW)
    assert len(h) == 120
    assert set(h["water_class"]) == {"I", "II", "III", "IV", "V", "劣V"}
    columns = {_KEYS[p]: h[p].astype("float64").tolist() for p in river.PARAMETERS}
    assert h["water_class"].tolist() == water_classes(columns)


def test_compliance(con: Any) -> None:
    c = river.compliance(con, now=NOW).set_index("adcode")
    assert list(c.index) == ["440800", "440802", "440803", "440882"]
    assert (c.loc["440800", "sections"], c.loc["440800", "meeting"]) == (3, 1)
    assert c.loc["440800", "share"] == pytest.approx(1 / 3)
    assert c.loc["440800", "worse_than_v"] == 1
    assert c.loc["440882", "share"] == pytest.approx(1.0)
    assert list(river.compliance(con, now=NOW, adcode="440802")["adcode"]) == ["440802"]


def test_worst_sections(con: Any) -> None:
    w = river.worst_sections(con, now=NOW, n=2)
    assert list(w["station_id"]) == ["WS3", "WS2"]


def test_problems(con: Any) -> None:
    p = river.problems(con, now=NOW)
    assert list(p["problem_id"]) == ["P2", "P1", "P3"]  # P3 is old but still open; P4 closed
    assert p.set_index("problem_id").loc["P1", "status"] == "closed"
    assert list(river.problems(con, now=NOW, open_only=True)["problem_id"]) == ["P2", "P3"]
    s = river.problem_summary(con, now=NOW).iloc[0]
    assert (s["reported"], s["closed"], s["open"]) == (2, 1, 1)
    assert s["closure_rate"] == pytest.approx(0.5)


def test_patrol_coverage(con: Any) -> None:
    c = river.patrol_coverage(con, start=NOW - timedelta(days=7), end=NOW).set_index("adcode")
    city = c.loc["440800"]
    assert (city["reaches"], city["patrolled"], city["patrols"]) == (3, 1, 2)
    assert city["coverage"] == pytest.approx(1 / 3)
    assert city["distance_km"] == pytest.approx(7.0)
    assert c.loc["440802", "patrolled"] == 0  # its patrol was 8 days ago


def test_surface(lake_node: Any) -> None:
    check_surface(river, lake_node.backend())


def test_reaches_carry_their_stored_chief(con: Any) -> None:
    r = river.reaches(con).set_index("reach_id")
    assert list(r["chief_id"]) == ["HC1", "HC2", "HC3"]
    assert (r.loc["RR3", "chief_name"], r.loc["RR3", "chief_level"]) == ("王五", "村")


def test_reach_chiefs_walk_the_stored_chain_from_the_top(con: Any) -> None:
    c = river.reach_chiefs(con)
    chains = {
        rid: [(r.level, r.name, r.above) for r in g.itertuples()]
        for rid, g in c.groupby("reach_id")
    }
    assert chains == {
        "RR1": [("市", "赵一", 1), ("县", "张三", 0)],
        "RR2": [("县", "周六", 1), ("镇", "李四", 0)],
        "RR3": [("市", "郑九", 3), ("县", "吴八", 2), ("镇", "孙七", 1), ("村", "王五", 0)],
    }
    assert list(c["reach_id"]) == sorted(c["reach_id"])  # by reach, the highest first
    top = c[c["above"] == c.groupby("reach_id")["above"].transform("max")]
    assert set(top["adcode"]) == {"440800", "440802"}
    only = river.reach_chiefs(con, adcode="440803")
    assert list(only["chief_id"]) == ["HC7", "HC6", "HC4", "HC3"]


def test_patrol_tracks(con: Any) -> None:
    t = river.patrol_tracks(con, start=NOW - timedelta(days=7), end=NOW)
    assert list(t.columns) == ["patrol_id", "reach_id", "ts", "lon", "lat"]
    assert list(t["patrol_id"]) == ["PA1", "PA1", "PA1", "PA2", "PA2"]  # PA3: 8 days ago
    assert list(t["lon"]) == [110.0, 110.01, 110.02, 110.1, 110.12]  # each patrol in time order
    assert t["ts"].is_monotonic_increasing
    one = river.patrol_tracks(con, start=NOW - timedelta(days=9), end=NOW, reach_id="RR2")
    assert list(one["patrol_id"]) == ["PA3", "PA3"] and set(one["reach_id"]) == {"RR2"}
    city = river.patrol_tracks(con, start=NOW - timedelta(days=9), end=NOW, adcode="440882")
    assert set(city["patrol_id"]) == {"PA1", "PA2"}
    assert river.patrol_tracks(con, start=NOW - timedelta(days=9), end=NOW, adcode="440803").empty
