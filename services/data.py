"""The data service: adapters through the cache, failures turned into values.

`DataService.call(query, **params)` is what callbacks, the CLI and the benchmark call instead of
an adapter; it takes only declared queries (`data_adapters.declare`). It floors the query's time
parameters to its declared lifetime (`ttl_s`), so every viewer within one refresh shares one
entry and one query, and keys the entry by the query's identity and every parameter's value
(defaults included). Each query's steps are offset by a phase of its own (a stable hash of its
name), so the entries of many queries with one lifetime do not all expire at the same refresh
and make it the slow one. It never raises: a failing query gives `Result.failed(error, last=…)`
with the last good value and its `as_of` for the same question (kept in the cache, so other
workers have it too, and in memory, so it survives a dead cache). A failure is kept `RETRY_S` at
most, not for the query's lifetime: the question is asked again at the next refresh or so, and a
node that is back answers it within seconds.

The cache holds each distinct answer once, under its content key (`blob:<key>`, see
`brain.memo.content_key`, for `_BLOB_S`); a question's entry only names that key. An answer that
is the same from one refresh to the next (most of them) is then stored once, not every refresh.
The last good value is shared whole, under one key per question, at most once a minute, so the
cache keeps one of them per question, not one per minute. What a worker writes per refresh is a
few short entries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from brain.memo import Kept, content_key
from data_adapters.declare import Query
from data_adapters.result import Result
from services.cache import BrainCache
from services.quiet import quiet

__all__ = [
    "LAST_GOOD_S",
    "RETRY_S",
    "DataService",
    "QueryTimeout",
    "finish_background",
    "floor_time",
    "phase_of",
]

log = logging.getLogger(__name__)

LAST_GOOD_S = 86400  # how long the last good value of a question is remembered
_MEMORY = 512  # last good values kept in process memory
_WINDOWS = 4  # windows of other lengths kept per question (a page's ranges: 24 h, 7 and 30 days)
_STORED = 4096  # content keys this process remembers having stored
_BLOB_S = 900  # an answer stays in the cache this long after it was last stored
_RESTATE_S = 60  # a question's last good value is shared with other workers this often
RETRY_S = 5  # a failed question is asked again after this long at most (a wall's refresh)
_MISSING = object()
_behind_lock = threading.Lock()
_behind_keys: set[str] = set()  # questions being asked in the background (`DataService.behind`)


@cache
def _background() -> ThreadPoolExecutor:
    """The thread that asks `behind` questions (one: they are few and must not crowd a refresh)."""
    return ThreadPoolExecutor(1, thread_name_prefix="data-behind")


class QueryTimeout(TimeoutError):
    """A data node that did not answer within the service's `timeout_s`."""


@cache
def _deadlines() -> ThreadPoolExecutor:
    """Threads that run queries under a deadline (each keeps its own connection to the node)."""
    return ThreadPoolExecutor(8, thread_name_prefix="data-query")


def finish_background() -> None:
    """Wait until the questions asked in the background so far are answered."""
    _background().submit(lambda: None).result()


os.register_at_fork(after_in_child=_background.cache_clear)  # a forked worker starts its own
os.register_at_fork(after_in_child=_deadlines.cache_clear)


class _Good(NamedTuple):
    """A question's last good answer, as this process keeps it."""

    value: Any
    as_of: datetime | None
    content: str  # its content key
    shared: datetime | None  # the as_of last shared with other workers
    error: str | None = None  # the error of the question's latest attempt, when it failed
    times: tuple[tuple[str, datetime | None], ...] = ()  # the time parameters it answered

    def result(self) -> Result[Any]:
        return Result.good(self.value, self.as_of, self.content)


@dataclass(frozen=True)
class _Question:
    """One adapter call as the cache knows it: parameters floored to its step, and its keys."""

    query: Query
    step: int  # seconds
    params: dict[str, Any]
    key: str  # this step's answer
    last_key: str  # the question's last good answer, whatever the step
    keyed: bool  # False: the query's identity is unknown, so its answers are never kept


def _times(q: _Question) -> tuple[tuple[str, datetime | None], ...]:
    """The question's time parameters (floored), in a fixed order."""
    return tuple(sorted((k, v) for k, v in q.params.items() if k in q.query.times))


def floor_time(when: datetime, step_s: int, phase_s: int = 0) -> datetime:
    """`when` floored to a multiple of `step_s` seconds since the epoch (UTC), plus `phase_s`
    (steps starting `phase_s` seconds after each multiple)."""
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when.isoformat()}: pass a tz-aware UTC time")
    if step_s <= 1:
        return when.astimezone(UTC)
    epoch = int(when.timestamp()) - phase_s % step_s
    return datetime.fromtimestamp(epoch - epoch % step_s + phase_s % step_s, UTC)


def phase_of(name: str, step_s: int) -> int:
    """A query's phase within its step: stable across processes (not Python's `hash`)."""
    if step_s <= 1:
        return 0
    digest = hashlib.blake2b(name.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % step_s


def _earlier(old: Mapping[str, datetime | None], new: Mapping[str, datetime | None]) -> bool:
    """Whether the time parameters `old` ask the question of `new` as it was asked at another
    time: the time it is as of (`now`, else `end`) moved, and every other time either stayed
    (a window growing from a fixed start: "today") or moved with it (a rolling window: "the last
    7 days"). A window of another length (7 days asked, 30 days kept) is another question, and
    its answer is never given for this one."""
    if old.keys() != new.keys():
        return False
    anchor = next((k for k in ("now", "end") if new.get(k) is not None), None)
    if anchor is None or old.get(anchor) is None:
        return dict(old) == dict(new)
    moved = new[anchor] - old[anchor]  # type: ignore[operator]
    for key, value in new.items():
        before = old[key]
        if value is None or before is None:
            if value is not before:
                return False
        elif value - before not in (moved, timedelta(0)):
            return False
    return True


def _is_shared(stored: Any) -> bool:
    """Whether a cache entry is the shared last good answers of a question's windows."""
    return isinstance(stored, tuple) and len(stored) == 2 and stored[0] == "windows"


def _apart(a: datetime | None, b: datetime | None) -> float:
    """Seconds between two times (infinite when one is unknown)."""
    return abs((b - a).total_seconds()) if a is not None and b is not None else float("inf")


def _canon(value: Any) -> Any:
    """A JSON-able, stable form of a parameter value (for cache keys)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, timedelta):
        return {"s": value.total_seconds()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_canon(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Mapping):
        return {str(k): _canon(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _digest(params: Mapping[str, Any]) -> str:
    text = json.dumps({k: _canon(v) for k, v in sorted(params.items())}, ensure_ascii=False)
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _node_id(node: Any) -> str:
    """A short id of the data node (hashed: a URL may hold a password)."""
    parts = [str(getattr(node, a, "")) for a in ("name", "data_dir", "url", "schema")]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:10]


def _declared(fn: Any, params: dict[str, Any]) -> tuple[Query, dict[str, Any]]:
    """The declared query of a call and its parameters (a `functools.partial` of a query gives
    its keywords); TypeError for anything else."""
    if isinstance(fn, functools.partial) and isinstance(fn.func, Query) and not fn.args:
        return fn.func, {**fn.keywords, **params}
    if not isinstance(fn, Query):
        raise TypeError(f"{fn!r} is not a declared query (see data_adapters.declare.query)")
    return fn, params


class DataService:
    """Adapters behind the cache; every answer is a `Result`."""

    def __init__(
        self,
        node: Any,
        cache: BrainCache,
        *,
        timeout_s: float | None = None,
        max_step_s: int | None = None,
    ) -> None:
        self.node = node
        self.cache = cache
        self.timeout_s = timeout_s  # None: the query runs in the calling thread, unbounded
        self.max_step_s = max_step_s  # None: times are floored to each query's lifetime
        self._node_id = _node_id(node)
        # last key → the last good answer of each window asked under it (`_keep`)
        self._last: Kept[str, tuple[_Good, ...]] = Kept(_MEMORY)
        self._stored: Kept[str, float] = Kept(_STORED)  # content key → when stored (monotonic)

    def __repr__(self) -> str:
        return f"DataService({self.node!r}, {self.cache!r})"

    def stepping(self, max_step_s: int) -> DataService:
        """The same node and cache with times floored to at most `max_step_s` seconds: for the
        one caller per deployment that must see new data within seconds (the alert engine),
        where sharing an answer between viewers matters less than its age."""
        return DataService(self.node, self.cache, timeout_s=self.timeout_s, max_step_s=max_step_s)

    def catch_up(self) -> None:
        """Bring the node's copy in memory in step with its files now, waiting for a refresh
        another thread has under way (a query alone does not wait for one and may read the copy
        as it was before the newest batch): for the alert engine, whose tick must see every
        row that landed before it began. A no-op for a node without such a copy."""
        catch_up = getattr(self.node, "catch_up", None)
        if catch_up is not None:
            catch_up()

    def _as_of(self, params: Mapping[str, Any]) -> datetime | None:
        """The time an answer is as of: its `now`, or the end of its window."""
        for name in ("now", "end"):
            value = params.get(name)
            if isinstance(value, datetime):
                return value
        return None

    def _store(self, content: str, value: Any) -> None:
        """The answer under its content key, unless this process stored it not long ago."""
        now, when = time.monotonic(), self._stored.get(content)
        if when is not None and now - when < _BLOB_S / 2:
            return
        self._stored.put(content, now)
        # boxed: an answer may be None, which the cache reads as "missing"
        self.cache.set(f"blob:{content}", (value,), _BLOB_S, once=True)

    def _blob(self, content: Any) -> Any:
        if not isinstance(content, str):
            return _MISSING
        boxed = self.cache.get(f"blob:{content}")
        return boxed[0] if isinstance(boxed, tuple) and len(boxed) == 1 else _MISSING

    def _mine(self, q: _Question) -> _Good | None:
        """This process's last good answer of the question as asked earlier (`_earlier`)."""
        times = dict(_times(q))
        kept = self._last.get(q.last_key) or ()
        return next((g for g in kept if _earlier(dict(g.times), times)), None)

    def _keep(self, q: _Question, good: _Good) -> None:
        """`good` as the question's last good answer, in place of the one of its window; the
        windows of other lengths asked under the same key (a page's 7 and 30 days) stay, the
        `_WINDOWS` most recent."""
        times = dict(good.times)
        kept = self._last.get(q.last_key) or ()
        others = tuple(g for g in kept if not _earlier(dict(g.times), times))
        self._last.put(q.last_key, (good, *others)[:_WINDOWS])

    def _remember(self, q: _Question, value: Any, as_of: datetime | None, content: str) -> None:
        """Keep the last good value in memory, and share it with other workers at most once a
        minute (a feed that moves every refresh would otherwise cost a write each refresh)."""
        times = _times(q)
        before = self._mine(q)
        shared = before.shared if before is not None else None
        share = _apart(shared, as_of) >= _RESTATE_S
        self._keep(q, _Good(value, as_of, content, as_of if share else shared, None, times))
        if share:
            stored = self.cache.get(q.last_key)
            entries = stored[1] if _is_shared(stored) else ()
            entries = tuple(e for e in entries if not _earlier(dict(e[3]), dict(times)))
            fresh = ((value, as_of, content, times), *entries)[:_WINDOWS]
            self.cache.set(q.last_key, ("windows", fresh), LAST_GOOD_S)

    def _last_good(self, q: _Question) -> Result[Any] | None:
        """The question's last good answer: of the same question asked earlier (`_earlier`),
        from any worker, else this process's own; None when there is none."""
        times = dict(_times(q))
        stored = self.cache.get(q.last_key)
        for value, as_of, content, asked in stored[1] if _is_shared(stored) else ():
            if _earlier(dict(asked), times):
                return Result.good(value, as_of, content)
        mine = self._mine(q)  # missing, not ours, or its answer gone: this process's own
        return None if mine is None else mine.result()

    def _question(self, fn: Any, params: dict[str, Any]) -> _Question | Result[Any]:
        """The call's parameters (defaults filled in, times floored to its step) and its cache
        keys; a failed result for a call the query refuses (an unknown parameter, a naive
        time, a window that ends before it starts)."""
        q, params = _declared(fn, params)
        step = min(q.ttl_s, self.max_step_s) if self.max_step_s else q.ttl_s
        phase = phase_of(q.key, step)
        try:
            bound = q.bind(params)
            bound = {
                k: floor_time(v, step, phase) if k in q.times and v is not None else v
                for k, v in bound.items()
            }
        except (TypeError, ValueError) as err:
            return Result.failed(f"{type(err).__name__}: {err}")
        others = {k: v for k, v in bound.items() if k not in q.times}
        base = f"{self._node_id}:{q.key}:{q.identity}"
        return _Question(
            q,
            step,
            bound,
            f"data:{base}:{_digest(bound)}",
            f"last:{base}:{_digest(others)}",
            q.identity is not None,
        )

    def _cached(self, q: _Question) -> Result[Any] | None:
        """The question's answer (or failure) in the cache, or None."""
        hit = self.cache.get(q.key)
        if isinstance(hit, tuple) and len(hit) == 3:  # anything else is a miss
            content, as_of, error = hit
            if error is not None:
                return Result.failed(error, last=self._last_good(q))
            value = self._blob(content)
            if value is not _MISSING:  # (an answer gone from the cache: ask again)
                return Result.good(value, as_of, content)
        return None

    def _ask(self, q: _Question) -> Result[Any]:
        """Run the query and store its answer (or its failure)."""
        try:
            value = self._run(q)
        except Exception as err:  # the one broad except: a failing source (any engine, driver
            # or adapter error) must become a value, so one dead feed cannot blank the wall;
            # the error text and the last good data go to the panel instead.
            error = f"{type(err).__name__}: {err}"[:500]
            log.warning("%s failed: %s", q.query.key, error)
            if q.keyed:  # one retry per refresh, not per viewer; not held for the whole step,
                # so a node that is back is used again within seconds whatever the query's ttl
                self.cache.set(q.key, (None, None, error), min(q.step, RETRY_S), once=True)
                mine = self._mine(q)
                if mine is not None:  # until an answer comes, `late` asks it again at once
                    self._keep(q, mine._replace(error=error))
            return Result.failed(error, last=self._last_good(q) if q.keyed else None)
        as_of = self._as_of(q.params)
        content = content_key(value) if q.keyed else None
        if content is None:  # not picklable, so not storable either: this viewer only
            return Result.good(value, as_of)
        self._store(content, value)
        self.cache.set(q.key, (content, as_of, None), q.step, once=True)  # a key per refresh
        self._remember(q, value, as_of, content)
        return Result.good(value, as_of, content)

    def _run(self, q: _Question) -> Any:
        """The query's answer; with a `timeout_s`, from a thread of `_deadlines` waited for that
        long at most (a stalled server or network then fails the query instead of hanging the
        request; the thread finishes or fails on its own, its answer dropped)."""
        if self.timeout_s is None:
            return self._on_node(q)
        future = _deadlines().submit(self._on_node, q)
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            raise QueryTimeout(
                f"the data node gave no answer within {self.timeout_s:g} s"
            ) from None

    def _on_node(self, q: _Question) -> Any:
        """The query on this thread's connection, and once more on a new one when that
        connection turned out to be dead: a server that restarted since a thread last asked is
        only found out by asking, so each thread's first question would fail otherwise."""
        try:
            return q.query(self.node.backend(), **q.params)
        except Exception:
            lost = getattr(self.node, "lost", None)
            if lost is None or not lost():
                raise
            return q.query(self.node.backend(), **q.params)

    def _through(self, q: _Question | Result[Any]) -> Result[Any]:
        if isinstance(q, Result):
            return q
        return (self._cached(q) if q.keyed else None) or self._ask(q)

    def call(self, query: Query, /, **params: Any) -> Result[Any]:
        """The answer of a declared query through the cache (`svc.call(traffic.district_tpi,
        now=now)`); never raises: a failure is a `Result` with the last good value."""
        return self._through(self._question(query, params))

    def peek(self, query: Query, /, **params: Any) -> Result[Any] | None:
        """`call`'s result when the cache has it (None when it would ask the query)."""
        q = self._question(query, params)
        if isinstance(q, Result):
            return q
        return self._cached(q) if q.keyed else None

    def behind(self, query: Query, /, **params: Any) -> Result[Any]:
        """`call` for a check whose step is much longer than a refresh (the feed health): when
        this step's answer is not in yet but this process has the previous step's, that one
        now, and this step's asked in the background, so no refresh waits for the check. A
        step's answer is then at most one refresh late; anything older is asked at once, and so
        is a question whose latest attempt failed (a node that is down fails it as fast as it
        did; one that is back answers it)."""
        q = self._question(query, params)
        if isinstance(q, Result) or not q.keyed:
            return self._through(q)
        return self._late(q) or self._ask(q)

    def late(self, query: Query, /, **params: Any) -> Result[Any] | None:
        """`behind`'s answer when it has one without asking the query now (None: it would)."""
        q = self._question(query, params)
        if isinstance(q, Result):
            return q
        return self._late(q) if q.keyed else None

    def _late(self, q: _Question) -> Result[Any] | None:
        found = self._cached(q)
        if found is not None:
            return found
        mine = self._mine(q)
        if (
            mine is None
            or mine.error is not None
            or _apart(mine.as_of, self._as_of(q.params)) > q.step
        ):
            return None  # none, too old, or its latest attempt failed: ask it now
        with _behind_lock:
            first = q.key not in _behind_keys
            _behind_keys.add(q.key)
        if first:
            _background().submit(self._ask_behind, q)
        return mine.result()

    def _ask_behind(self, q: _Question) -> None:
        quiet()  # between refreshes, not during the one that asked
        try:
            self._ask(q)
        finally:
            with _behind_lock:
                _behind_keys.discard(q.key)
