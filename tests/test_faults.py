"""Faults a command center must survive, each on real servers of the test's own (a PostgreSQL
cluster, a Redis, a proxy that stalls): the data service answers with an error value and the last
good data while a dependency is down or slow, and recovers by itself when it is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import adapter_fixtures
import pytest
from adapter_fixtures import NOW
from servers import OwnPostgres, StallingProxy, own_postgres, own_redis

from data_adapters import traffic
from data_adapters.node import SqlNode
from services.cache import BrainCache, make_cache
from services.data import DataService


def _cache(url: str = "null") -> BrainCache:
    from dataclasses import replace

    from config import load_settings

    return make_cache(replace(load_settings({}), cache_url=url))


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
