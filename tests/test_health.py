"""Data health on both data nodes: rows, newest, freshness status and quarantine per domain."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW, QUARANTINED

from data_adapters import health
from data_adapters.node import LakeNode, SqlNode
from data_adapters.schema import DOMAINS


def test_freshness_now(con: Any) -> None:
    f = health.freshness(con, now=NOW).set_index("domain")
    assert list(f.index) == [d.value for d in DOMAINS]
    assert set(f["status"]) == {"fresh"}
    assert f.loc["traffic", "rows"] == 26  # 23 readings and 3 incident states up to NOW
    assert f.loc["traffic", "newest"] == NOW - timedelta(minutes=2)
    assert f.loc["traffic", "age_s"] == 120
    assert f.loc["traffic", "quarantined"] == QUARANTINED["traffic"]
    assert f.loc["radar", "quarantined"] == QUARANTINED["radar"]
    assert f.loc["river", "quarantined"] == 0
    assert f["error"].isna().all()


def test_freshness_half_an_hour_later(con: Any) -> None:
    f = health.freshness(con, now=NOW + timedelta(minutes=30)).set_index("domain")
    assert f.loc["traffic", "status"] == "stale"  # readings are 32 minutes old
    assert f.loc["radar", "status"] == "stale"  # AIS 25 minutes, radar 31 minutes
    assert f.loc["fire", "status"] == "fresh"  # device events: 30 minutes allowed
    assert f.loc["emergency", "status"] == "fresh"


def test_report_shape(con: Any) -> None:
    doc = json.loads(json.dumps(health.report(con, now=NOW)))
    assert set(doc["domains"]) == {d.value for d in DOMAINS}
    traffic = doc["domains"]["traffic"]
    assert {"rows", "newest", "status", "quarantined", "tables"} <= set(traffic)
    assert datetime.fromisoformat(traffic["newest"]) == NOW - timedelta(minutes=2)
    assert traffic["tables"]["traffic_readings"]["status"] == "fresh"
    assert traffic["tables"]["traffic_incidents"]["rows"] == 3


def test_empty_node_is_down(empty_lake: LakeNode) -> None:
    f = health.freshness(empty_lake.backend(), now=NOW)
    assert set(f["status"]) == {"down"}
    assert (f["rows"] == 0).all()
    assert health.report(empty_lake.backend(), now=NOW)["domains"]["river"]["newest"] is None


def test_unreadable_lake_is_down_with_its_error(empty_lake: LakeNode) -> None:
    con = empty_lake.backend()
    shutil.rmtree(empty_lake.lake)
    f = health.freshness(con, now=NOW)
    assert set(f["status"]) == {"down"}
    assert f["error"].str.len().gt(0).all()


def test_missing_tables_on_a_server_are_down(pg_url: str) -> None:
    node = SqlNode(pg_url, schema="test_health_no_such_tables")
    try:
        doc = health.report(node.backend(), now=NOW)
        assert {d["status"] for d in doc["domains"].values()} == {"down"}
        assert all(d["error"] for d in doc["domains"].values())
    finally:
        node.backend().raw_sql('DROP SCHEMA IF EXISTS "test_health_no_such_tables" CASCADE')
        node.close()


def test_naive_now_is_refused(con: Any) -> None:
    with pytest.raises(ValueError, match="naive"):
        health.freshness(con, now=datetime(2024, 7, 15))


@pytest.mark.parametrize("later", [timedelta(0), timedelta(minutes=30), timedelta(days=3)])
def test_recent_only_check_agrees_with_the_full_one(con: Any, later: timedelta) -> None:
    full = health.freshness(con, now=NOW + later)
    quick = health.freshness(con, now=NOW + later, counts=False)
    cols = ["domain", "newest", "status", "quarantined"]
    assert full[cols].equals(quick[cols])
    assert (quick["rows"] <= full["rows"]).all()


@pytest.mark.parametrize("counts", [True, False])
def test_one_broken_feed_leaves_the_others_checked(tmp_path: Any, counts: bool) -> None:
    import adapter_fixtures

    node = LakeNode(tmp_path / "node")
    node.create()
    adapter_fixtures.load(node)
    con = node.backend()
    (node.lake / "ais_reports" / "zz-broken.parquet").write_bytes(b"not a parquet file")
    f = health.freshness(con, now=NOW, counts=counts).set_index("domain")
    assert f.loc["radar", "status"] == "down" and "parquet" in str(f.loc["radar", "error"]).lower()
    assert f.loc["traffic", "status"] == "fresh" and pd.isna(f.loc["traffic", "error"])
    assert f.loc["traffic", "newest"] == NOW - timedelta(minutes=2)
    node.close()
