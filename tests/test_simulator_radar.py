"""The simulated radar domain: sea zones, the fleet, AIS reports, radar tracks and the typhoon."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely

from data_adapters.schema import table
from data_adapters.validate import check_rows
from simulator import radar
from simulator.base import Scale, SimContext
from simulator.geography import is_land
from simulator.roads import haversine_m
from simulator.scenario import Scenario
from simulator.sea import (
    ANCHORAGES,
    CHANNEL,
    EDGES,
    FERRY_PORTS,
    GROUNDS,
    HARBORS,
    INNER_BAY,
    MOUTH,
    PORTS,
    SERVICE_BASE,
    at_sea,
    channel_path,
)

ANCHOR = datetime(2025, 9, 18, 4, 0, tzinfo=UTC)
CALM = Scenario(ANCHOR + timedelta(days=300))
CTX = SimContext(5, ANCHOR, Scale.TEST, CALM)
DEMO = SimContext(5, ANCHOR, Scale.DEMO, CALM)
STORM = SimContext(5, ANCHOR, Scale.DEMO, Scenario.for_anchor(ANCHOR, hours_before_anchor=12))
KEYS = {
    "ais_reports": ["ts", "mmsi"],
    "radar_tracks": ["ts", "track_id"],
    "vessels": ["ts", "mmsi"],
}


def _collect(ctx: SimContext, start: datetime, end: datetime) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for name, frame in radar.facts(ctx, start, end):
        out.setdefault(name, []).append(frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


def _sorted(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame.sort_values(KEYS[name], ignore_index=True)


@pytest.fixture(scope="module")
def demo_day() -> dict[str, pd.DataFrame]:
    return _collect(DEMO, ANCHOR - timedelta(days=1), ANCHOR)


@pytest.fixture(scope="module")
def storm_days() -> dict[str, pd.DataFrame]:
    return _collect(
        STORM,
        STORM.scenario.landfall - timedelta(hours=36),
        STORM.scenario.landfall + timedelta(hours=6),
    )


def _dense(points: tuple[tuple[float, float], ...], step: float = 0.0003) -> np.ndarray:
    p = np.asarray(points, dtype=float)
    out = [p[:1]]
    for a, b in itertools.pairwise(p):
        n = int(np.hypot(*(b - a)) / step) + 2
        out.append(a + (b - a) * np.linspace(0, 1, n)[1:, None])
    return np.concatenate(out)


def test_routes_harbours_and_zones_are_at_sea() -> None:
    routes = [
        CHANNEL,
        (SERVICE_BASE, CHANNEL[-1]),
        (FERRY_PORTS["haian"], FERRY_PORTS["haikou"]),
        *((e, CHANNEL[0]) for e in EDGES.values()),
    ]
    for port in PORTS.values():
        routes += [
            (*channel_path(port.join, len(CHANNEL) - 1)[:1], *port.entry, b) for b in port.berths
        ]
    for _, box, ways in GROUNDS.values():
        for home, via in ways.items():
            for x in np.linspace(box[0] + 0.01, box[2] - 0.01, 4):
                for y in np.linspace(box[1] + 0.01, box[3] - 0.01, 4):
                    routes.append((HARBORS[home][1], *via, (x, y)))
    # ocean ships: open sea ↔ anchorages ↔ channel, and the 东海岛 berths straight from the east
    for box, join in ANCHORAGES.values():
        for corner in ((box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])):
            routes += [(e, corner, CHANNEL[join]) for e in EDGES.values()]
            if join == MOUTH:
                routes += [(corner, *PORTS["donghai"].entry)]
    routes += [(*PORTS["donghai"].entry, EDGES["E"]), (CHANNEL[0], EDGES["E"])]
    for route in routes:
        pts = _dense(route)
        assert at_sea(pts[:, 0], pts[:, 1]).all(), route
    zones = radar.reference(CTX)["sea_zones"]
    assert set(zones["kind"]) == {
        "anchorage",
        "channel",
        "restricted",
        "aquaculture",
        "port",
        "fishing",
    }
    rng = np.random.default_rng(0)
    for row in zones.itertuples():
        ring = json.loads(row.path)
        assert ring[0] == ring[-1] and len(ring) >= 4
        poly = shapely.Polygon(ring)
        x0, y0, x1, y1 = poly.bounds
        x, y = rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000)
        inside = shapely.contains_xy(poly, x, y)
        assert at_sea(x[inside], y[inside]).mean() > 0.99, row.name
    # the only water the land mask does not know is the inner bay north of 霞山
    inner = shapely.Polygon(INNER_BAY)
    assert inner.area < 0.0035 and inner.centroid.y > 21.19  # about 30 km², north of 霞山
    assert not is_land(
        np.array([c[0] for c in CHANNEL[:-2]]), np.array([c[1] for c in CHANNEL[:-2]])
    ).any()


def test_rows_pass_the_contract(demo_day: dict[str, pd.DataFrame]) -> None:
    history = _collect(CTX, CTX.start, CTX.anchor)
    frames = {
        **radar.reference(CTX),
        **history,
        "demo_ais": demo_day["ais_reports"],
        "demo_radar": demo_day["radar_tracks"],
    }
    assert {"sea_zones", "vessels", "ais_reports", "radar_tracks"} <= set(frames)
    for name, frame in frames.items():
        name = {"demo_ais": "ais_reports", "demo_radar": "radar_tracks"}.get(name, name)
        checked = check_rows(table(name), frame, now=ANCHOR + timedelta(minutes=1))
        assert checked.counts == (len(frame), 0), (name, checked.rejected.head())
        assert all(str(frame[c].dtype) != "object" for c in frame.columns), name
    register = history["vessels"]
    assert (register["ts"] == CTX.start).sum() == register["mmsi"].nunique()


def test_same_seed_same_sea_other_seed_other_sea() -> None:
    start, end = ANCHOR - timedelta(hours=3), ANCHOR
    a, b = _collect(CTX, start, end), _collect(CTX, start, end)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    other = _collect(SimContext(6, ANCHOR, Scale.TEST, CALM), start, end)
    assert set(other["ais_reports"]["mmsi"]) != set(a["ais_reports"]["mmsi"])


def test_any_cut_of_the_window_gives_the_same_rows() -> None:
    a, c = ANCHOR - timedelta(hours=30), ANCHOR
    whole = _collect(CTX, a, c)
    cut = a + timedelta(hours=9, minutes=7, seconds=13)
    parts = [_collect(CTX, a, cut), _collect(CTX, cut, c)]
    for name in ("ais_reports", "radar_tracks"):
        joined = pd.concat([p[name] for p in parts if name in p], ignore_index=True)
        pd.testing.assert_frame_equal(_sorted(whole[name], name), _sorted(joined, name))
    live_start = ANCHOR - timedelta(minutes=7)
    ticks = [
        _collect(
            CTX, live_start + timedelta(seconds=5 * i), live_start + timedelta(seconds=5 * (i + 1))
        )
        for i in range(84)
    ]
    ref = _collect(CTX, live_start, live_start + timedelta(seconds=5 * 84))
    for name in ("ais_reports", "radar_tracks"):
        live = pd.concat([t[name] for t in ticks if name in t], ignore_index=True)
        assert len(live) > 0
        pd.testing.assert_frame_equal(_sorted(live, name), _sorted(ref[name], name))


def test_vessels_stay_at_sea(demo_day: dict[str, pd.DataFrame]) -> None:
    ais, tracks = demo_day["ais_reports"], demo_day["radar_tracks"]
    assert at_sea(ais["lon"].to_numpy(float), ais["lat"].to_numpy(float)).all()
    # radar plots scatter by some 25 m: a boat moored close in may plot on the shore
    assert at_sea(tracks["lon"].to_numpy(float), tracks["lat"].to_numpy(float)).mean() > 0.999


def test_fleet_register_and_dark_targets(demo_day: dict[str, pd.DataFrame]) -> None:
    fleet = radar.fleet(DEMO)
    mmsi = [v.mmsi for v in fleet if v.mmsi is not None]
    assert len(set(mmsi)) == len(mmsi)
    assert all(
        str(m)[:3] in ("412", "413", "414")
        for v in fleet
        if v.vessel_type == "fishing"
        for m in [v.mmsi]
        if m is not None
    )
    assert any(not 412 <= (v.mmsi or 0) // 1_000_000 <= 414 for v in fleet)  # foreign ships
    assert {v.vessel_type for v in fleet} == {
        "cargo",
        "tanker",
        "container",
        "fishing",
        "passenger",
        "tug",
        "service",
    }
    named = [v.name for v in fleet if v.model == "fishing"]
    assert all(n is not None and n[:3] in ("粤湛渔", "粤雷渔", "粤徐渔") for n in named)
    assert any(not v.registered and v.mmsi is not None for v in fleet)  # 三无 boats with AIS
    tracks = demo_day["radar_tracks"]
    dark = tracks[tracks["mmsi"].isna()]
    assert dark["track_id"].nunique() >= 3
    fused = tracks.dropna(subset=["mmsi"])
    assert set(fused["mmsi"]) <= set(mmsi)
    # a fused track carries one identity; ids are per radar
    assert (fused.groupby("track_id")["mmsi"].nunique() == 1).all()
    assert tracks.groupby("track_id")["radar_id"].nunique().max() == 1


def test_ais_motion_is_consistent(demo_day: dict[str, pd.DataFrame]) -> None:
    ais = demo_day["ais_reports"].sort_values(["mmsi", "ts"])
    nxt = ais.groupby("mmsi").shift(-1)
    dt = (nxt["ts"] - ais["ts"]).dt.total_seconds()
    moving = (
        (dt == 60) & (ais["sog"] > 3) & (nxt["sog"] > 3) & ((ais["sog"] - nxt["sog"]).abs() < 0.5)
    )
    a, b = ais[moving], nxt[moving]
    dist = haversine_m(
        a["lon"].to_numpy(float),
        a["lat"].to_numpy(float),
        b["lon"].to_numpy(float),
        b["lat"].to_numpy(float),
    )
    speed_kn = dist / 60 / (1852 / 3600)
    assert len(a) > 1000
    assert np.median(np.abs(speed_kn - a["sog"].to_numpy(float))) < 0.3
    anchored_or_moored = ais[ais["nav_status"].isin([1, 5])]
    assert len(anchored_or_moored) and (anchored_or_moored["sog"] < 0.3).all()
    assert set(ais["msg_type"]) == {1, 3, 18}


def test_fishing_boats_go_out_by_day(demo_day: dict[str, pd.DataFrame]) -> None:
    ais = demo_day["ais_reports"]
    boats = ais[ais["msg_type"] == 18]
    hour = boats["ts"].dt.tz_convert("Asia/Shanghai").dt.hour
    at_sea_noon = boats[(hour >= 11) & (hour < 13) & (boats["sog"] > 1)]["mmsi"].nunique()
    at_sea_night = boats[((hour >= 23) | (hour < 2)) & (boats["sog"] > 1)]["mmsi"].nunique()
    assert at_sea_noon > 20 > at_sea_night


def test_typhoon_empties_the_sea_and_stops_the_port(storm_days: dict[str, pd.DataFrame]) -> None:
    land = STORM.scenario.landfall
    ais = storm_days["ais_reports"]
    near = ais[(ais["ts"] >= land - timedelta(hours=3)) & (ais["ts"] < land + timedelta(hours=3))]
    before = ais[
        (ais["ts"] >= land - timedelta(hours=36))  # the afternoon before
        & (ais["ts"] < land - timedelta(hours=30))
    ]
    fishing = {v.mmsi for v in radar.fleet(STORM) if v.vessel_type == "fishing"}
    assert near[near["mmsi"].isin(fishing) & (near["sog"] > 1)].empty
    assert not before[before["mmsi"].isin(fishing) & (before["sog"] > 1)].empty
    moving = near[near["sog"] > 1]
    assert moving.empty, moving.head()


def test_bench_tracks_reach_five_million_points() -> None:
    bench = SimContext(5, ANCHOR, Scale.BENCH, CALM)
    day = _collect(bench, ANCHOR - timedelta(days=1), ANCHOR)
    per_day = len(day["ais_reports"]) + len(day["radar_tracks"])
    assert per_day * bench.history.days >= 5_000_000
