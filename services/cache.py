"""The cache, picked from settings: file system (default), Redis (shared by workers) or none.

`BRAIN_CACHE_URL` empty → `FileSystemCache` under `<data_dir>/cache`; `redis://host:port/db` →
`RedisCache`; `null` → `NullCache`. `make_cache` gives a `BrainCache`, usable without a Flask app
(the CLI, the benchmark and tests use it); `flask_cache` gives the same backend as a
flask-caching `Cache` for a Flask server. A broken cache behaves as an empty one: reads miss and
writes are dropped, with a log line, so a dead Redis never breaks a page.

In front of the shared backend each process keeps in memory, until they expire, the entries it
wrote under keys that are never written again (`set(..., once=True)`: the data service's
per-refresh answers): a wall refresh reads back dozens of entries, and a read from memory costs a
fraction of a file or network round trip, and since such a key keeps its one value the copy never
disagrees with the backend. Keys that are written again (a browser's map state, last good values)
are always read from the backend, where other workers' writes land. A read gets its own copy, as
from the backend. On the file system the write itself (several small files per entry) is left to
a background thread, so a refresh does not wait on the disk; until it is done this process reads
the value from memory, and `flush()` waits for it. While a wall refresh is being computed
(`services.quiet.refreshing`) the writer waits (up to a second): its writes then go to disk
between refreshes instead of taking turns with the refresh for the interpreter.

On the file system the folder is bounded by sweeping it, not by counting on every write:
cachelib's threshold keeps a count file that each write reads and rewrites (two more file
round trips per entry, most of the cost of a refresh's writes). So the backend runs without a
threshold, and once a minute the writer removes expired entries and, beyond `_FS_MAX_FILES`,
the oldest.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import threading
import time
from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import redis
from flask import Flask
from flask_caching import Cache
from flask_caching.backends.base import BaseCache
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.nullcache import NullCache
from flask_caching.backends.rediscache import RedisCache

from services.quiet import quiet

__all__ = [
    "KEY_PREFIX",
    "BrainCache",
    "cache_config",
    "flask_cache",
    "make_cache",
]

log = logging.getLogger(__name__)

KEY_PREFIX = "brain:"
_DEFAULT_TIMEOUT = 30
_LOCAL_ENTRIES = 1024  # entries each process keeps in front of the shared backend
_LOCAL_MAX_S = 600  # write-once entries are answered from memory this long at most
_PENDING_WRITES = 256  # file-system writes queued at most; beyond, the caller writes itself
_FS_THRESHOLD = 5000  # flask-caching's own pruning threshold (`flask_cache`)
_FS_MAX_FILES = 5000  # entries a swept folder keeps at most: beyond, the oldest go
_SWEEP_S = 60.0  # the file-system folder is swept this often
_REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
# What a cache backend can raise: a lost Redis, a full or unreadable disk, a corrupt entry.
_CACHE_ERRORS = (
    redis.exceptions.RedisError,
    OSError,
    pickle.PickleError,
    EOFError,
    AttributeError,
    ImportError,
    ValueError,
)


def _kind(url: str) -> str:
    if not url:
        return "filesystem"
    if url == "null":
        return "null"
    if url.startswith(("redis://", "rediss://", "unix://")):
        return "redis"
    raise ValueError("BRAIN_CACHE_URL must be empty, 'null' or a redis:// URL")


def cache_config(settings: Any) -> dict[str, Any]:
    """flask-caching configuration for `settings` (for `Cache(config=...)`)."""
    kind = _kind(settings.cache_url)
    base: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": _DEFAULT_TIMEOUT,
        "CACHE_KEY_PREFIX": KEY_PREFIX,
    }
    if kind == "null":
        return base | {"CACHE_TYPE": "NullCache"}
    if kind == "redis":
        return base | {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": settings.cache_url,
            "CACHE_OPTIONS": dict(_REDIS_TIMEOUTS),
        }
    return base | {
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(settings.data_dir / "cache"),
        "CACHE_THRESHOLD": _FS_THRESHOLD,
    }


def flask_cache(settings: Any, app: Flask | None = None) -> Cache:
    """A flask-caching `Cache` configured from settings (bound to `app` when given)."""
    cache = Cache(config=cache_config(settings))
    if app is not None:
        cache.init_app(app)
    return cache


def _backend(settings: Any) -> BaseCache:
    kind = _kind(settings.cache_url)
    if kind == "null":
        return NullCache()
    if kind == "redis":
        client = redis.from_url(settings.cache_url, **_REDIS_TIMEOUTS)
        return RedisCache(host=client, default_timeout=_DEFAULT_TIMEOUT, key_prefix=KEY_PREFIX)
    folder = settings.data_dir / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    # no threshold: BrainCache sweeps the folder instead of counting its files on every write
    return FileSystemCache(str(folder), threshold=0, default_timeout=_DEFAULT_TIMEOUT)


_IMMUTABLE = (type(None), bool, int, float, str, bytes, datetime, date, timedelta)


def _copy(value: Any) -> Any:
    """A copy of a cached value that its reader may change freely (frames copied whole, the
    tuples the data service stores item by item, immutable values shared)."""
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, pd.DataFrame):  # copy-on-write (pandas 3): a shallow copy acts as one
        return value.copy(deep=False)
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class BrainCache:
    """A flask-caching backend behind four methods that never raise."""

    def __init__(self, backend: BaseCache, kind: str, *, local: int = _LOCAL_ENTRIES) -> None:
        self.backend = backend
        self.kind = kind
        self.local = local if kind != "null" else 0
        self._lock = threading.Lock()
        self._mine: OrderedDict[str, tuple[float, Any]] = OrderedDict()  # key → (expiry, value)
        self._unwritten: dict[str, Any] = {}  # key → value queued for the file system
        self._pending: queue.Queue[tuple[str, Any, int]] | None = None  # writes left to a thread
        self._writer = threading.Thread()  # the thread that drains them (none yet)
        self._next_sweep = time.monotonic() + _SWEEP_S if kind == "filesystem" else float("inf")

    def __repr__(self) -> str:  # a Redis URL may hold a password
        return f"BrainCache({self.kind})"

    def _recall(self, key: str) -> tuple[bool, Any]:
        with self._lock:
            entry = self._mine.get(key)
            if entry is not None and entry[0] <= time.monotonic():
                del self._mine[key]
                entry = None
            found, value = (True, entry[1]) if entry is not None else (False, None)
            if not found and key in self._unwritten:
                found, value = True, self._unwritten[key]
        return found, (_copy(value) if found else None)

    def _keep(self, key: str, value: Any, timeout: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._mine[key] = (now + min(timeout, _LOCAL_MAX_S), value)
            self._mine.move_to_end(key)
            if len(self._mine) % 64 == 0:  # now and then, let go of what has expired
                for k in [k for k, (expiry, _) in self._mine.items() if expiry <= now]:
                    del self._mine[k]
            while len(self._mine) > self.local:
                self._mine.popitem(last=False)

    def _forget(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._mine.clear()
            else:
                self._mine.pop(key, None)

    def get(self, key: str) -> Any | None:
        """The value stored under `key`, or None (missing, expired or unreadable)."""
        found, value = self._recall(key)
        if found:
            return value
        try:
            return self.backend.get(key)
        except _CACHE_ERRORS as err:
            log.warning("cache %s: get failed: %s", self.kind, err)
            return None

    def set(self, key: str, value: Any, timeout: int, *, once: bool = False) -> bool:
        """Store `value` for `timeout` seconds; False when the backend refused it (on the file
        system, True once its write is queued). `once`: the key is never written again with
        another value, so this process may answer it from memory until it expires."""
        behind = self.kind == "filesystem" and self.local > 0
        kept = once and self.local > 0 and timeout > 0
        copy = _copy(value) if kept or behind else value  # what no caller will change
        if kept:
            self._keep(key, copy, timeout)
        else:
            self._forget(key)
        if behind and self._queue_write(key, copy, timeout):
            return True
        return self._write(key, value, timeout)

    def _queue_write(self, key: str, value: Any, timeout: int) -> bool:
        with self._lock:
            if self._pending is None or not self._writer.is_alive():  # first, or forked
                self._pending = queue.Queue(maxsize=_PENDING_WRITES)
                self._writer = threading.Thread(
                    target=self._drain, args=(self._pending,), name="cache-writer", daemon=True
                )
                self._writer.start()
            pending = self._pending
            self._unwritten[key] = value
        try:
            pending.put_nowait((key, value, timeout))
        except queue.Full:
            with self._lock:
                if self._unwritten.get(key) is value:
                    del self._unwritten[key]
            return False
        return True

    def _drain(self, pending: queue.Queue[tuple[str, Any, int]]) -> None:
        while True:
            key, value, timeout = pending.get()
            quiet()
            try:
                self._write(key, value, timeout)
            finally:
                with self._lock:
                    if self._unwritten.get(key) is value:  # not queued again since
                        del self._unwritten[key]
                pending.task_done()

    def flush(self) -> None:
        """Wait until every queued write has reached the backend."""
        if self._pending is not None and self._writer.is_alive():  # (none left after a fork)
            self._pending.join()

    def _write(self, key: str, value: Any, timeout: int) -> bool:
        try:
            return bool(self.backend.set(key, value, timeout=timeout))
        except _CACHE_ERRORS as err:
            log.warning("cache %s: set failed: %s", self.kind, err)
            return False
        finally:
            if time.monotonic() >= self._next_sweep:
                self.sweep()

    def sweep(self) -> int:
        """Remove the file-system folder's expired entries and, beyond `_FS_MAX_FILES`, its
        oldest; the number of entries removed (0 for other backends)."""
        with self._lock:
            self._next_sweep = time.monotonic() + _SWEEP_S
        if not isinstance(self.backend, FileSystemCache):
            return 0
        try:
            before = len(os.listdir(self.backend._path))
            self.backend._remove_expired(time.time())  # cachelib's own expiry test per file
            entries = []
            for entry in os.scandir(self.backend._path):
                with contextlib.suppress(FileNotFoundError):
                    entries.append((entry.stat().st_mtime, entry.path))
            entries.sort()
            oldest = entries[: max(0, len(entries) - _FS_MAX_FILES)]
            for _, path in oldest:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
            return before - len(entries) + len(oldest)
        except OSError as err:
            log.warning("cache %s: sweep failed: %s", self.kind, err)
            return 0

    def delete(self, key: str) -> bool:
        self.flush()
        self._forget(key)
        try:
            return bool(self.backend.delete(key))
        except _CACHE_ERRORS as err:
            log.warning("cache %s: delete failed: %s", self.kind, err)
            return False

    def clear(self) -> bool:
        """Remove every entry of this application (only keys under KEY_PREFIX on Redis)."""
        self.flush()
        self._forget()
        try:
            return bool(self.backend.clear())
        except _CACHE_ERRORS as err:
            log.warning("cache %s: clear failed: %s", self.kind, err)
            return False


def make_cache(settings: Any) -> BrainCache:
    """The cache the settings ask for, usable without a Flask app."""
    return BrainCache(_backend(settings), _kind(settings.cache_url))
