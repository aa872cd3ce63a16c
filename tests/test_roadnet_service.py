"""services.roadnet on both data nodes: the graph of the fixture roads, kept per traffic answer."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from adapter_fixtures import NOW

from brain import roadnet as brain_roadnet
from config import Settings
from data_adapters import emergency, traffic
from data_adapters.node import LakeNode, SqlNode
from services import roadnet
from services.cache import make_cache
from services.data import DataService


def _svc(node: LakeNode | SqlNode, tmp_path: Path) -> DataService:
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


def test_the_graph_of_the_fixture_roads(node: LakeNode | SqlNode, tmp_path: Path) -> None:
    svc = _svc(node, tmp_path)
    g = roadnet.graph(svc, NOW)
    assert g.ok and g.value is not None
    # six separate segments (12 ends); S5 stands still (0 km/h): out; the others both ways
    assert (g.value.nodes, g.value.edges) == (12, 10)
    minutes = {d["segment_id"]: d["minutes"] for _, _, d in g.value.graph.edges(data=True)}
    assert minutes["S1"] == pytest.approx(1000 / 1000 / 37.5 * 60)  # its reading
    assert minutes["S4"] == pytest.approx(5000 / 1000 / 100 * 60)  # no reading: free speed
    assert "S5" not in minutes
    assert roadnet.graph(svc, NOW).value is g.value  # one graph per traffic answer


def test_nearest_resources_by_road(node: LakeNode | SqlNode, tmp_path: Path) -> None:
    svc = _svc(node, tmp_path)
    res = svc.call(emergency.resources)
    got = roadnet.nearest(svc, NOW, (110.35, 21.2), res, k=4)
    assert got.ok and got.value is not None
    state = traffic.segment_state(node.backend(), now=NOW)
    want = brain_roadnet.nearest(brain_roadnet.build(state), (110.35, 21.2), res.value, 4)
    assert list(got.value["resource_id"]) == list(want["resource_id"])
    m = got.value["minutes"]
    assert m.dropna().is_monotonic_increasing and m.isna().sum() < len(m)
    assert not m.isna().to_numpy()[: m.notna().sum()].any()  # the unreachable come last


def test_reach_on_the_fixture_roads(node: LakeNode | SqlNode, tmp_path: Path) -> None:
    # S1 starts at (110.35, 21.2): 1.6 min for its 1000 m at 37.5 km/h; 1 minute reaches 5/8
    r = roadnet.reach(_svc(node, tmp_path), NOW, (110.35, 21.2), 1.0)
    assert r.ok and r.value is not None
    assert list(r.value.edges["segment_id"]) == ["S1"]
    assert r.value.edges["fraction"].iloc[0] == pytest.approx(1.0 / 1.6)


def test_a_dead_node_fails_into_a_value(tmp_path: Path) -> None:
    node = LakeNode(tmp_path / "node")
    node.create()
    svc = _svc(node, tmp_path)
    shutil.rmtree(node.data_dir)
    g = roadnet.graph(svc, NOW + timedelta(minutes=1))
    assert not g.ok and g.value is None and g.error
    near = roadnet.nearest(svc, NOW, (110.35, 21.2), svc.call(emergency.resources))
    assert not near.ok and near.value is None
    node.close()
