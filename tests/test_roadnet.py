"""brain.roadnet against hand-worked networks near the equator (0.01° ≈ 1.112 km there)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from brain import roadnet

DEG_M = math.pi / 180.0 * 6_371_008.8  # metres per degree of latitude (and of longitude at 0°)


def seg(
    sid: str,
    pts: list[tuple[float, float]],
    length_m: float = 1000.0,
    free: float = 60.0,
    speed: float | None = None,
) -> dict[str, object]:
    return {
        "segment_id": sid,
        "path": json.dumps([list(p) for p in pts]),
        "length_m": length_m,
        "free_speed_kmh": free,
        "speed_kmh": speed,
    }


def square(**speeds: float | None) -> pd.DataFrame:
    """O(0,0) -A- E(0.01,0) -B- Q(0.01,0.01) -D- P(0,0.01) -C- O, each 1000 m, free 60 km/h.
    Now: A 60 (1 min), B 30 (2 min), C 6 (10 min, a jam), D 60 (1 min)."""
    s = {"A": 60.0, "B": 30.0, "C": 6.0, "D": 60.0} | speeds
    return pd.DataFrame(
        [
            seg("A", [(0.0, 0.0), (0.01, 0.0)], speed=s["A"]),
            seg("B", [(0.01, 0.0), (0.01, 0.01)], speed=s["B"]),
            seg("C", [(0.0, 0.0), (0.0, 0.01)], speed=s["C"]),
            seg("D", [(0.0, 0.01), (0.01, 0.01)], speed=s["D"]),
        ]
    )


PLACES = pd.DataFrame({"name": ["P", "Q"], "lon": [0.0, 0.01], "lat": [0.01, 0.01]})


def test_the_square_has_four_junctions_and_two_way_edges() -> None:
    g = roadnet.build(square())
    assert (g.nodes, g.edges) == (4, 8)


def test_network_order_differs_from_straight_line_order() -> None:
    g = roadnet.build(square())
    near = roadnet.nearest(g, (0.0, 0.0), PLACES, k=2)
    # P is nearer as the crow flies (1.11 km against 1.57 km) but C is jammed (10 min):
    # Q by A+B = 1 + 2 = 3 min, P by A+B+D = 4 min
    assert list(near["name"]) == ["Q", "P"]
    assert near["minutes"].tolist() == pytest.approx([3.0, 4.0])
    assert near["network_km"].tolist() == pytest.approx([2.0, 3.0])
    assert near["straight_km"].tolist() == pytest.approx(
        [math.hypot(0.01, 0.01) * DEG_M / 1000, 0.01 * DEG_M / 1000], rel=1e-4
    )
    assert sorted(near["straight_km"]) != list(near["straight_km"])
    # the way to Q: from O along A to E, along B to Q
    route = [c for point in near.loc[0, "route"] for c in point]
    assert route == pytest.approx([0, 0, 0, 0, 0.01, 0, 0.01, 0.01, 0.01, 0.01], abs=1e-9)


def test_free_speed_without_a_reading() -> None:
    # no reading on C: free flow 60 km/h, 1 min, and P comes first again
    near = roadnet.nearest(roadnet.build(square(C=None)), (0.0, 0.0), PLACES, k=2)
    assert list(near["name"]) == ["P", "Q"]
    assert near["minutes"].tolist() == pytest.approx([1.0, 2.0])  # Q: C + D


def test_k_keeps_the_quickest() -> None:
    near = roadnet.nearest(roadnet.build(square()), (0.0, 0.0), PLACES, k=1)
    assert list(near["name"]) == ["Q"]
    with pytest.raises(ValueError, match="k must"):
        roadnet.nearest(roadnet.build(square()), (0.0, 0.0), PLACES, k=0)


def test_access_legs_at_the_stated_speed() -> None:
    g = roadnet.build(square())
    places = pd.DataFrame({"name": ["Q'"], "lon": [0.01], "lat": [0.0105]})
    near = roadnet.nearest(g, (0.0, -0.001), places, k=1)
    # 111.2 m onto the network at O, 55.6 m off it at Q, both at 20 km/h
    access = (0.001 + 0.0005) * DEG_M / 1000 / roadnet.ACCESS_KMH * 60
    assert near.loc[0, "access_minutes"] == pytest.approx(access, rel=1e-4)
    assert near.loc[0, "minutes"] == pytest.approx(3.0 + access, rel=1e-4)
    slow = roadnet.nearest(g, (0.0, -0.001), places, k=1, access_kmh=5.0)
    assert slow.loc[0, "access_minutes"] == pytest.approx(access * 4, rel=1e-4)


def test_a_closed_segment_and_a_stopped_one_are_left_out() -> None:
    for g in (roadnet.build(square(), closed=["B"]), roadnet.build(square(B=0.0))):
        assert g.edges == 6
        near = roadnet.nearest(g, (0.0, 0.0), PLACES, k=2)
        assert list(near["name"]) == ["P", "Q"]
        assert near["minutes"].tolist() == pytest.approx([10.0, 11.0])


def test_unreachable_candidates_come_last() -> None:
    frame = pd.concat([square(), pd.DataFrame([seg("Z", [(1.0, 1.0), (1.01, 1.0)])])])
    places = pd.concat(
        [pd.DataFrame({"name": ["island"], "lon": [1.0], "lat": [1.0]}), PLACES],
        ignore_index=True,
    )
    near = roadnet.nearest(roadnet.build(frame), (0.0, 0.0), places, k=3)
    assert list(near["name"]) == ["Q", "P", "island"]
    assert math.isnan(near.loc[2, "minutes"]) and near.loc[2, "route"] is None


def test_roads_that_cross_meet_at_a_junction() -> None:
    # H (0,0)-(0.02,0), 2000 m; V (0.01,-0.01)-(0.01,0.01), 2000 m: they cross at (0.01, 0)
    frame = pd.DataFrame(
        [
            seg("H", [(0.0, 0.0), (0.02, 0.0)], length_m=2000.0),
            seg("V", [(0.01, -0.01), (0.01, 0.01)], length_m=2000.0),
        ]
    )
    g = roadnet.build(frame)
    assert (g.nodes, g.edges) == (5, 8)
    places = pd.DataFrame({"name": ["top"], "lon": [0.01], "lat": [0.01]})
    near = roadnet.nearest(g, (0.0, 0.0), places, k=1)
    assert near.loc[0, "minutes"] == pytest.approx(2.0)  # half of H, half of V, at 60 km/h


def test_ends_within_the_tolerance_join() -> None:
    gap = 10 / DEG_M  # 10 m apart: one junction; 100 m apart: none
    near_frame = pd.DataFrame(
        [seg("A", [(0.0, 0.0), (0.01, 0.0)]), seg("B", [(0.01 + gap, 0.0), (0.02, 0.0)])]
    )
    assert roadnet.build(near_frame).nodes == 3
    far = near_frame.assign(
        path=[near_frame.path[0], json.dumps([[0.01 + 10 * gap, 0.0], [0.02, 0.0]])]
    )
    assert roadnet.build(far).nodes == 4


def test_one_segment_per_direction_is_one_way() -> None:
    frame = pd.DataFrame(
        [
            seg("F", [(0.0, 0.0), (0.01, 0.0)], speed=60.0),
            seg("R", [(0.01, 0.0), (0.0, 0.0)], speed=12.0),
        ]
    )
    g = roadnet.build(frame)
    assert g.edges == 2
    there = pd.DataFrame({"lon": [0.01], "lat": [0.0]})
    back = pd.DataFrame({"lon": [0.0], "lat": [0.0]})
    assert roadnet.nearest(g, (0.0, 0.0), there).loc[0, "minutes"] == pytest.approx(1.0)
    assert roadnet.nearest(g, (0.01, 0.0), back).loc[0, "minutes"] == pytest.approx(5.0)


def test_reach_within_a_budget() -> None:
    r = roadnet.reach(roadnet.build(square()), (0.0, 0.0), 2.5)
    assert r.access_minutes == pytest.approx(0.0)
    # O at 0, E at 1; Q (3 min) and P (10 min by C, 4 by D) are out of reach
    assert [round(m, 6) for m in r.nodes["minutes"]] == [0.0, 1.0]
    got = {(row.segment_id, row.minutes_at_u): row.fraction for row in r.edges.itertuples()}
    # A both ways whole; B 1.5 of its 2 min; C 2.5 of its 10 min
    assert got == pytest.approx(
        {("A", 0.0): 1.0, ("A", 1.0): 1.0, ("B", 1.0): 0.75, ("C", 0.0): 0.25}
    )
    b = r.edges[r.edges.segment_id == "B"].iloc[0]
    assert b.coords[-1] == pytest.approx([0.01, 0.0075])


def test_reach_spends_the_access_leg_first() -> None:
    g = roadnet.build(square())
    far = roadnet.reach(g, (0.0, -0.01), 2.0)  # 1.11 km off the network: 3.3 min at 20 km/h
    assert far.nodes.empty and far.edges.empty
    assert far.access_minutes == pytest.approx(0.01 * DEG_M / 1000 / 20 * 60, rel=1e-4)
    with pytest.raises(ValueError, match="minutes"):
        roadnet.reach(g, (0.0, 0.0), -1.0)


def test_closed_segments_from_incidents() -> None:
    incidents = pd.DataFrame(
        {
            "segment_id": ["B", "C", "D", None],
            "kind": ["control", "control", "accident", "control"],
            "severity": [4, 2, 4, 4],
            "status": ["open", "open", "open", "open"],
        }
    )
    assert roadnet.closed_segments(incidents) == ["B"]
    assert roadnet.closed_segments(incidents.iloc[0:0]) == []


def test_bad_input_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="columns"):
        roadnet.build(pd.DataFrame({"segment_id": ["A"]}))
    bad = square()
    bad.loc[1, "path"] = "not json"
    with pytest.raises(ValueError, match="segment B"):
        roadnet.build(bad)
    bad.loc[1, "path"] = json.dumps([[0.0, 0.0]])
    with pytest.raises(ValueError, match="segment B: path needs"):
        roadnet.build(bad)


def test_an_empty_network() -> None:
    g = roadnet.build(square().iloc[0:0])
    assert g.nodes == 0
    assert roadnet.nearest(g, (0.0, 0.0), PLACES)["minutes"].isna().all()
    assert roadnet.reach(g, (0.0, 0.0), 5.0).nodes.empty


def _edges(g: roadnet.RoadGraph) -> list[tuple[int, int, dict[str, object]]]:
    return sorted(g.graph.edges(data=True), key=lambda e: (e[0], e[1]))


def test_a_graph_on_known_segments_equals_one_built_afresh() -> None:
    """The junctions and pieces of a set of segments are worked out once and shared; a graph
    of new speeds and closures on them is the one a build from nothing gives."""
    roadnet.build(square())  # the shape of these four segments, kept
    again = roadnet.build(square(B=None, C=45.0), closed=["D"])
    roadnet._topology.cache_clear()
    afresh = roadnet.build(square(B=None, C=45.0), closed=["D"])
    assert _edges(again) == _edges(afresh)
    assert list(again.graph.nodes(data=True)) == list(afresh.graph.nodes(data=True))
    assert (again.lon.tolist(), again.lat.tolist(), again.lat0) == (
        afresh.lon.tolist(),
        afresh.lat.tolist(),
        afresh.lat0,
    )
    moved = square()
    moved.loc[0, "path"] = json.dumps([(0.0, 0.0), (0.02, 0.0)])  # a segment redrawn: a new shape
    assert 0.02 in roadnet.build(moved).lon.round(6).tolist()
    assert 0.02 not in afresh.lon.round(6).tolist()
