"""The data node: both backends store and return the same rows; the lake never locks readers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from data_adapters.ingest import ingest
from data_adapters.node import LakeNode, SqlNode
from data_adapters.schema import table

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


def _readings(n: int, start: datetime) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": [start + timedelta(minutes=5 * i) for i in range(n)],
            "segment_id": [f"S{i % 3}" for i in range(n)],
            "speed_kmh": [30.0 + i for i in range(n)],
            "volume": [100 * i for i in range(n)],
        }
    )


@pytest.fixture(params=["duckdb", "postgres"])
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LakeNode | SqlNode]:
    if request.param == "duckdb":
        lake = LakeNode(tmp_path)
        lake.create()
        yield lake
        lake.close()
        return
    schema = f"test_node_{uuid.uuid4().hex[:10]}"
    sql = SqlNode(request.getfixturevalue("pg_url"), schema=schema)
    try:
        sql.create()
        yield sql
    finally:
        sql.backend().raw_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        sql.close()


def test_rows_round_trip_with_types(node: LakeNode | SqlNode) -> None:
    frame = _readings(6, NOW - timedelta(hours=1))
    report = ingest(node, "traffic_readings", frame, source="test", now=NOW)
    assert (report.accepted, report.rejected) == (6, 0)
    t = node.backend().table("traffic_readings")
    got = t.filter(t.segment_id == "S1").order_by("ts").to_pandas()
    assert list(got["speed_kmh"]) == [31.0, 34.0]
    assert str(got["ts"].dt.tz) == "UTC"
    assert got["ts"].iloc[0] == pd.Timestamp(NOW - timedelta(minutes=55))


def test_quarantine_is_stored_on_the_node(node: LakeNode | SqlNode) -> None:
    frame = _readings(2, NOW - timedelta(hours=1))
    frame.loc[1, "speed_kmh"] = -5.0
    ingest(node, "traffic_readings", frame, source="feed-x", now=NOW)
    q = node.backend().table("quarantine").to_pandas()
    assert list(q["source"]) == ["feed-x"] and "speed_kmh" in q["reason"].iloc[0]


def test_a_writer_process_never_blocks_readers(tmp_path: Path) -> None:
    lake = LakeNode(tmp_path)
    lake.create()
    writer = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from datetime import datetime, timedelta, timezone
        import pandas as pd
        from data_adapters.ingest import ingest
        from data_adapters.node import LakeNode
        node = LakeNode({str(tmp_path)!r})
        now = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
        for i in range(40):
            ts = now - timedelta(hours=2) + timedelta(minutes=i)
            ingest(node, "traffic_readings", pd.DataFrame({{"ts": [ts], "segment_id": ["S"],
                   "speed_kmh": [40.0], "volume": [10]}}), source="w", now=now)
    """)
    proc = subprocess.Popen([sys.executable, "-c", writer])
    counts = []
    while proc.poll() is None:
        counts.append(int(lake.sql("SELECT count(*) AS n FROM traffic_readings")["n"].iloc[0]))
    assert proc.returncode == 0
    assert counts == sorted(counts)  # readers saw the table grow, never an error
    assert int(lake.sql("SELECT count(*) AS n FROM traffic_readings")["n"].iloc[0]) == 40
    merged = lake.compact(table("traffic_readings"), min_files=10)
    assert merged == 40
    assert int(lake.sql("SELECT count(*) AS n FROM traffic_readings")["n"].iloc[0]) == 40
