"""The city's clock face: Asia/Shanghai (UTC+8), and the local day a time falls in.

Pure: the time is always a parameter. China has one time zone and no daylight saving time, so a
fixed offset is exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Final

__all__ = ["TZ", "local_midnight"]

TZ: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_midnight(now: datetime) -> datetime:
    """The start of the local (Asia/Shanghai) day of `now`; a naive `now` is taken as UTC."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
