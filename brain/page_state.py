"""The state of an analyst page, as its URL carries it: time range, district, entity and the
page's own keys (an indicator, a ranking column …).

Pure. `read_query` turns the URL's query into the page's raw state (plain JSON, what the page's
`dcc.Store` holds) and the problems it found (catalog keys with their fields: a bad value is
named on the page and left out, never a crash); `query_pairs` is the inverse, so a copied link
reproduces the view; `resolve_state` reads the raw state at `now` into a `PageState`.

URL keys: `range` (a preset of brain.timerange), `from` and `to` (custom range, YYYY-MM-DD or
ISO 8601, Asia/Shanghai), `district` (adcode), `entity`, `lang`, then the page's own keys.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from brain.timerange import PRESETS, parse_when, resolve

__all__ = ["BASE_KEYS", "PageState", "Problem", "query_pairs", "read_query", "resolve_state"]

BASE_KEYS: Final = ("range", "from", "to", "district", "entity", "lang")
_MAX_VALUE = 200  # longer values in a URL are refused (they are never ours)

Problem = tuple[str, dict[str, str]]  # a catalog key and its fields


@dataclass(frozen=True)
class PageState:
    """What an analyst page shows: `[start, end)` in UTC read from `preset` at the time of the
    request, the district (adcode, None: the city), the entity selected in it, the page's own
    keys (`extra`) and the language."""

    page: str
    preset: str
    start: datetime
    end: datetime
    district: str | None = None
    entity: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    lang: str = "zh"

    @property
    def level(self) -> str:
        """Where the drill stands: "city", "district" or "entity"."""
        if self.entity is not None:
            return "entity"
        return "district" if self.district is not None else "city"


def _pairs(query: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in query.items() if v not in (None, "")}


def read_query(
    query: Mapping[str, Any],
    *,
    page: str,
    default_preset: str,
    presets: Collection[str] = PRESETS,
    districts: Collection[str] = (),
    extras: Mapping[str, Collection[str] | None] | None = None,
    langs: Collection[str] = ("zh", "en"),
) -> tuple[dict[str, Any], list[Problem]]:
    """The raw state of `page` in the URL's query (Dash's query keyword arguments).

    `extras` names the page's own keys, each with its allowed values (None: any short text).
    Values that are not allowed are reported and replaced by the defaults."""
    pairs, problems = _pairs(query), []
    extras = extras or {}
    raw: dict[str, Any] = {
        "page": page,
        "range": default_preset,
        "from": None,
        "to": None,
        "district": None,
        "entity": None,
        "lang": None,
        "extra": {},
    }
    for key, value in pairs.items():
        if len(value) > _MAX_VALUE:
            problems.append(("page.problem.value", {"key": key, "value": value[:40] + "…"}))
        elif key == "range":
            if value in presets:
                raw["range"] = value
            else:
                problems.append(("page.problem.range", {"value": value}))
        elif key in ("from", "to"):
            try:
                parse_when(value)
                raw[key] = value
            except ValueError:
                problems.append(("page.problem.date", {"value": value}))
        elif key == "district":
            if value in districts:
                raw["district"] = value
            else:
                problems.append(("page.problem.district", {"value": value}))
        elif key == "entity":
            raw["entity"] = value
        elif key == "lang":
            if value in langs:
                raw["lang"] = value
        elif key in extras:
            allowed = extras[key]
            if allowed is None or value in allowed:
                raw["extra"][key] = value
            else:
                problems.append(("page.problem.value", {"key": key, "value": value}))
    if raw["range"] == "custom":
        try:
            _custom(raw)
        except ValueError:
            problems.append(
                ("page.problem.custom", {"start": raw["from"] or "", "end": raw["to"] or ""})
            )
            raw.update({"range": default_preset, "from": None, "to": None})
    else:
        raw.update({"from": None, "to": None})
    if raw["district"] is None:
        raw["entity"] = None  # an entity lives in a district
    return raw, problems


def _custom(raw: Mapping[str, Any]) -> tuple[datetime, datetime]:
    if not raw.get("from") or not raw.get("to"):
        raise ValueError("a custom time range needs both a start and an end")
    start, end = parse_when(raw["from"]), parse_when(raw["to"])
    return resolve("custom", start, start, end)


def query_pairs(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The URL's query of a raw state, in order (empty values left out, the page's keys after
    the base ones)."""
    pairs: list[tuple[str, str]] = []
    for key in BASE_KEYS:
        value = raw.get(key)
        if value not in (None, ""):
            pairs.append((key, str(value)))
    for key, value in sorted((raw.get("extra") or {}).items()):
        if value not in (None, ""):
            pairs.append((key, str(value)))
    return pairs


def resolve_state(raw: Mapping[str, Any], now: datetime, *, lang: str = "zh") -> PageState:
    """The raw state read at `now`. A custom range that does not resolve raises ValueError."""
    preset = str(raw.get("range") or "24h")
    if preset == "custom":
        start, end = _custom(raw)
    else:
        start, end = resolve(preset, now)
    return PageState(
        page=str(raw.get("page") or ""),
        preset=preset,
        start=start,
        end=end,
        district=raw.get("district") or None,
        entity=raw.get("entity") or None,
        extra=dict(raw.get("extra") or {}),
        lang=str(raw.get("lang") or lang),
    )
