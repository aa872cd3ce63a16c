"""Resident tables: the in-memory copy answers exactly as the lake does and follows its files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import data_adapters.resident as resident_mod
from data_adapters import radar, traffic
from data_adapters.declare import sql_of
from data_adapters.node import LakeNode

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _readings(start: datetime, n: int, speed: float = 40.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": [start + timedelta(minutes=5 * i) for i in range(n)],
            "segment_id": [f"S{i % 4}" for i in range(n)],
            "speed_kmh": [speed + i % 7 for i in range(n)],
            "volume": [10 * i for i in range(n)],
        }
    )


def _tick(ts: datetime, speed: float) -> pd.DataFrame:
    """One reading of every segment at `ts` (what the live feed appends)."""
    return pd.DataFrame(
        {
            "ts": [ts] * 4,
            "segment_id": [f"S{i}" for i in range(4)],
            "speed_kmh": [speed] * 4,
            "volume": [50] * 4,
        }
    )


def _segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment_id": [f"S{i}" for i in range(4)],
            "road_name": ["人民大道", "人民大道", "海滨大道", "椹川大道"],
            "road_class": ["arterial", "arterial", "secondary", "expressway"],
            "adcode": ["440802", "440803", "440803", "440811"],
            "free_speed_kmh": [60.0, 60.0, 50.0, 100.0],
            "length_m": [1200.0, 800.0, 950.0, 3000.0],
            "path": ["[[110.36, 21.27], [110.37, 21.28]]"] * 4,
        }
    )


@pytest.fixture
def lake(tmp_path: Path) -> Iterator[Path]:
    """A lake with four days of readings and the segment register."""
    writer = LakeNode(tmp_path, resident=None)
    writer.create()
    writer.replace(_table("traffic_segments"), _segments())
    for day in range(4):
        start = NOW - timedelta(days=4 - day)
        writer.append(_table("traffic_readings"), _readings(start, 288), stem=f"base-{day}")
    yield tmp_path


def _table(name: str) -> object:
    from data_adapters.schema import table

    return table(name)


def _alias(node: LakeNode) -> str:
    assert node.resident is not None
    return node.resident.alias


def _reads(node: LakeNode, q: Any, table: str = "traffic_readings", **params: Any) -> set[str]:
    """Where the engine reads the rows of the large `table` of a call: "memory" (the resident
    rows), "lake" (its Parquet files), as its plan says."""
    text = sql_of(q, node.backend(), **params)
    assert text is not None
    plan = str(node.cursor().sql(f"EXPLAIN {text}").fetchall())
    found = set()
    if f"_rows_{table}" in plan:
        found.add("memory")
    if f"lake/{table}/" in plan or "READ_PARQUET" in plan.upper():
        found.add("lake")
    return found


def _rows(node: LakeNode) -> str:
    assert node.resident is not None
    return node.resident.rows("traffic_readings")


def _count(node: LakeNode, name: str) -> int:
    rows = node.cursor().sql(f"SELECT count(*) FROM {name}").fetchall()
    return int(rows[0][0])


def test_recent_rows_of_large_tables_and_all_rows_of_small_ones_are_held(lake: Path) -> None:
    node = LakeNode(lake, resident=timedelta(hours=48))
    node.backend()
    assert node.resident is not None
    stats = node.resident.stats()
    newest = NOW - timedelta(minutes=5)
    assert stats["traffic_readings"]["horizon"] == (newest - timedelta(hours=48)).isoformat()
    assert stats["traffic_readings"]["rows"] == 48 * 12 + 1
    assert stats["traffic_segments"]["rows"] == 4
    assert "quarantine" not in stats
    node.close()


def test_queries_inside_the_horizon_run_in_memory_and_agree_with_the_lake(lake: Path) -> None:
    hot, cold = LakeNode(lake), LakeNode(lake, resident=None)
    hot.backend()
    for q, params in [
        (traffic.segment_state, {"now": NOW}),
        (traffic.district_tpi, {"now": NOW}),
        (traffic._tpi_buckets, {"start": NOW - timedelta(days=1), "end": NOW}),
    ]:
        assert _reads(hot, q, **params) == {"memory"}
        pd.testing.assert_frame_equal(q(hot.backend(), **params), q(cold.backend(), **params))
    hot.close()
    cold.close()


def test_a_window_older_than_the_horizon_reads_the_lake(lake: Path) -> None:
    node = LakeNode(lake)
    con = node.backend()
    params = {"start": NOW - timedelta(days=4), "end": NOW - timedelta(days=3)}
    assert _reads(node, traffic._tpi_buckets, **params) == {"lake"}
    series = traffic.tpi_series(con, **params)
    assert len(series) == 96  # a whole day in 15-minute buckets, from the lake's files
    node.close()


def test_appends_compaction_and_replacement_are_followed(lake: Path) -> None:
    reader = LakeNode(lake)
    writer = LakeNode(lake, resident=None)
    con = reader.backend()
    before = traffic.segment_state(con, now=NOW)
    assert before["ts"].max() < NOW

    for i in range(3):  # the live feed: small files, one per tick
        writer.append(_table("traffic_readings"), _tick(NOW + timedelta(minutes=5 * i), 5.0 + i))
    after = traffic.segment_state(con, now=NOW + timedelta(minutes=10))
    assert (after["ts"] == NOW + timedelta(minutes=10)).all()
    assert (after["speed_kmh"] == 7.0).all()
    held = _count(reader, _rows(reader))

    assert writer.compact(_table("traffic_readings"), min_files=2) == 3
    reader.cursor()  # a reader: in step with the lake
    assert _count(reader, _rows(reader)) == held  # no row twice
    pd.testing.assert_frame_equal(
        traffic.segment_state(con, now=NOW + timedelta(minutes=10)), after
    )

    renamed = _segments().assign(road_name="新路")
    writer.replace(_table("traffic_segments"), renamed)
    worst = traffic.worst_roads(con, now=NOW + timedelta(minutes=10))
    assert set(worst["road_name"]) == {"新路"}
    reader.close()
    writer.close()


def test_the_horizon_moves_on_and_old_rows_leave_after_a_grace(
    lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resident_mod, "_GRACE_S", 0.0)
    reader = LakeNode(lake, resident=timedelta(hours=2))
    writer = LakeNode(lake, resident=None)
    reader.backend()
    assert reader.resident is not None
    first = reader.resident.horizon("traffic_readings")
    assert first is not None
    writer.append(_table("traffic_readings"), _tick(NOW + timedelta(hours=3), 30.0))
    reader.cursor()  # a reader: in step with the lake
    moved = reader.resident.horizon("traffic_readings")
    assert moved is not None and moved > first
    reader.cursor()  # the purge runs at the next refresh after the grace
    oldest = reader.cursor().sql(f"SELECT epoch_us(min(ts)) FROM {_rows(reader)}")
    assert oldest.fetchall()[0][0] >= moved.timestamp() * 1e6
    # a window before the new horizon still reads every row, from the lake
    con = reader.backend()
    window = {"start": first, "end": first + timedelta(hours=1)}
    assert "lake" in _reads(reader, traffic._tpi_buckets, **window)
    series = traffic.tpi_series(con, **window)
    pd.testing.assert_frame_equal(series, traffic.tpi_series(writer.backend(), **window))
    assert len(series) == 5  # 09:55 to 10:55 in 15-minute buckets
    reader.close()
    writer.close()


def test_a_vanished_table_is_an_error_not_an_empty_answer(lake: Path) -> None:
    import shutil

    from data_adapters.health import QUERY_ERRORS

    node = LakeNode(lake)
    con = node.backend()
    assert len(traffic.segments(con)) == 4
    shutil.rmtree(lake / "lake" / "traffic_segments")
    with pytest.raises(QUERY_ERRORS):
        traffic.segments(con)
    node.close()


def test_a_corrupt_file_fails_queries_until_it_is_gone(lake: Path) -> None:
    from data_adapters.health import QUERY_ERRORS

    node = LakeNode(lake)
    con = node.backend()
    assert len(traffic.segment_state(con, now=NOW)) == 4
    broken = lake / "lake" / "traffic_readings" / "live-broken.parquet"
    broken.write_bytes(b"not a parquet file")
    with pytest.raises(QUERY_ERRORS):
        traffic.segment_state(con, now=NOW)
    broken.unlink()
    assert len(traffic.segment_state(con, now=NOW)) == 4
    assert _reads(node, traffic.segment_state, now=NOW) == {"memory"}
    node.close()


def test_two_nodes_on_one_lake_in_one_process_keep_copies_of_their_own(lake: Path) -> None:
    first, second = LakeNode(lake), LakeNode(lake)
    a, b = first.backend(), second.backend()
    assert _alias(first) != _alias(second)
    pd.testing.assert_frame_equal(
        traffic.district_tpi(a, now=NOW), traffic.district_tpi(b, now=NOW)
    )
    first.close()
    assert len(traffic.district_tpi(b, now=NOW)) > 0
    second.close()


def test_radar_tails_read_the_recent_copy(lake: Path) -> None:
    node = LakeNode(lake)
    con = node.backend()
    assert node.resident is not None
    # a table with no rows is held whole, whatever the clock says: its copy covers any time
    for when in (NOW, datetime(1990, 1, 1, tzinfo=UTC), datetime(2400, 1, 1, tzinfo=UTC)):
        assert node.resident.covers("ais_reports", when)
    cold = LakeNode(lake, resident=None)
    params = {"now": NOW, "lookback": timedelta(minutes=10)}
    pd.testing.assert_frame_equal(radar.tails(con, **params), radar.tails(cold.backend(), **params))
    cold.close()
    node.close()


def _reports(start: datetime, minutes: int, seed: int) -> pd.DataFrame:
    """AIS reports of 25 vessels over `minutes` from `start`, at uneven seconds, some fields
    missing (as class B transponders leave them)."""
    rng = np.random.default_rng(seed)
    n = minutes * 12
    seconds = np.sort(rng.choice(minutes * 60, size=n, replace=False))
    return pd.DataFrame(
        {
            "ts": [start + timedelta(seconds=int(s)) for s in seconds],
            "mmsi": rng.integers(412_000_000, 412_000_025, size=n),
            "msg_type": rng.choice([1, 3, 18], size=n),
            "lon": rng.uniform(110.2, 110.6, size=n),
            "lat": rng.uniform(20.9, 21.3, size=n),
            "sog": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 14, size=n)),
            "cog": rng.uniform(0, 359, size=n),
            "heading": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 359, n))),
            "nav_status": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 15, n))),
        }
    )


def _plots(start: datetime, minutes: int, seed: int) -> pd.DataFrame:
    """Radar plots of 12 tracks over `minutes` from `start`; a third not fused with AIS."""
    rng = np.random.default_rng(seed)
    n = minutes * 6
    seconds = np.sort(rng.choice(minutes * 60, size=n, replace=False))
    return pd.DataFrame(
        {
            "ts": [start + timedelta(seconds=int(s)) for s in seconds],
            "track_id": [f"R{int(k):02d}" for k in rng.integers(0, 12, size=n)],
            "radar_id": "RADAR1",
            "lon": rng.uniform(110.2, 110.6, size=n),
            "lat": rng.uniform(20.9, 21.3, size=n),
            "speed_kn": rng.uniform(0, 20, size=n),
            "course": rng.uniform(0, 359, size=n),
            "mmsi": pd.array(
                np.where(rng.random(n) < 0.33, None, rng.integers(412_000_000, 412_000_025, n))
            ),
        }
    )


def _feed(node: LakeNode, start: datetime, minutes: int, seed: int) -> None:
    from data_adapters.ingest import ingest

    for name, frame in (
        ("ais_reports", _reports(start, minutes, seed)),
        ("radar_tracks", _plots(start, minutes, seed)),
    ):
        report = ingest(node, name, frame, source="test", now=NOW + timedelta(days=1))
        assert report.rejected == 0, report


def sorted_paths_agree(
    node: LakeNode,
    times: list[datetime],
    vessels: tuple[int, int] = (412_000_003, 412_000_011),
    tracked: int = 412_000_007,
) -> None:
    """The time-sorted rows are the rows of the copy, and the radar answers built from them
    equal those of their SQL queries at `times` (tails of `vessels`, the track of `tracked`)."""
    from data_adapters.resident import SORTED, time_sorted

    con = node.backend()
    assert node.resident is not None
    for name, held in node.resident.stats().items():
        if name in SORTED:
            assert held["sorted_rows"] == held["rows"], name

    for now in times:
        assert time_sorted(con, "ais_reports", now - timedelta(minutes=15))
        assert time_sorted(con, "radar_tracks", now - timedelta(minutes=5))
        some = (*vessels, 999)
        span = {"start": now - timedelta(hours=1), "end": now}
        at = {"now": now}
        calls: list[tuple[Any, dict[str, Any]]] = [
            (radar.tails, {**at, "lookback": timedelta(minutes=m)}) for m in (15, 30, 40)
        ]
        calls += [
            (radar.tails, {**at, "mmsis": some}),
            (radar.vessel_positions, at),
            (radar.register, at),
            (radar.dark_targets, at),
            (radar.track, {"mmsi": tracked, **span}),
        ]
        for q, params in calls:
            assert q.fast is not None and q.fast(con, **q.bind(params)) is not None, q.key
            pd.testing.assert_frame_equal(q(con, **params), q.plain(con, **params))


def test_time_sorted_rows_follow_appends_late_rows_compaction_and_the_horizon(
    lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data_adapters.resident import time_sorted

    monkeypatch.setattr(resident_mod, "_GRACE_S", 0.0)
    writer = LakeNode(lake, resident=None)
    _feed(writer, NOW - timedelta(hours=2), 120, seed=1)
    reader = LakeNode(lake, resident=timedelta(hours=3))
    con = reader.backend()
    every = [NOW - timedelta(minutes=m, seconds=s) for m, s in ((90, 7), (31, 0), (4, 33), (0, 0))]
    sorted_paths_agree(reader, every)

    _feed(writer, NOW, 10, seed=2)  # the live feed: newer rows, appended
    _feed(writer, NOW + timedelta(minutes=10), 10, seed=3)
    sorted_paths_agree(reader, [*every, NOW + timedelta(minutes=12), NOW + timedelta(minutes=20)])
    # the index of timestamps (derived from the sorted rows) has the new rows: an answer of
    # before them is not reused for a time after them (the window starts before any row)
    long = timedelta(hours=3)
    for t in (NOW + timedelta(minutes=10), NOW + timedelta(minutes=20)):
        got = radar.tails(con, now=t, lookback=long)
        pd.testing.assert_frame_equal(got, radar.tails.plain(con, now=t, lookback=long))

    _feed(writer, NOW - timedelta(minutes=50), 5, seed=4)  # late rows: merged into place
    sorted_paths_agree(reader, [NOW - timedelta(minutes=46), NOW - timedelta(minutes=38)])

    first = NOW - timedelta(hours=2)
    everything = (first, NOW + timedelta(hours=1), "right")
    held = time_sorted(con, "ais_reports", first)
    assert held is not None
    assert writer.compact(_table("ais_reports"), min_files=2) >= 3
    reader.cursor()  # a reader: in step with the lake
    after = time_sorted(con, "ais_reports", first)
    assert after is not None  # no row lost, none twice:
    assert len(after.between(*everything)) == len(held.between(*everything))
    sorted_paths_agree(reader, [*every, NOW + timedelta(minutes=19)])

    # four hours on: the horizon moves past the first rows, which then come from the lake
    _feed(writer, NOW + timedelta(hours=4), 10, seed=5)
    reader.cursor()  # the horizon moves on …
    reader.cursor()  # … and the rows behind it leave
    assert time_sorted(con, "ais_reports", NOW - timedelta(minutes=20)) is None
    old = {"now": NOW, "lookback": timedelta(minutes=20)}
    pd.testing.assert_frame_equal(radar.tails(con, **old), radar.tails(writer.backend(), **old))
    sorted_paths_agree(reader, [NOW + timedelta(hours=4, minutes=9)])
    reader.close()
    writer.close()
