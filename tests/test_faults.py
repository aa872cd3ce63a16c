"""Faults a command center must survive, each on real servers of the test's own (a PostgreSQL
cluster, a Redis, a proxy that stalls): the data service answers with an error value and the last
good data while a dependency is down or slow, and recovers by itself when it is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adapter_fixtures
import pytest
from adapter_fixtures import NOW
from browser import wait_for
from servers import OwnPostgres, StallingProxy, own_postgres, own_redis

from data_adapters import traffic
from data_adapters.node import SqlNode
from services.cache import BrainCache, make_cache
from services.data import RETRY_S, DataService, finish_background


def _cache(url: str = "null") -> BrainCache:
    from dataclasses import replace

    from config import load_settings

    return make_cache(replace(load_settings({}), cache_url=url))


def _cache_in(folder: Path) -> BrainCache:
    """The default cache (the file system) in `folder`: it keeps answers and failures."""
    from dataclasses import replace

    from config import load_settings

    return make_cache(replace(load_settings({}), data_dir=folder))


@pytest.fixture(scope="module")
def pg() -> Iterator[OwnPostgres]:
    with own_postgres() as server:
        node = SqlNode(server.url)
        node.create()
        adapter_fixtures.load(node)
        node.close()
        yield server


def _tpi(data: DataService, minutes: int) -> Any:
    """A fresh question each time (a new `now`), so the cache cannot answer it."""
    from datetime import timedelta

    return data.call(traffic.district_tpi, now=NOW - timedelta(minutes=minutes))


def test_postgres_stopped_and_started_again_is_used_again_by_itself(pg: OwnPostgres) -> None:
    data = DataService(SqlNode(pg.url), _cache(), timeout_s=5)
    good = _tpi(data, 0)
    assert good.ok and len(good.value) > 0
    pg.stop()
    try:
        down = _tpi(data, 0)  # the same question: its last good answer comes with the error
        assert not down.ok and down.error
        assert down.value is not None and down.value.equals(good.value)
        assert not _tpi(data, 1).ok  # and a new one fails too, without raising
    finally:
        pg.start()
    back = _tpi(data, 2)
    assert back.ok, back.error  # no restart of the app, no reconnect by hand


def test_a_stalled_data_node_times_out_instead_of_hanging(pg: OwnPostgres) -> None:
    proxy = StallingProxy(pg.port)
    try:
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/postgres"
        data = DataService(SqlNode(url), _cache(), timeout_s=1.0)
        assert _tpi(data, 10).ok
        proxy.stall()
        started = time.monotonic()
        slow = _tpi(data, 11)
        waited = time.monotonic() - started
        assert not slow.ok and "within 1 s" in str(slow.error)
        assert waited < 3.0, waited
        proxy.flow()
        assert _tpi(data, 12).ok
    finally:
        proxy.close()


def test_the_app_answers_without_the_shared_cache_when_redis_dies(pg: OwnPostgres) -> None:
    with own_redis() as redis:
        data = DataService(SqlNode(pg.url), _cache(redis.url), timeout_s=5)
        assert _tpi(data, 20).ok
        redis.kill()
        started = time.monotonic()
        answer = _tpi(data, 21)
        assert answer.ok, answer.error
        assert time.monotonic() - started < 5.0


def test_a_question_that_failed_is_asked_again_within_seconds_of_the_node_coming_back(
    pg: OwnPostgres, tmp_path: Path
) -> None:
    # road segments are kept 300 s: a failure held that long would keep a panel "stale" for
    # up to five minutes after the node is back
    data = DataService(SqlNode(pg.url), _cache_in(tmp_path), timeout_s=5)
    pg.stop()
    try:
        assert not data.call(traffic.segments, adcode="440803").ok
    finally:
        pg.start()
    back = time.monotonic()
    wait_for(lambda: data.call(traffic.segments, adcode="440803").ok, 15, "the answer again")
    assert time.monotonic() - back <= RETRY_S + 1


def test_a_check_asked_behind_stays_failed_while_the_node_is_down(
    pg: OwnPostgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the wall's feed check is asked behind its refreshes (`DataService.behind`): once a retry
    # failed, the answer of the step before is the last good data, not a good answer (the
    # panels' badges would blink between stale and fresh every retry while the node is down)
    from datetime import timedelta

    import services.data
    from data_adapters import health

    monkeypatch.setattr(services.data, "RETRY_S", 1)
    data = DataService(SqlNode(pg.url), _cache_in(tmp_path), timeout_s=5)

    def check(step: int) -> Any:
        answer = data.behind(health.freshness, now=NOW + timedelta(minutes=step), counts=False)
        finish_background()
        return answer

    good = check(0)
    assert good.ok
    pg.stop()
    try:
        check(1)  # the step before's answer, this step's asked behind: it fails
        for _ in range(3):
            down = check(1)
            assert not down.ok and down.value is not None and down.value.equals(good.value)
            time.sleep(1.2)  # the failure forgotten: the question is asked again
    finally:
        pg.start()
    wait_for(lambda: check(1).ok, 15, "the check answered again")


def test_the_first_questions_after_a_restart_are_answered_on_new_connections(
    pg: OwnPostgres,
) -> None:
    """Every query thread holds a connection of its own; after the server restarted while
    nobody asked, a thread finds its connection dead only by using it. That question is asked
    again on a new connection: answered, not failed (one failure per thread before)."""
    from concurrent.futures import ThreadPoolExecutor

    data = DataService(SqlNode(pg.url), _cache(), timeout_s=5)
    with ThreadPoolExecutor(8) as pool:  # connections on many of the query threads
        assert all(r.ok for r in pool.map(lambda m: _tpi(data, 10 + m), range(16)))
    pg.stop()
    pg.start()
    with ThreadPoolExecutor(8) as pool:
        after = list(pool.map(lambda m: _tpi(data, 40 + m), range(16)))
    assert all(r.ok for r in after), [r.error for r in after if not r.ok]
