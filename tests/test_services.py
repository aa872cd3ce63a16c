"""The data service: cache hits, shared Redis cache, and failures turned into values."""

from __future__ import annotations

import os
import select
import shutil
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW
from flask import Flask
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

import services.cache
from config import Settings
from data_adapters import traffic
from data_adapters.declare import Query
from data_adapters.node import LakeNode, SqlNode
from services.cache import BrainCache, flask_cache, make_cache
from services.data import DataService, floor_time, phase_of
from services.quiet import refreshing


def _settings(tmp_path: Path, cache_url: str = "") -> Settings:
    return Settings(data_dir=tmp_path, cache_url=cache_url)


TTL = {"traffic": 5, "radar": 5, "fire": 10, "emergency": 10, "river": 60, "health": 60}


class Counter:
    """An adapter that counts its calls and can be told to fail (`as_query` declares it as a
    query of a domain; `Counter.of` makes one with its query as `q`)."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self._queries: dict[tuple[str, str], Query] = {}

    def as_query(self, domain: str, name: str = "counter") -> Query:
        """This counter declared as the query `domain.name` (the same object each time)."""
        key = (domain, name)
        if key not in self._queries:
            self._queries[key] = Query(domain, name, self.__call__, TTL[domain])
        return self._queries[key]

    def __call__(self, con: Any, *, now: datetime, adcode: str | None = None) -> pd.DataFrame:
        self.calls += 1
        if self.fail:
            raise ConnectionError("feed is down")
        return pd.DataFrame({"now": [now], "adcode": [adcode], "call": [self.calls]})

    @classmethod
    def of(cls, domain: str, name: str = "counter") -> Any:
        """A counter with its query `domain.name` as `q`."""
        fn = cls()
        fn.q = fn.as_query(domain, name)  # type: ignore[attr-defined]
        return fn


def test_cache_kinds(tmp_path: Path) -> None:
    assert make_cache(_settings(tmp_path)).kind == "filesystem"
    assert (tmp_path / "cache").is_dir()
    assert make_cache(_settings(tmp_path, "null")).kind == "null"
    with pytest.raises(ValueError, match="BRAIN_CACHE_URL"):
        make_cache(_settings(tmp_path, "memcached://x"))


def test_flask_cache_from_settings(tmp_path: Path) -> None:
    app = Flask(__name__)
    cache = flask_cache(_settings(tmp_path), app)
    with app.app_context():
        cache.set("k", {"v": 1}, timeout=5)
        assert cache.get("k") == {"v": 1}


def test_file_cache_reads_its_own_writes_from_memory_and_writes_them_behind(
    tmp_path: Path,
) -> None:
    mine, other = make_cache(_settings(tmp_path)), make_cache(_settings(tmp_path))
    frame = pd.DataFrame({"v": [1, 2]})
    assert mine.set("k", (frame, None), 5)
    frame.loc[0, "v"] = 99  # the caller changing its frame changes nothing stored
    got = mine.get("k")
    assert got[0]["v"].tolist() == [1, 2]
    got[0].loc[1, "v"] = 7  # nor does a reader changing what it got
    assert mine.get("k")[0]["v"].tolist() == [1, 2]
    mine.flush()
    assert other.get("k")[0]["v"].tolist() == [1, 2]  # another worker reads it from disk
    assert mine.set("short", 1, 1) and mine.get("short") == 1
    mine.delete("short")
    assert mine.get("short") is None and other.get("short") is None


def test_only_write_once_keys_are_answered_from_memory(tmp_path: Path) -> None:
    mine, other = make_cache(_settings(tmp_path)), make_cache(_settings(tmp_path))
    mine.set("once", 1, 5, once=True)
    mine.set("again", 1, 5)
    mine.flush()
    other.set("again", 2, 5)  # another worker writes the key again
    other.flush()
    assert mine.get("again") == 2  # read where other workers write
    mine.backend.delete("once")
    assert mine.get("once") == 1  # kept in memory: its one value


def test_the_file_cache_folder_is_swept_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, folder = make_cache(_settings(tmp_path)), tmp_path / "cache"
    for i in range(4):
        cache.set(f"short{i}", i, 1)
    for i in range(6):
        cache.set(f"long{i}", i, 3600)
    cache.flush()
    assert len(os.listdir(folder)) == 10  # the entries alone: no count file rewritten per write
    time.sleep(1.1)
    assert cache.sweep() == 4  # the expired ones
    assert [cache.get(f"long{i}") for i in range(6)] == list(range(6))
    files = sorted(folder.iterdir())
    for age, path in enumerate(files):  # distinct ages: the oldest go first
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    monkeypatch.setattr(services.cache, "_FS_MAX_FILES", 4)
    assert cache.sweep() == 2
    assert sorted(folder.iterdir()) == files[2:]


def test_the_file_cache_sweeps_itself_while_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services.cache, "_SWEEP_S", 0.0)
    cache, folder = make_cache(_settings(tmp_path)), tmp_path / "cache"
    cache.set("old", 1, 1)
    cache.flush()
    time.sleep(1.1)
    cache.set("new", 2, 60)
    cache.flush()
    assert len(os.listdir(folder)) == 1 and cache.get("new") == 2


def test_cache_writes_wait_until_no_refresh_is_computed(tmp_path: Path) -> None:
    mine, other = make_cache(_settings(tmp_path)), make_cache(_settings(tmp_path))
    with refreshing():
        mine.set("k", {"v": 1}, 60)
        time.sleep(0.3)
        assert other.get("k") is None  # not on disk while the refresh is computed
        assert mine.get("k") == {"v": 1}  # this process has it meanwhile
    mine.flush()
    assert other.get("k") == {"v": 1}


def test_floor_time() -> None:
    t = datetime(2024, 7, 15, 4, 0, 7, 123, tzinfo=UTC)
    assert floor_time(t, 5) == datetime(2024, 7, 15, 4, 0, 5, tzinfo=UTC)
    assert floor_time(t, 600) == datetime(2024, 7, 15, 4, 0, tzinfo=UTC)
    assert floor_time(t, 5, 3) == datetime(2024, 7, 15, 4, 0, 3, tzinfo=UTC)
    assert floor_time(t, 5, 2) == datetime(2024, 7, 15, 4, 0, 7, tzinfo=UTC)
    assert floor_time(t, 600, 30) == datetime(2024, 7, 15, 3, 50, 30, tzinfo=UTC)


def test_queries_with_one_timeout_refresh_at_different_times() -> None:
    names = [f"fire.query{i}" for i in range(40)]
    phases = {phase_of(n, 10) for n in names}
    assert all(0 <= p < 10 for p in phases) and len(phases) > 3
    assert phase_of("fire.alarms", 10) == phase_of("fire.alarms", 10)  # stable
    assert phase_of("economy.latest", 1) == 0
    with pytest.raises(ValueError):
        floor_time(datetime(2024, 7, 15), 5)


def test_viewers_in_one_refresh_share_one_query(lake_node: LakeNode, tmp_path: Path) -> None:
    svc = DataService(lake_node, make_cache(_settings(tmp_path)))
    fn = Counter()
    start = floor_time(NOW, 5, phase_of("traffic.counter", 5))  # this query's 5 s refresh
    a = svc.call(fn.as_query("traffic", "counter"), now=start + timedelta(seconds=1))
    b = svc.call(fn.as_query("traffic", "counter"), now=start + timedelta(seconds=4))
    assert fn.calls == 1
    assert a.ok and b.ok
    assert a.as_of == b.as_of == start  # floored to the 5 s refresh of traffic
    pd.testing.assert_frame_equal(a.value, b.value)
    svc.call(
        fn.as_query("traffic", "counter"), now=start + timedelta(seconds=6)
    )  # the next refresh
    svc.call(fn.as_query("traffic", "counter"), now=start, adcode="440802")  # another question
    assert fn.calls == 3


def test_call_floors_times_to_the_declared_lifetime(lake_node: LakeNode, tmp_path: Path) -> None:
    svc = DataService(lake_node, make_cache(_settings(tmp_path)))
    step = traffic.district_tpi.ttl_s
    now = NOW + timedelta(seconds=step + 8)
    r = svc.call(traffic.district_tpi, now=now)
    assert r.ok and r.as_of == floor_time(now, step, phase_of("traffic.district_tpi", step))
    assert NOW <= r.as_of <= now
    assert r.value.iloc[0]["tpi"] == pytest.approx(31000 / 8500)


def test_failure_returns_the_last_good_value(lake_node: LakeNode, tmp_path: Path) -> None:
    svc = DataService(lake_node, make_cache(_settings(tmp_path)))
    fn = Counter()
    good = svc.call(fn.as_query("fire", "counter"), now=NOW)
    fn.fail = True
    later = NOW + timedelta(minutes=1)
    bad = svc.call(fn.as_query("fire", "counter"), now=later)
    assert not bad.ok and "ConnectionError: feed is down" in str(bad.error)
    assert bad.as_of == good.as_of  # the time of the last good data
    pd.testing.assert_frame_equal(bad.value, good.value)
    again = svc.call(
        fn.as_query("fire", "counter"), now=later
    )  # the failure is cached for the refresh
    assert fn.calls == 2 and not again.ok and again.as_of == good.as_of
    never = svc.call(fn.as_query("fire", "counter"), now=later, adcode="440803")
    assert not never.ok and never.value is None and never.as_of is None


def test_dead_lake_fails_into_a_value(tmp_path: Path) -> None:
    node = LakeNode(tmp_path / "node")
    node.create()
    svc = DataService(node, make_cache(_settings(tmp_path, "null")))
    good = svc.call(traffic.segment_state, now=NOW)
    assert good.ok and good.value.empty
    shutil.rmtree(node.data_dir)
    bad = svc.call(traffic.segment_state, now=NOW + timedelta(minutes=1))
    assert not bad.ok and bad.as_of == good.as_of  # remembered in memory: the cache is null
    assert list(bad.value.columns) == list(good.value.columns)
    node.close()


def test_a_closed_server_connection_is_replaced_at_the_next_question(
    pg_node: SqlNode, tmp_path: Path
) -> None:
    node = SqlNode(pg_node.url, schema=str(pg_node.schema))
    svc = DataService(node, make_cache(_settings(tmp_path, "null")))
    good = svc.call(traffic.district_tpi, now=NOW)
    assert good.ok
    node.backend().disconnect()  # a server restart or a dropped network closes it the same way
    again = svc.call(traffic.district_tpi, now=NOW + timedelta(minutes=1))
    assert again.ok, again.error  # the failure while the server is down: tests/test_faults.py
    assert again.value.iloc[0]["adcode"] == "440800"


def test_naive_time_is_an_error_value(lake_node: LakeNode, tmp_path: Path) -> None:
    svc = DataService(lake_node, make_cache(_settings(tmp_path, "null")))
    r = svc.call(traffic.district_tpi, now=datetime(2024, 7, 15, 12))
    assert not r.ok and "naive" in str(r.error)


def test_redis_is_shared_by_workers(lake_node: LakeNode, tmp_path: Path, redis_url: str) -> None:
    settings = _settings(tmp_path, redis_url)
    worker_a = DataService(lake_node, make_cache(settings))
    worker_b = DataService(lake_node, make_cache(settings))
    worker_a.cache.clear()
    try:
        fn = Counter()
        start = floor_time(NOW, 60, phase_of("river.counter", 60))  # this query's refresh
        first = worker_a.call(fn.as_query("river", "counter"), now=start)
        second = worker_b.call(fn.as_query("river", "counter"), now=start + timedelta(seconds=30))
        assert fn.calls == 1 and second.ok
        pd.testing.assert_frame_equal(first.value, second.value)
        fn.fail = True
        bad = worker_b.call(fn.as_query("river", "counter"), now=NOW + timedelta(minutes=5))
        assert not bad.ok and bad.as_of == first.as_of  # worker A's last good value
    finally:
        worker_a.cache.clear()


def test_a_dead_cache_is_a_miss_not_an_error(lake_node: LakeNode, tmp_path: Path) -> None:
    cache = make_cache(_settings(tmp_path, "redis://127.0.0.1:1/0"))  # nothing listens there
    assert cache.get("k") is None and cache.set("k", 1, 5) is False
    svc = DataService(lake_node, cache)
    fn = Counter()
    good = svc.call(fn.as_query("radar", "counter"), now=NOW)
    assert good.ok
    fn.fail = True
    bad = svc.call(fn.as_query("radar", "counter"), now=NOW + timedelta(minutes=1))
    assert not bad.ok and bad.as_of == good.as_of  # from process memory


def test_cache_repr_hides_the_url(tmp_path: Path) -> None:
    cache = make_cache(_settings(tmp_path, "redis://:secret@127.0.0.1:6379/15"))
    assert "secret" not in repr(cache) and isinstance(cache, BrainCache)


class GarbageCache(BrainCache):
    """A cache whose every entry was written by something else."""

    def get(self, key: str) -> Any | None:
        return "not what the service stored"


def test_a_foreign_cache_entry_is_a_miss(lake_node: LakeNode, tmp_path: Path) -> None:
    base = make_cache(_settings(tmp_path, "null"))
    svc = DataService(lake_node, GarbageCache(base.backend, "garbage"))
    fn = Counter()
    good = svc.call(fn.as_query("river", "counter"), now=NOW)
    assert good.ok
    fn.fail = True
    bad = svc.call(fn.as_query("river", "counter"), now=NOW + timedelta(minutes=5))
    assert not bad.ok and bad.as_of == good.as_of  # from process memory


def test_explicit_defaults_share_the_cache_entry(lake_node: LakeNode, tmp_path: Path) -> None:
    svc = DataService(lake_node, make_cache(_settings(tmp_path)))
    calls: list[dict[str, Any]] = []

    def counted(con: Any, *, now: datetime, adcode: str | None = None) -> pd.DataFrame:
        calls.append({"adcode": adcode})
        return traffic.district_tpi(con, now=now, adcode=adcode)

    q = Query("traffic", "district_tpi", counted, 5)
    a = svc.call(q, now=NOW)
    b = svc.call(q, now=NOW, adcode=None)
    c = svc.call(q, now=NOW, adcode="440802")
    assert a.ok and b.ok and c.ok
    assert calls == [{"adcode": None}, {"adcode": "440802"}]


def test_a_check_behind_never_keeps_a_refresh_waiting(lake_node: LakeNode, tmp_path: Path) -> None:
    svc, fn, release = DataService(lake_node, make_cache(_settings(tmp_path))), Counter(), []

    def check(con: Any, *, now: datetime) -> pd.DataFrame:  # a slow check once released
        if release:
            release[0].wait(10)
        return fn(con, now=now)

    check = Query("health", "freshness", check, 60)  # type: ignore[assignment]  # once a minute
    start = floor_time(NOW, 60, phase_of("health.freshness", 60))
    first = svc.behind(check, now=start)  # nothing before it: asked at once
    assert first.ok and fn.calls == 1 and first.as_of == start
    assert svc.behind(check, now=start + timedelta(seconds=30)).key == first.key  # same step
    release.append(threading.Event())
    began = time.monotonic()
    late = svc.behind(check, now=start + timedelta(seconds=65))  # the next step: not waited for
    again = svc.behind(check, now=start + timedelta(seconds=70))  # asked once, not twice
    assert time.monotonic() - began < 5
    assert late.ok and late.as_of == start and late.key == first.key and again.as_of == start
    release[0].set()
    services.data.finish_background()
    fresh = svc.behind(check, now=start + timedelta(seconds=75))
    assert fn.calls == 2 and fresh.as_of == start + timedelta(seconds=60)
    assert fresh.value["call"].tolist() == [2]
    skipped = svc.behind(check, now=start + timedelta(minutes=5))  # steps missed: asked at once
    assert fn.calls == 3 and skipped.as_of == start + timedelta(minutes=5)


def test_full_collections_wait_for_a_quiet_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import services.quiet as q

    collected: list[float] = []
    monkeypatch.setattr(q, "COLLECT_S", 0.05)
    monkeypatch.setattr(q.gc, "collect", lambda: collected.append(time.monotonic()))
    with refreshing():
        worker = threading.Thread(target=q._collect_forever, daemon=True)
        worker.start()
        time.sleep(0.5)
        assert not collected  # never while a refresh is being computed (up to WAIT_MAX_S)
        done = time.monotonic()
    time.sleep(0.3)
    assert collected and collected[0] >= done
    q.collect_between_refreshes()
    assert gc.get_threshold()[2] == q._AUTO_FULL  # the interpreter no longer starts them


def test_peek_answers_only_from_the_cache(lake_node: LakeNode, tmp_path: Path) -> None:
    svc, fn = DataService(lake_node, make_cache(_settings(tmp_path))), Counter.of("fire")
    assert svc.peek(fn.q, now=NOW) is None and fn.calls == 0  # not asked: nothing in the cache
    asked = svc.call(fn.q, now=NOW)
    seen = svc.peek(fn.q, now=NOW)
    assert fn.calls == 1 and seen is not None and seen.key == asked.key
    pd.testing.assert_frame_equal(seen.value, asked.value)


def test_a_forked_worker_collects_too() -> None:
    import services.quiet as q

    q.collect_between_refreshes()
    threads = threading.enumerate
    assert _in_forked_worker(lambda: "collect-between-refreshes" in {t.name for t in threads()})


def test_a_forked_worker_writes_its_own_cache_entries(tmp_path: Path) -> None:
    cache = make_cache(_settings(tmp_path))
    cache.set("parent", 1, 60)  # the parent's writer thread exists now
    cache.flush()

    def write_in_worker() -> bool:  # no writer thread came with the fork
        cache.set("child", 2, 60)
        cache.flush()
        return bool(make_cache(_settings(tmp_path)).get("child") == 2)

    assert _in_forked_worker(write_in_worker)


def _in_forked_worker(check: Callable[[], bool]) -> bool:
    """`check()` in a forked child process, as a worker of a preloaded app runs; False when it
    fails or hangs (the child is killed after 20 s)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write, b"1" if check() else b"0")
        finally:
            os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 20)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    answer = os.read(read, 1) if ready else b""
    os.waitpid(pid, 0)
    os.close(read)
    return answer == b"1"


def test_a_forked_worker_runs_its_own_query_threads(lake_node: LakeNode, tmp_path: Path) -> None:
    from services.fetch import fetch

    svc, fn = DataService(lake_node, make_cache(_settings(tmp_path))), Counter.of("fire")
    assert fetch(svc, (fn.q, {"now": NOW}))[0].ok  # the parent's query threads exist now
    # its query threads did not come with the fork
    assert _in_forked_worker(lambda: fetch(svc, (fn.q, {"now": NOW + timedelta(minutes=1)}))[0].ok)


def test_late_answers_the_step_before_and_asks_this_one_between_refreshes(
    lake_node: LakeNode, tmp_path: Path
) -> None:
    svc, fn = DataService(lake_node, make_cache(_settings(tmp_path))), Counter.of("river")
    step = fn.q.ttl_s
    start = floor_time(NOW, step, phase_of("river.counter", step))
    assert svc.late(fn.q, now=start) is None and fn.calls == 0  # nothing yet: ask it now
    first = svc.call(fn.q, now=start)
    following = svc.late(fn.q, now=start + timedelta(seconds=step))  # the next step
    assert following is not None and following.as_of == first.as_of  # the one before, as such
    services.data.finish_background()
    assert fn.calls == 2  # and this step's asked in the background
    fresh = svc.late(fn.q, now=start + timedelta(seconds=step))
    assert fresh is not None and fresh.as_of == start + timedelta(seconds=step)
    assert svc.late(fn.q, now=start + timedelta(seconds=5 * step)) is None  # too old: ask now


def test_the_same_question_asked_earlier() -> None:
    from services.data import _earlier

    d, m = timedelta(days=1), timedelta(minutes=1)
    week = {"start": NOW - 7 * d, "end": NOW}
    assert _earlier(week, {"start": NOW - 7 * d + m, "end": NOW + m})  # rolling
    assert _earlier(week, {"start": NOW - 7 * d, "end": NOW + m})  # growing from its start
    assert _earlier(week, week)
    assert not _earlier(week, {"start": NOW - 30 * d, "end": NOW})  # longer
    assert not _earlier(week, {"start": NOW - 3 * d, "end": NOW})  # shorter
    assert not _earlier(week, {"start": NOW - 7 * d + 2 * m, "end": NOW + m})  # moved apart
    assert not _earlier(week, {"end": NOW})  # other parameters
    assert _earlier({"now": NOW}, {"now": NOW + m})
    assert _earlier({"now": NOW, "since": None}, {"now": NOW + m, "since": None})
    assert not _earlier({"now": NOW, "since": None}, {"now": NOW + m, "since": NOW})
    assert _earlier({"at": NOW}, {"at": NOW}) and not _earlier({"at": NOW}, {"at": NOW + m})


def _window(con: Any, *, start: datetime, end: datetime) -> pd.DataFrame:
    """A windowed adapter: its answer says the window's length (and fails when told)."""
    if _WINDOW_DOWN:
        raise ConnectionError("node is down")
    return pd.DataFrame({"days": [(end - start) / timedelta(days=1)], "end": [end]})


_WINDOW_DOWN: list[bool] = []
WINDOW = Query("river", "window", _window, 60)


def test_a_window_of_another_length_is_never_answered_for_this_one(
    lake_node: LakeNode, tmp_path: Path
) -> None:
    svc = DataService(lake_node, make_cache(_settings(tmp_path)))
    step = timedelta(seconds=WINDOW.ttl_s)
    end = floor_time(NOW, WINDOW.ttl_s, phase_of("river.window", WINDOW.ttl_s))
    week = svc.call(WINDOW, start=end - timedelta(days=7), end=end)
    assert week.value["days"].tolist() == [7.0]
    # one step on, the same rolling week and a week growing from its start: the one before
    # (the growing one asked of a service of its own: the rolling week's answer, asked in the
    # background, may come in first and stand for the week from then on)
    rolling = svc.late(WINDOW, start=end - timedelta(days=7) + step, end=end + step)
    assert rolling is not None and rolling.as_of == end and rolling.value["days"].tolist() == [7.0]
    other = DataService(lake_node, make_cache(_settings(tmp_path / "other")))
    assert other.call(WINDOW, start=end - timedelta(days=7), end=end).as_of == end
    growing = other.late(WINDOW, start=end - timedelta(days=7), end=end + step)
    assert growing is not None and growing.as_of == end
    services.data.finish_background()
    # the same end, 30 days: asked now, never the week's answer (it once stood for it, so a
    # river section's 30 days showed none of the patrols before the last week)
    assert svc.late(WINDOW, start=end - timedelta(days=30), end=end) is None
    shorter = svc.late(WINDOW, start=end - timedelta(days=3), end=end)
    assert shorter is None  # nor for a shorter one
    month = svc.call(WINDOW, start=end - timedelta(days=30), end=end)
    assert month.value["days"].tolist() == [30.0]
    services.data.finish_background()
    # the node down: a failed question is given the last good answer of its own window only,
    # each window's kept
    _WINDOW_DOWN.append(True)
    try:
        later = end + 10 * step
        down_month = svc.call(WINDOW, start=later - timedelta(days=30), end=later)
        assert not down_month.ok and down_month.value["days"].tolist() == [30.0]
        down_week = svc.call(WINDOW, start=later - timedelta(days=7), end=later)  # kept too
        assert not down_week.ok and down_week.value["days"].tolist() == [7.0]
        never = svc.call(WINDOW, start=later - timedelta(days=3), end=later)
        assert not never.ok and never.value is None and never.as_of is None
    finally:
        _WINDOW_DOWN.clear()


def _records_row_by_row(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """`records` as it is defined: every cell of `to_dict("records")` through `_plain`."""
    from services.fetch import _plain

    part = frame[[c for c in columns if c in frame.columns]]
    return [{str(c): _plain(v) for c, v in row.items()} for row in part.to_dict("records")]


_CELLS = {
    "f": st.one_of(st.floats(-1e30, 1e30), st.just(float("nan"))),
    "i": st.integers(-(2**40), 2**40),
    "b": st.booleans(),
    "s": st.one_of(st.none(), st.text(max_size=4)),
    "t": st.one_of(
        st.none(),
        st.datetimes(
            min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
        ),
    ),
}


@hyp_settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 12).flatmap(
        lambda n: st.fixed_dictionaries(
            {k: st.lists(v, min_size=n, max_size=n) for k, v in _CELLS.items()}
        )
    ),
    st.sampled_from(["numpy", "nullable"]),
)
def test_records_give_each_cell_as_plain_data(cols: dict[str, list[Any]], kinds: str) -> None:
    """Rows as JSON-ready dicts, a column at a time, equal to every cell through `_plain`:
    floats with NaN, integers, booleans (numpy or nullable), text with gaps and times with NaT."""
    from services.fetch import records

    frame = pd.DataFrame(cols)
    frame["t"] = pd.to_datetime(frame["t"], utc=True)
    frame["f32"] = frame["f"].astype("float32")
    if kinds == "nullable":
        frame = frame.astype({"i": "Int64", "b": "boolean", "s": "string"})
    columns = ["t", "s", "f", "i", "b", "f32", "absent"]
    got, want = records(frame, columns), _records_row_by_row(frame, columns)
    assert got == want  # NaN is None on both sides
    assert [list(r) for r in got] == [list(r) for r in want]
    assert [[type(v) for v in r.values()] for r in got] == [
        [type(v) for v in r.values()] for r in want
    ]
