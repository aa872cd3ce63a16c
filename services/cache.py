"""The cache, picked from settings: file system (default), Redis (shared by workers) or none.

`BRAIN_CACHE_URL` empty → `FileSystemCache` under `<data_dir>/cache`; `redis://host:port/db` →
`RedisCache`; `null` → `NullCache`. `make_cache` gives a `BrainCache`, usable without a Flask app
(the CLI, the benchmark and tests use it); `flask_cache` gives the same backend as a
flask-caching `Cache` for a Flask server. A broken cache behaves as an empty one: reads miss and
writes are dropped, with a log line, so a dead Redis never breaks a page.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Mapping
from typing import Any

import redis
from flask import Flask
from flask_caching import Cache
from flask_caching.backends.base import BaseCache
from flask_caching.backends.filesystemcache import FileSystemCache
from flask_caching.backends.nullcache import NullCache
from flask_caching.backends.rediscache import RedisCache

__all__ = [
    "KEY_PREFIX",
    "QUERY_TIMEOUTS",
    "TIMEOUTS",
    "BrainCache",
    "cache_config",
    "flask_cache",
    "make_cache",
    "timeout_for",
]

log = logging.getLogger(__name__)

KEY_PREFIX = "brain:"
# Seconds an entry lives, per domain: about one refresh of the panels that show it.
TIMEOUTS: Mapping[str, int] = {
    "traffic": 5,
    "radar": 5,
    "fire": 10,
    "emergency": 10,
    "river": 60,
    "economy": 600,
    "health": 5,
}
# Queries whose answer moves more slowly than their domain's live figures.
QUERY_TIMEOUTS: Mapping[str, int] = {
    "traffic.tpi_series": 60,  # a day in 15-minute buckets: a new point every 15 minutes
    "traffic.tpi_profile": 300,
    # feeds go stale after minutes (Table.freshness_s); a failing query is caught at once by
    # the panels' own queries, so the feed strip need not re-check every refresh
    "health.freshness": 30,
    # reference data: changes when the register is edited, not between two refreshes
    "traffic.segments": 300,
    "emergency.resources": 300,
    "fire.stations": 300,
    "fire.units": 300,
    "river.reaches": 300,
    "river.stations": 300,
    "radar.zones": 300,
}
_DEFAULT_TIMEOUT = 30
_FS_THRESHOLD = 5000  # entries kept on disk before the oldest are pruned
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


def timeout_for(domain: str, name: str = "") -> int:
    """Cache timeout (s) of a domain's queries (or of one of them, `name`)."""
    return QUERY_TIMEOUTS.get(f"{domain}.{name}") or TIMEOUTS.get(domain, _DEFAULT_TIMEOUT)


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
    return FileSystemCache(str(folder), threshold=_FS_THRESHOLD, default_timeout=_DEFAULT_TIMEOUT)


class BrainCache:
    """A flask-caching backend behind four methods that never raise."""

    def __init__(self, backend: BaseCache, kind: str) -> None:
        self.backend = backend
        self.kind = kind

    def __repr__(self) -> str:  # a Redis URL may hold a password
        return f"BrainCache({self.kind})"

    def get(self, key: str) -> Any | None:
        """The value stored under `key`, or None (missing, expired or unreadable)."""
        try:
            return self.backend.get(key)
        except _CACHE_ERRORS as err:
            log.warning("cache %s: get failed: %s", self.kind, err)
            return None

    def set(self, key: str, value: Any, timeout: int) -> bool:
        """Store `value` for `timeout` seconds; False when the backend refused it."""
        try:
            return bool(self.backend.set(key, value, timeout=timeout))
        except _CACHE_ERRORS as err:
            log.warning("cache %s: set failed: %s", self.kind, err)
            return False

    def delete(self, key: str) -> bool:
        try:
            return bool(self.backend.delete(key))
        except _CACHE_ERRORS as err:
            log.warning("cache %s: delete failed: %s", self.kind, err)
            return False

    def clear(self) -> bool:
        """Remove every entry of this application (only keys under KEY_PREFIX on Redis)."""
        try:
            return bool(self.backend.clear())
        except _CACHE_ERRORS as err:
            log.warning("cache %s: clear failed: %s", self.kind, err)
            return False


def make_cache(settings: Any) -> BrainCache:
    """The cache the settings ask for, usable without a Flask app."""
    return BrainCache(_backend(settings), _kind(settings.cache_url))
