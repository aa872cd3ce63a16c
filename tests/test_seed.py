"""The simulated city end to end: seed, check-data, the live feed, determinism."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from data_adapters.node import LakeNode
from data_adapters.schema import DOMAINS
from simulator.base import Scale
from simulator.seed import live_tick, load_manifest, seed

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 12, 3, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("city")
    node = LakeNode(data_dir)
    report = seed(node, data_dir, scale=Scale.TEST, seed_value=7, now=NOW)
    node.close()
    assert report is not None
    assert sum(report.rejected.values()) == 0, report.rejected
    return data_dir


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brain", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_seed_builds_every_domain(seeded: Path) -> None:
    manifest = load_manifest(seeded)
    assert manifest is not None and manifest.anchor == "2026-11-24T12:00:00+00:00"
    node = LakeNode(seeded)
    for table in (
        "traffic_readings",
        "ais_reports",
        "radar_tracks",
        "river_readings",
        "river_chiefs",
        "river_patrols",
        "river_patrol_points",
        "fire_device_events",
        "emergency_warnings",
        "economy_observations",
        "typhoon_tracks",
        "emergency_events",
        "fire_incidents",
    ):
        n = int(node.sql(f"SELECT count(*) AS n FROM {table}")["n"].iloc[0])
        assert n > 0, table
    districts = node.sql("SELECT adcode FROM districts ORDER BY adcode")
    assert len(districts) == 9
    node.close()


def test_check_data_reports_six_domains(seeded: Path) -> None:
    done = _cli("check-data", "--json", data_dir=seeded)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["domains"]) >= {d.value for d in DOMAINS}
    for name in (d.value for d in DOMAINS):
        d = report["domains"][name]
        assert d["rows"] > 0 and d["newest"] and d["status"] in ("fresh", "stale", "down")
        assert isinstance(d["quarantined"], int)


def test_seeding_again_is_a_no_op_unless_forced(seeded: Path) -> None:
    node = LakeNode(seeded)
    assert seed(node, seeded, scale=Scale.TEST, seed_value=7, now=NOW) is None
    node.close()


def test_live_tick_appends_through_real_formats(seeded: Path) -> None:
    node = LakeNode(seeded)
    before = int(node.sql("SELECT count(*) AS n FROM ais_reports")["n"].iloc[0])
    report = live_tick(node, seeded, now=NOW + timedelta(minutes=2))
    assert report.accepted.get("ais_reports", 0) > 0
    assert report.accepted.get("traffic_readings", 0) >= 0
    after = int(node.sql("SELECT count(*) AS n FROM ais_reports")["n"].iloc[0])
    assert after == before + report.accepted["ais_reports"]
    manifest = load_manifest(seeded)
    assert manifest is not None and manifest.live_until.startswith("2026-11-24T12:05")
    node.close()


def test_the_city_is_deterministic_for_a_seed(tmp_path: Path, seeded: Path) -> None:
    node = LakeNode(tmp_path)
    seed(node, tmp_path, scale=Scale.TEST, seed_value=7, now=NOW)
    a = node.sql("SELECT * FROM traffic_readings ORDER BY segment_id, ts")
    node.close()
    ref = LakeNode(seeded)
    b = ref.sql(
        "SELECT * FROM traffic_readings WHERE ts < TIMESTAMPTZ '2026-11-24 12:00:00+00' "
        "ORDER BY segment_id, ts"
    )
    ref.close()
    assert a.equals(b)
