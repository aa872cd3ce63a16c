"""Time ranges of the analyst pages: a preset (or a custom range) and the moment it is read at.

Pure: `now` is always a parameter. Rolling presets end at `now`; "today", "month" and "year"
start at the local (Asia/Shanghai) midnight, first of the month or first of January and also
end at `now`. A custom range is what the analyst typed: naive times are Asia/Shanghai wall
times (that is what the page shows), and the start must come before the end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

from brain.timezone import TZ

__all__ = ["CALENDAR", "PRESETS", "ROLLING", "parse_when", "resolve"]

ROLLING: Final[dict[str, timedelta]] = {
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "1y": timedelta(days=365),
    "3y": timedelta(days=3 * 365 + 1),
}
CALENDAR: Final = ("today", "month", "year")
PRESETS: Final = (*ROLLING, *CALENDAR, "custom")


def _aware(when: datetime) -> datetime:
    """`when` in UTC; a naive time is an Asia/Shanghai wall time."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=TZ)
    return when.astimezone(UTC)


def parse_when(text: str) -> datetime:
    """A time typed by an analyst or carried in a URL: `YYYY-MM-DD` (local midnight) or ISO 8601
    (naive: local time), returned in UTC. ValueError naming the text otherwise."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(UTC)
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(f"not a date or time: {text!r} (expected YYYY-MM-DD)") from None


def resolve(
    preset: str, now: datetime, start: datetime | None = None, end: datetime | None = None
) -> tuple[datetime, datetime]:
    """The `[start, end)` of `preset` at `now`, in UTC.

    "custom" takes `start` and `end` (naive: Asia/Shanghai); ValueError when one is missing,
    when start is not before end, or for an unknown preset."""
    now = _aware(now) if now.tzinfo is not None else now.replace(tzinfo=UTC)
    if preset in ROLLING:
        return now - ROLLING[preset], now
    if preset in CALENDAR:
        local = now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        if preset in ("month", "year"):
            local = local.replace(day=1)
        if preset == "year":
            local = local.replace(month=1)
        return local.astimezone(UTC), now
    if preset == "custom":
        if start is None or end is None:
            raise ValueError("a custom time range needs both a start and an end")
        first, last = _aware(start), _aware(end)
        if first >= last:
            raise ValueError(
                f"the start of a time range must come before its end ({first:%Y-%m-%d %H:%M} "
                f"is not before {last:%Y-%m-%d %H:%M} UTC)"
            )
        return first, last
    raise ValueError(f"unknown time range {preset!r}; choose one of {', '.join(PRESETS)}")
