"""Work that can wait is done between refreshes, not during them.

A wall refresh is a burst of about 50 ms every few seconds; the process is otherwise idle. Two
kinds of work need not happen inside the burst, and on a 2-core machine each costs the refresh
it lands in: the cache's disk writes (`services.cache`, which waits for `quiet`) and the
interpreter's full garbage collections, which stop every thread for 30-70 ms once there are many
long-lived objects. So callbacks that compute a refresh run inside `refreshing()`, and a
collector thread makes the full collections itself, when no refresh is being computed, instead
of letting the interpreter start one in the middle of one.
"""

from __future__ import annotations

import functools
import gc
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["COLLECT_S", "WAIT_MAX_S", "collect_between_refreshes", "quiet", "refreshing"]

COLLECT_S = 15.0  # a full collection at least this often
WAIT_MAX_S = 1.0  # work that can wait waits this long at most: a busy server still gets it done
_AUTO_FULL = 1_000_000  # the interpreter's own full collections: as good as never

_busy = 0
_changed = threading.Condition()


@contextmanager
def refreshing() -> Iterator[None]:
    """Mark a refresh being computed (they may overlap: one per browser); also a decorator."""
    global _busy
    with _changed:
        _busy += 1
    try:
        yield
    finally:
        with _changed:
            _busy -= 1
            if not _busy:
                _changed.notify_all()


def quiet(timeout: float = WAIT_MAX_S) -> bool:
    """Wait until no refresh is being computed, at most `timeout` seconds; whether it is so."""
    with _changed:
        return _changed.wait_for(lambda: not _busy, timeout=timeout)


def _collect_forever() -> None:
    while True:
        time.sleep(COLLECT_S)
        quiet()
        gc.collect()


def _start_collector() -> None:
    threading.Thread(target=_collect_forever, name="collect-between-refreshes", daemon=True).start()


@functools.cache
def collect_between_refreshes() -> None:
    """Take full garbage collections over from the interpreter (once per process): the
    younger generations are still collected as usual, and everything every `COLLECT_S`. A
    process forked from this one (gunicorn workers of a preloaded app) starts its own collector,
    since threads do not survive a fork while the interpreter's setting does."""
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, _AUTO_FULL)
    _start_collector()
    os.register_at_fork(after_in_child=_start_collector)
