"""Message catalogs: Simplified Chinese by default, English on request.

Every piece of UI text lives in `locales/<lang>.json` and, one file per page, in
`locales/<lang>/<page>.json` (flat keys such as `wall.title`, `economy.title`); layouts ask
for it with `t(key, lang, **fields)`. A missing key falls back to Chinese, then to the key itself,
so a gap in a catalog shows up on screen instead of crashing a callback (a test keeps the two
catalogs in step).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Final

from brain.timezone import TZ

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "LOCALES",
    "TZ",
    "catalog",
    "clock_text",
    "fmt_num",
    "fmt_pct",
    "lang_of",
    "local_time",
    "other_lang",
    "t",
]

LOCALES: Final = Path(__file__).resolve().parent.parent / "locales"
LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """The message catalog of `lang` (read once per process): `locales/<lang>.json`, the pages'
    `locales/<lang>/*.json` and the map's `map.…` messages."""
    from layouts.map_i18n import MESSAGES  # the situational map's own catalog

    code = lang_of(lang)
    data: dict[str, str] = {k: pair[LANGS.index(code)] for k, pair in MESSAGES.items()}
    for path in (LOCALES / f"{code}.json", *sorted((LOCALES / code).glob("*.json"))):
        data.update(json.loads(path.read_text(encoding="utf-8")))
    return data


def lang_of(value: object) -> str:
    """A supported language code from anything (unknown or empty → the default)."""
    text = str(value or "").strip().lower()[:2]
    return text if text in LANGS else DEFAULT_LANG


def other_lang(lang: str) -> str:
    return "en" if lang_of(lang) == "zh" else "zh"


def t(key: str, lang: str = DEFAULT_LANG, /, **fields: object) -> str:
    """The text of `key` in `lang`, with `{name}` fields filled in."""
    text = catalog(lang_of(lang)).get(key)
    if text is None:
        text = catalog(DEFAULT_LANG).get(key, key)
    return text.format(**fields) if fields else text


def fmt_num(value: float | int | None, digits: int = 0) -> str:
    """A number with thousands separators; an em dash when there is none."""
    if value is None or value != value:  # NaN
        return "—"
    return f"{value:,.{digits}f}"


def fmt_pct(value: float | None, digits: int = 1, *, signed: bool = True) -> str:
    """A percentage (already in percent units), signed by default: +6.2%."""
    if value is None or value != value:
        return "—"
    return f"{value:+.{digits}f}%" if signed else f"{value:.{digits}f}%"


def local_time(when: datetime) -> datetime:
    """`when` on the wall's clock (Asia/Shanghai); naive datetimes are taken as UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(TZ)


def clock_text(when: datetime | None, now: datetime) -> str:
    """HH:MM of `when` on the wall's clock, with the date when it is not today."""
    if when is None:
        return "—"
    local, today = local_time(when), local_time(now)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")
