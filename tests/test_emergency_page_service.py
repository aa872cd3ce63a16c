"""services.emergency_page on both data nodes, with the fixture data of adapter_fixtures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from adapter_fixtures import NOW

from brain import roadnet as brain_roadnet
from config import Settings
from data_adapters import emergency, traffic
from data_adapters.node import LakeNode, SqlNode
from services import emergency_page as ep
from services.cache import make_cache
from services.data import DataService

H = timedelta(hours=1)


def _svc(node: LakeNode | SqlNode, tmp_path: Path) -> DataService:
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


def test_the_overview(node: LakeNode | SqlNode, tmp_path: Path) -> None:
    view = ep.load(_svc(node, tmp_path), NOW - 24 * H, NOW, None, NOW)
    # E3 (I), E1 (II), then E2 (IV), closed an hour ago but reported in the range
    assert list(ep.event_rows(view, None)["event_id"]) == ["E3", "E1", "E2"]
    assert list(ep.event_rows(view, "flood")["event_id"]) == ["E3"]
    assert view.kinds().set_index("kind")["total"].to_dict() == {
        "flood": 1,
        "typhoon": 1,
        "waterlogging": 1,
    }
    assert view.districts() == {"440802": 1, "440803": 1, "440882": 1}
    assert view.signal.value == "yellow"
    assert list(frame(view.warnings)["identifier"]) == ["W2"]
    assert view.capacity().set_index("kind")["capacity"].to_dict() == {
        "shelter": 1300,
        "rescue_team": 40,
        "boat": 12,
    }


def frame(result: object) -> pd.DataFrame:
    value = getattr(result, "value", None)
    assert isinstance(value, pd.DataFrame)
    return value


def test_a_short_range_leaves_out_what_closed_before_it(
    node: LakeNode | SqlNode, tmp_path: Path
) -> None:
    view = ep.load(_svc(node, tmp_path), NOW - H, NOW, None, NOW)
    assert list(ep.event_rows(view, None)["event_id"]) == ["E3", "E1"]
    district = ep.load(_svc(node, tmp_path), NOW - 24 * H, NOW, "440882", NOW)
    assert list(ep.event_rows(district, None)["event_id"]) == ["E3"]


def test_a_range_ending_later_is_read_now(node: LakeNode | SqlNode, tmp_path: Path) -> None:
    view = ep.load(_svc(node, tmp_path), NOW - 24 * H, NOW + 48 * H, None, NOW)
    assert view.at == NOW
    assert list(ep.event_rows(view, None)["event_id"]) == ["E3", "E1", "E2"]


def test_the_nearest_resources_of_an_event_by_road(
    node: LakeNode | SqlNode, tmp_path: Path
) -> None:
    svc = _svc(node, tmp_path)
    view = ep.load(svc, NOW - 24 * H, NOW, None, NOW)
    found = ep.detail(svc, view, "E1", None)
    assert found.event is not None and found.event["title"] == "typhoon E1"
    rows = ep.nearest_rows(found)
    con = node.backend()
    graph = brain_roadnet.build(traffic.segment_state(con, now=NOW))
    want = brain_roadnet.nearest(graph, (110.3, 21.1), emergency.resources(con), ep.NEAREST_K)
    assert list(rows["resource_id"]) == list(want["resource_id"])
    assert rows["minutes"].tolist() == pytest.approx(want["minutes"].round(2).tolist(), nan_ok=True)
    boats = ep.nearest_rows(ep.detail(svc, view, "E1", "boat"))
    assert list(boats["resource_id"]) == ["R4"]
    assert ep.detail(svc, view, "E404", None).event is None


def test_the_replay_of_the_storm(node: LakeNode | SqlNode, tmp_path: Path) -> None:
    svc = _svc(node, tmp_path)
    later = NOW + timedelta(minutes=1)  # the data service floors `now` to a minute's step
    r = ep.replay(svc, later, None)
    assert r.storm is not None and r.storm["storm_id"] == "1522"
    # observed from NOW - 12 h to NOW: stops every 3 hours
    assert r.steps == [NOW - k * 3 * H for k in (4, 3, 2, 1, 0)]
    assert r.at == NOW  # its strongest wind (50 m/s) was at NOW
    assert r.cone is not None  # the forecast issued at NOW - 1 h
    assert r.signal.value == "yellow"
    earlier = ep.replay(svc, later, NOW - 7 * H)
    assert earlier.at == NOW - 6 * H
    track = frame(earlier.track)
    assert pd.Timestamp(track[track.kind == "observed"]["ts"].max()) == pd.Timestamp(NOW - 6 * H)
    assert earlier.signal.value == "yellow"  # W2 (yellow) was sent at NOW - 6 h


def test_no_storm_no_replay(node: LakeNode | SqlNode, tmp_path: Path) -> None:
    r = ep.replay(_svc(node, tmp_path), NOW - 6 * 24 * H, None)
    assert r.storm is None and r.steps == [] and r.at is None


def test_the_map_features_follow_the_filters(node: LakeNode | SqlNode, tmp_path: Path) -> None:
    view = ep.load(_svc(node, tmp_path), NOW - 24 * H, NOW, None, NOW)
    fc = ep.map_features(view, "flood")
    layers = [f["properties"]["layer"] for f in fc["features"]]
    assert layers.count("event") == 1 and layers.count("resource") == 4
    event = fc["features"][0]
    assert event["geometry"] == {"type": "Point", "coordinates": [110.3, 21.1]}
    assert event["properties"]["event_id"] == "E3"


def test_a_dead_node_fails_into_values(tmp_path: Path) -> None:
    import shutil

    node = LakeNode(tmp_path / "node")
    node.create()
    svc = _svc(node, tmp_path)
    shutil.rmtree(node.data_dir)
    view = ep.load(svc, NOW - 24 * H, NOW, None, NOW)
    assert not view.events.ok and not view.warnings.ok and not view.resources.ok
    assert ep.event_rows(view, None).empty and view.kinds().empty and view.areas() == []
    assert ep.map_features(view, None) == {"type": "FeatureCollection", "features": []}
    r = ep.replay(svc, NOW, None)
    assert r.storm is None and r.steps == [] and r.track.error
    node.close()
