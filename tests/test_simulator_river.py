"""The simulated river chief system: reaches, chiefs, water quality, patrols and problems."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from brain.standards import class_rank, water_classes
from data_adapters.schema import table
from data_adapters.validate import check_rows
from simulator import river
from simulator.base import Scale, SimContext
from simulator.geography import is_land
from simulator.river_network import RIVERS, network
from simulator.scenario import Scenario

ANCHOR = datetime(2025, 11, 24, 13, 0, tzinfo=UTC)
CTX = SimContext(9, ANCHOR, Scale.TEST, Scenario.for_anchor(ANCHOR))
_KEYS = {"do": "DO", "codmn": "CODMn", "cod": "COD", "bod5": "BOD5", "nh3n": "NH3N", "tp": "TP"}


def _collect(ctx: SimContext, start: datetime, end: datetime) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for name, frame in river.facts(ctx, start, end):
        out.setdefault(name, []).append(frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


def _ranks(readings: pd.DataFrame) -> pd.Series:
    cols = {_KEYS[k]: readings[k].to_numpy(dtype=float, na_value=np.nan) for k in _KEYS}
    return pd.Series([class_rank(c) for c in water_classes(cols)], index=readings.index)


@pytest.fixture(scope="module")
def history() -> dict[str, pd.DataFrame]:
    return _collect(CTX, CTX.start, CTX.anchor)


def test_rows_pass_the_contract(history: dict[str, pd.DataFrame]) -> None:
    frames = {**river.reference(CTX), **history}
    assert set(frames) == {
        "river_chiefs",
        "river_patrol_points",
        "river_reaches",
        "river_stations",
        "river_readings",
        "river_patrols",
        "river_problems",
    }
    for name, frame in frames.items():
        checked = check_rows(table(name), frame, now=ANCHOR)
        assert checked.counts == (len(frame), 0), (name, checked.rejected.head())


def test_every_reach_has_a_chief_and_lies_on_land() -> None:
    ref = river.reference(CTX)
    reaches, stations = ref["river_reaches"], ref["river_stations"]
    chiefs = ref["river_chiefs"]
    assert chiefs["name"].str.len().min() >= 2 and reaches["reach_name"].is_unique
    assert set(chiefs["level"]) == {"市", "县", "镇", "村"}
    assert reaches["chief_id"].is_unique and set(reaches["chief_id"]) == set(chiefs["chief_id"])
    assert {"鉴江", "九洲江", "南渡河", "遂溪河", "雷州青年运河", "南柳河"} <= set(
        reaches["river_name"]
    )
    for path in reaches["path"]:
        pts = np.array(json.loads(path))
        mid = (pts[1:] + pts[:-1]) / 2
        assert is_land(mid[:, 0], mid[:, 1]).mean() > 0.9
    assert is_land(stations.lon.to_numpy(float), stations.lat.to_numpy(float)).all()
    assert set(stations["reach_id"]) <= set(reaches["reach_id"])
    assert stations["name"].str.contains("国控").any()


def test_quality_per_river_and_rainy_season() -> None:
    ctx = SimContext(9, ANCHOR, Scale.TEST, Scenario(datetime(2024, 10, 1, tzinfo=UTC)))
    stations = river.reference(ctx)["river_stations"].set_index("station_id")
    dry = _collect(ctx, datetime(2025, 1, 5, tzinfo=UTC), datetime(2025, 1, 19, tzinfo=UTC))[
        "river_readings"
    ]
    wet = _collect(ctx, datetime(2025, 7, 5, tzinfo=UTC), datetime(2025, 7, 19, tzinfo=UTC))[
        "river_readings"
    ]
    dry_rank, wet_rank = _ranks(dry), _ranks(wet)
    assert wet_rank.mean() > dry_rank.mean() + 0.2
    name = dry["station_id"].map(stations["name"])
    jian = dry_rank[name.str.startswith("鉴江")]
    assert jian.isin([2, 3]).mean() > 0.8  # 鉴江 mostly II-III
    nanliu = dry_rank[name.str.startswith("南柳河")]
    assert nanliu.isin([4, 5, 6]).all()  # 南柳河 IV-劣V
    counts = dry.groupby("station_id").size()  # every 4 h, a few never arrive
    assert counts.max() == 14 * 6 and counts.min() > 14 * 6 * 0.9


def test_patrols_follow_the_statutory_frequency(history: dict[str, pd.DataFrame]) -> None:
    patrols = history["river_patrols"]
    reaches = _reaches_with_chiefs()
    assert patrols["ts"].min() < pd.Timestamp(CTX.start - timedelta(days=80))
    assert (patrols["end_ts"] > patrols["ts"]).all()
    level = patrols["reach_id"].map(reaches["chief_level"])
    per_reach = patrols.groupby("reach_id").size()
    per_level = per_reach.groupby(reaches["chief_level"]).median()
    assert per_level["村"] > per_level["镇"] > per_level["县"] > per_level["市"] >= 1
    assert (patrols["chief_name"] == patrols["reach_id"].map(reaches["chief_name"])).all()
    assert level.notna().all()


def _reaches_with_chiefs() -> pd.DataFrame:
    ref = river.reference(CTX)
    chiefs = ref["river_chiefs"].rename(columns={"name": "chief_name", "level": "chief_level"})
    reaches = ref["river_reaches"].merge(chiefs[["chief_id", "chief_name", "chief_level"]])
    return reaches.set_index("reach_id")


def test_every_chief_answers_to_the_chief_one_level_up_on_the_same_river() -> None:
    chiefs = river.reference(CTX)["river_chiefs"].set_index("chief_id")
    reaches = river.reference(CTX)["river_reaches"].set_index("chief_id")
    up = chiefs.dropna(subset=["parent_chief_id"])
    parent = chiefs.loc[up["parent_chief_id"]]
    assert (parent["river_name"].to_numpy() == up["river_name"].to_numpy()).all()
    rank = {"市": 0, "县": 1, "镇": 2, "村": 2}
    assert (parent["level"].map(rank).to_numpy() == up["level"].map(rank).to_numpy() - 1).all()
    local = up[up["level"] != "县"]
    assert (chiefs.loc[local["parent_chief_id"], "adcode"].to_numpy() == local["adcode"]).all()
    assert chiefs.loc[chiefs["level"] == "市", "parent_chief_id"].isna().all()
    assert (chiefs.loc[chiefs["level"] == "市", "adcode"] == "440800").all()
    assert chiefs.loc[chiefs["level"].isin(["镇", "村"]), "parent_chief_id"].notna().all()
    majors = {name for name, kind, *_ in RIVERS if kind == "major"}
    county = chiefs[chiefs["level"] == "县"]
    assert (county["parent_chief_id"].notna() == county["river_name"].isin(majors)).all()
    assert (reaches.loc[chiefs.index, "river_name"] == chiefs["river_name"]).all()


def _km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    dx = np.diff(lon) * 111.32 * np.cos(np.radians(lat[:-1]))
    return np.asarray(np.hypot(dx, np.diff(lat) * 110.57))


def test_every_patrol_has_a_gps_track_along_its_reach(history: dict[str, pd.DataFrame]) -> None:
    from shapely.geometry import LineString, Point

    patrols = history["river_patrols"].set_index("patrol_id")
    points = history["river_patrol_points"]
    assert set(points["patrol_id"]) == set(patrols.index)
    reaches = river.reference(CTX)["river_reaches"].set_index("reach_id")
    speeds = []
    for pid, fixes in points.groupby("patrol_id"):
        p = patrols.loc[pid]
        fixes = fixes.sort_values("ts")
        assert fixes["ts"].iloc[0] == p["ts"] and fixes["ts"].iloc[-1] == p["end_ts"]
        gaps = fixes["ts"].diff().dt.total_seconds().dropna()
        assert gaps.iloc[:-1].between(29, 61).all() and 15 <= gaps.iloc[-1] <= 75
        line = LineString(json.loads(reaches.loc[p["reach_id"], "path"]))
        lon, lat = fixes["lon"].to_numpy(float), fixes["lat"].to_numpy(float)
        off = [line.distance(Point(x, y)) * 111_000 for x, y in zip(lon, lat, strict=True)]
        assert max(off) < 50, pid  # on one bank, GPS noise included
        walked = _km(lon, lat).sum()
        # the noise of fixes a few metres apart adds a little; stops and noise nothing more
        assert 0.9 * p["distance_km"] < walked < 1.6 * p["distance_km"] + 0.3, pid
        speeds.append(p["distance_km"] / ((p["end_ts"] - p["ts"]).total_seconds() / 3600))
    assert min(speeds) > 0.5 and max(speeds) < 15.0  # on foot along a bank with stops, or by boat


def test_tracks_are_deterministic_for_a_seed() -> None:
    start, end = CTX.start + timedelta(days=2), CTX.start + timedelta(days=6)
    a = _collect(CTX, start, end)["river_patrol_points"]
    b = _collect(SimContext(9, ANCHOR, Scale.TEST, CTX.scenario), start, end)
    pd.testing.assert_frame_equal(a, b["river_patrol_points"])
    c = _collect(SimContext(10, ANCHOR, Scale.TEST, CTX.scenario), start, end)
    assert not a["lon"].equals(c["river_patrol_points"]["lon"])


def test_problems_are_disposed_and_mostly_closed(history: dict[str, pd.DataFrame]) -> None:
    pr = history["river_problems"].sort_values("ts")
    pr = pr[pr["reported_ts"] >= pd.Timestamp(CTX.start - river.PROBLEM_LOOKBACK)]
    states = pr.groupby("problem_id")["status"].agg(",".join)
    assert states.isin(["reported", "reported,disposing", "reported,disposing,closed"]).all()
    old = pr[pr["reported_ts"] < pd.Timestamp(CTX.start - timedelta(days=40))]
    closed = old.groupby("problem_id")["status"].agg(lambda s: "closed" in set(s))
    assert 0.8 < closed.mean() < 0.97
    assert pr["category"].nunique() >= 6


def test_chunks_and_seeds() -> None:
    start, end = CTX.start - timedelta(hours=6), CTX.start + timedelta(hours=30)
    whole = _collect(CTX, start, end)
    cuts = [start, CTX.start, CTX.start + timedelta(hours=7, minutes=3), end]
    for name, frame in whole.items():
        key = list(table(name).key)
        parts = pd.concat([_collect(CTX, a, b).get(name) for a, b in itertools.pairwise(cuts)])
        pd.testing.assert_frame_equal(
            frame.sort_values(key).reset_index(drop=True),
            parts.sort_values(key).reset_index(drop=True),
        )
    other = _collect(SimContext(10, ANCHOR, Scale.TEST, CTX.scenario), start, end)
    assert not other["river_readings"]["cod"].equals(whole["river_readings"]["cod"])


# ── water quality by season and section ─────────────────────────────────────────────────
QUIET = SimContext(9, ANCHOR, Scale.TEST, Scenario(datetime(2024, 10, 1, tzinfo=UTC)))
DRY = (datetime(2025, 1, 5, tzinfo=UTC), datetime(2025, 2, 16, tzinfo=UTC))
RAINY = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 8, 31, tzinfo=UTC))
_TARGET = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}


def _at_target(ctx: SimContext, span: tuple[datetime, datetime]) -> pd.DataFrame:
    """The readings of `span` with `ok`: the section's class at or better than its target."""
    readings = _collect(ctx, *span)["river_readings"]
    stations = river.reference(ctx)["river_stations"].set_index("station_id")
    target = readings["station_id"].map(stations["target_class"]).map(_TARGET)
    return readings.assign(ok=(_ranks(readings) <= target).to_numpy())


@pytest.fixture(scope="module")
def dry() -> pd.DataFrame:
    return _at_target(QUIET, DRY)


@pytest.fixture(scope="module")
def rainy() -> pd.DataFrame:
    return _at_target(QUIET, RAINY)


def test_most_sections_meet_their_target_fewer_in_the_rainy_season(
    dry: pd.DataFrame, rainy: pd.DataFrame
) -> None:
    assert 0.78 <= dry["ok"].mean() <= 0.95, dry["ok"].mean()
    assert 0.55 <= rainy["ok"].mean() <= 0.82, rainy["ok"].mean()
    assert rainy["ok"].mean() < dry["ok"].mean() - 0.08
    # what the wall shows at any moment of the dry season: the share of one round of readings
    rounds = dry.groupby("ts")["ok"].mean()
    assert rounds.min() >= 0.7, rounds.min()
    # rainy-season runoff: lower DO, more ammonia and phosphorus
    assert rainy["do"].mean() < dry["do"].mean() - 0.3
    assert rainy["nh3n"].median() > dry["nh3n"].median() * 1.2
    assert rainy["tp"].median() > dry["tp"].median() * 1.2


def test_a_few_chronic_offenders_stay_below_target(dry: pd.DataFrame, rainy: pd.DataFrame) -> None:
    offenders = river.chronic_offenders(QUIET)
    assert 2 <= len(offenders) <= 4
    kinds = {name: kind for name, kind, *_ in RIVERS}
    rivers = [next(r for r in kinds if n.startswith(r)) for n in offenders["name"]]
    assert {kinds[r] for r in rivers} <= {"urban", "river"}  # urban reaches, small tributaries
    for frame, least in ((dry, 0.8), (rainy, 0.9)):
        share = frame.groupby("station_id")["ok"].mean()
        bad = share[share.index.isin(offenders["station_id"])]
        assert len(bad) == len(offenders) and (1 - bad).min() >= least, bad
    good = dry.groupby("station_id")["ok"].mean().drop(offenders["station_id"])
    assert good.min() >= 0.9, good.sort_values().head()


def test_the_typhoon_worsens_the_rivers_for_some_days() -> None:
    landfall = datetime(2025, 1, 20, 6, 10, tzinfo=UTC)
    ctx = SimContext(9, ANCHOR, Scale.TEST, Scenario(landfall))
    readings = _at_target(ctx, (landfall - timedelta(days=7), landfall + timedelta(days=10)))
    h = (readings["ts"] - pd.Timestamp(landfall)).dt.total_seconds() / 3600
    before = readings.loc[h < -6, "ok"].mean()
    assert readings.loc[(h >= 6) & (h < 36), "ok"].mean() < before - 0.3
    assert readings.loc[(h >= 36) & (h < 60), "ok"].mean() < before - 0.03
    assert readings.loc[h >= 24 * 6, "ok"].mean() > before - 0.05  # washed out within a week


def test_quality_is_deterministic_for_a_seed() -> None:
    span = (datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 8, tzinfo=UTC))
    first = _collect(QUIET, *span)["river_readings"]
    offenders = river.chronic_offenders(QUIET)
    for cached in (river._reading_day, river._rain, network):
        cached.cache_clear()  # computed afresh from the seed, not remembered
    pd.testing.assert_frame_equal(first, _collect(QUIET, *span)["river_readings"])
    pd.testing.assert_frame_equal(offenders, river.chronic_offenders(QUIET))
    other = SimContext(10, ANCHOR, Scale.TEST, QUIET.scenario)
    assert not _collect(other, *span)["river_readings"]["nh3n"].equals(first["nh3n"])
