"""Work derived from data answers, done once per distinct answer.

A wall refresh asks the same questions every few seconds, and most answers are the same as a
refresh ago: the river's stations report every few hours, the economy monthly. Each answer
carries a content key (`content_key`: a digest of its pickled value, computed once when the
answer is made), and whatever is derived from answers — a panel's figures, a map layer's rows,
their digests — is kept under the keys it was derived from (`Memo`). Equal keys mean equal
inputs, so a kept value is exactly what deriving it again would give; an input without a key (a
failed or unkeyed answer) is always derived afresh.

Kept values are shared between callers and threads: they must be treated as read-only.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["Kept", "Memo", "combine", "content_key"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_PICKLE_ERRORS = (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError)


def content_key(value: Any) -> str | None:
    """A digest of `value`'s content (its pickle), or None when it cannot be pickled.

    Equal keys imply equal pickles, hence equal values; two equal values may still get different
    keys (a different memory layout), which only costs deriving again.
    """
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except _PICKLE_ERRORS:
        return None
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def combine(*keys: str | None) -> str | None:
    """The key of something derived from answers with `keys` (None if any is unknown)."""
    if any(k is None for k in keys):
        return None
    return hashlib.blake2b("|".join(keys).encode(), digest_size=16).hexdigest()  # type: ignore[arg-type]


class Kept(Generic[K, V]):
    """A bounded, thread-safe store that lets go of what was used least recently."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value kept under `key` (now the most recently used), or None."""
        with self._lock:
            value = self._kept.get(key)
            if value is not None:
                self._kept.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class Memo:
    """Derived values under the keys of their inputs (a `Kept` of them). A value is derived
    once however many threads ask for it at the same time: the others wait for the first one's
    (a station coverage takes seconds, and every analyst opening the page at a new moment asks
    for the same one)."""

    def __init__(self, size: int = 256) -> None:
        self._kept: Kept[Hashable, tuple[Any]] = Kept(size)
        self._lock = threading.Lock()
        self._deriving: dict[Hashable, threading.Event] = {}
        self.hits = self.misses = 0

    def __call__(
        self, name: str, inputs: Sequence[str | None], derive: Callable[[], T], *args: Hashable
    ) -> T:
        """`derive()`, or the value kept from an earlier call with the same `name`, input keys
        and `args` (the other things the value depends on, such as the language); never kept
        when an input has no key."""
        if any(k is None for k in inputs):
            return derive()
        key = (name, tuple(inputs), args)
        while True:
            with self._lock:
                boxed = self._kept.get(key)  # boxed: a derived value may be None
                if boxed is not None:
                    self.hits += 1
                    return boxed[0]  # type: ignore[no-any-return]
                other = self._deriving.get(key)
                if other is None:
                    mine = self._deriving[key] = threading.Event()
                    break
            other.wait()  # then kept, unless it failed or was let go of already: ask again
        try:
            value = derive()
            self.misses += 1
            self._kept.put(key, (value,))
            return value
        finally:
            with self._lock:
                del self._deriving[key]
            mine.set()

    def clear(self) -> None:
        self._kept.clear()
