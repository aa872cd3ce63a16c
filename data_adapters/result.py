"""Results that carry their own error, so one failing source never breaks the others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

__all__ = ["Result"]

T = TypeVar("T")


@dataclass(frozen=True)
class Result(Generic[T]):
    """A value from a data source, or the error that prevented it.

    `as_of` is the time of the newest data the value reflects. When the source fails, `error` says
    why, and `value`/`as_of` may still hold the last good data so a panel can show it as stale.
    `key`, when known, is a digest of the value's content (`brain.memo.content_key`): two results
    with one key hold equal values, so what is derived from one serves the other.
    """

    value: T | None
    as_of: datetime | None = None
    error: str | None = None
    key: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def good(cls, value: T, as_of: datetime | None = None, key: str | None = None) -> Result[T]:
        return cls(value, as_of, None, key)

    @classmethod
    def failed(cls, error: str, last: Result[T] | None = None) -> Result[T]:
        if last is None:
            return cls(None, None, error)
        return cls(last.value, last.as_of, error)
