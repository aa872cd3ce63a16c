"""The evaluator raises an alert in the first tick after its data lands (issue 15: data arriving →
alert on the wall within the refresh interval + 2 s): data that lands while a tick runs starts
the next one at once, a tick reads the rows that landed before it began even while another
thread is bringing the node's resident copy in step with the lake, and a tick woken by new data
reads only the sources of the domains that changed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import adapter_fixtures as fx
import pandas as pd
import pytest
from alert_fixtures import open_store

from alerts.config import load_rules
from alerts.engine import WAKE_S, Engine, _lake_stamp
from alerts.store import AlertStore
from config import Settings
from data_adapters.ingest import ingest
from data_adapters.node import LakeNode
from services.cache import make_cache
from services.data import DataService

NOW = fx.NOW
RULES = load_rules()


class _Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> Any:
        return self.at


@pytest.fixture
def lake(tmp_path: Path) -> Iterator[LakeNode]:
    """A writable embedded node holding the adapter fixtures (its resident copy on)."""
    node = LakeNode(tmp_path / "node")
    node.create()
    fx.load(node)
    yield node
    node.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AlertStore]:
    with open_store("sqlite", tmp_path, None) as s:
        yield s


def _engine(lake: LakeNode, store: AlertStore, tmp_path: Path, clock: _Clock) -> Engine:
    settings = Settings(data_dir=tmp_path / "node", cache_url="null")
    data = DataService(lake, make_cache(settings)).stepping(1)  # as `for_settings` makes it
    return Engine(store, data, RULES, clock=clock, interval_s=30.0, changed=_lake_stamp(settings))


def _alarm(lake: LakeNode, unit_id: str, device_id: str) -> None:
    """A confirmed fire alarm at `unit_id`, through the ingest path."""
    frame = pd.DataFrame(
        [{"ts": NOW - timedelta(minutes=1), "device_id": device_id, "unit_id": unit_id}]
    ).astype({"ts": "datetime64[us, UTC]"})
    frame["kind"] = "alarm"
    frame["confirmed"] = pd.array([True], dtype="boolean")
    report = ingest(lake, "fire_device_events", frame, source="test", now=NOW)
    assert (report.accepted, report.rejected) == (1, 0)


def _fires(store: AlertStore, unit_id: str) -> bool:
    return any(a.group_key == unit_id and a.state == "firing" for a in store.alerts(domain="fire"))


def test_data_landing_while_a_tick_runs_starts_the_next_tick_at_once(
    lake: LakeNode, store: AlertStore, tmp_path: Path
) -> None:
    clock = _Clock()
    engine = _engine(lake, store, tmp_path, clock)
    engine.tick()
    assert not _fires(store, "U1")
    calls = engine.data.call

    def landing(fn: Any, **params: Any) -> Any:  # the batch lands after the tick's reads began
        if fn.name == "freshness":  # health.feeds: the batch lands while the tick reads
            _alarm(lake, "U1", "D-late")
        return calls(fn, **params)

    engine.data.call = landing  # type: ignore[method-assign]
    clock.at = NOW + timedelta(seconds=5)
    engine._full_at = None  # a tick on the schedule: every source read
    engine.tick()
    engine.data.call = calls  # type: ignore[method-assign]
    t0 = time.monotonic()
    engine._wait(t0)  # the interval is 30 s
    assert time.monotonic() - t0 < WAKE_S + 0.5
    clock.at = NOW + timedelta(seconds=6)
    engine.tick()
    assert _fires(store, "U1")
    t0 = time.monotonic()
    engine.interval_s = 1.0  # nothing new since that tick began: the interval alone
    engine._wait(t0)
    assert time.monotonic() - t0 >= 1.0


def test_a_tick_reads_a_batch_that_landed_while_another_thread_refreshed_the_copy(
    lake: LakeNode, store: AlertStore, tmp_path: Path
) -> None:
    clock = _Clock()
    engine = _engine(lake, store, tmp_path, clock)
    engine.tick()  # the resident copy is built, the fixtures' alerts raised
    assert lake.resident is not None and not _fires(store, "U1")
    lake.resident._lock.acquire()  # a wall refresh is applying another batch to the copy
    threading.Timer(0.3, lake.resident._lock.release).start()
    _alarm(lake, "U1", "D-new")
    clock.at = NOW + timedelta(seconds=1)
    engine.tick()  # the new stamp woke it: this tick must see the alarm, not the next one
    assert _fires(store, "U1")


def test_a_wake_tick_reads_the_changed_domains_and_evaluates_every_rule(
    lake: LakeNode, store: AlertStore, tmp_path: Path
) -> None:
    clock = _Clock()
    engine = _engine(lake, store, tmp_path, clock)
    first = engine.tick()
    assert first is not None and first.read == len(RULES.sources)
    _alarm(lake, "U1", "D-wake")
    clock.at = NOW + timedelta(seconds=1)
    woken = engine.tick()  # within the interval of the full tick, the fire table changed
    assert woken is not None and woken.read == 1  # fire.live
    assert woken.evaluated == len(RULES.rules)  # the others on the rows the tick before read
    assert _fires(store, "U1")
    near = {a.group_key for a in store.alerts() if a.rule == "fire.key_unit_roads_congested"}
    assert "U2" in near  # the composite rule still met the traffic rows it needs
    clock.at = NOW + timedelta(seconds=2)
    assert engine._full_at is not None
    engine._full_at -= engine.interval_s  # an interval since the last full tick: all again
    again = engine.tick()
    assert again is not None and again.read == len(RULES.sources)


def test_with_the_node_down_the_feeds_go_stale_on_their_last_known_times(
    lake: LakeNode, store: AlertStore, tmp_path: Path
) -> None:
    from data_adapters.result import Result

    def down(fn: Any, **params: Any) -> Any:  # every question fails, as with the node stopped
        return Result(None, None, "connection refused")

    clock = _Clock()
    engine = _engine(lake, store, tmp_path, clock)
    engine.tick()
    assert not [a for a in store.alerts() if a.rule.endswith("feed_stale")]
    stamp = {a.id: a.version for a in store.alerts()}
    engine.data.call = down  # type: ignore[method-assign]
    clock.at = NOW + timedelta(minutes=45)
    engine._full_at = None
    engine.tick()
    stale = {a.rule for a in store.alerts() if a.rule.endswith("feed_stale")}
    want = {
        r.id
        for r in RULES.rules
        if r.kind == "stale" and r.source == "health.feeds" and r.params.max_age_s < 45 * 60
    }
    assert want and stale == want  # the feeds quiet longer than their rules allow
    # every other rule waits: its alerts as they were
    assert {a.id: a.version for a in store.alerts() if a.id in stamp} == stamp
    # an engine starting while the node is down knows no feed's time: its stale rules wait too
    fresh = _engine(lake, store, tmp_path, clock)
    fresh.data.call = down  # type: ignore[method-assign]
    clock.at = NOW + timedelta(minutes=50)
    report = fresh.tick()
    assert report is not None and not report.steps
