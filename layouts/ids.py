"""Every component id of the app, from one module.

Ids follow the design rule "one domain, one name": a panel of the traffic domain is `traffic-panel`,
its body `traffic-panel-body`. Groups of similar components use pattern-matching dict ids, so one
callback can serve all of them (`ALL` in the callback, `text(key)` in the layout).
"""

from __future__ import annotations

from typing import Final

import brain.domains

__all__ = [
    "ASPECT",
    "CANVAS",
    "CLOCK",
    "CLOCK_INTERVAL",
    "CONFIG",
    "DATE",
    "DETAIL",
    "DETAIL_CLOSE",
    "DISTRICT",
    "DOMAINS",
    "FOCUS",
    "HASHES",
    "HEALTH",
    "LANG",
    "LANG_TOGGLE",
    "LANG_URL",
    "LAYERS",
    "MAP",
    "MAP_BOX",
    "MAP_DELTA",
    "MAP_STATE",
    "MAP_TICK",
    "PLAYLIST_INTERVAL",
    "REFRESH",
    "RESET",
    "SELECTION",
    "SIGNAL",
    "TEXT",
    "TICK",
    "TICKER",
    "TREND",
    "VIEWPORT",
    "WEATHER",
    "district",
    "panel",
    "panel_badge",
    "panel_body",
    "panel_scope",
    "text",
]

DOMAINS: Final = tuple(str(d) for d in brain.domains.DOMAINS)  # listed once, in brain/

# ── page structure ──────────────────────────────────────────────────────────────────────────
VIEWPORT: Final = "wall-viewport"
CANVAS: Final = "wall-canvas"

# ── per-browser state and timers ──────────────────────────────────────────────────────────
REFRESH: Final = "wall-refresh"  # dcc.Interval of the live refresh
TICK: Final = "wall-tick"  # dcc.Store: refresh count, held back while a refresh is in flight
MAP_TICK: Final = "wall-map-tick"  # dcc.Store: the same for the map
CLOCK_INTERVAL: Final = "wall-clock-interval"
PLAYLIST_INTERVAL: Final = "wall-playlist-interval"
SELECTION: Final = "wall-selection"  # dcc.Store {"district": adcode|None, "entity": {...}|None}
LANG: Final = "wall-lang"  # dcc.Store (local storage): "zh" | "en"
LANG_URL: Final = "wall-lang-url"  # dcc.Store: the language asked for in the URL, if any
CONFIG: Final = "wall-config"  # dcc.Store: kiosk, playlist, intervals (from the URL)
FOCUS: Final = "wall-focus"  # dcc.Store: the domain in focus (playlist) or None
HASHES: Final = "wall-hashes"  # dcc.Store: digest of what each region shows (skip unchanged)
ASPECT: Final = "wall-aspect"  # dcc.Store: "16x9" | "32x9", the design canvas wall.js chose
MAP_DELTA: Final = "wall-map-delta"  # dcc.Store: the map's changes, merged in by wall.js
MAP_STATE: Final = "wall-map-state"  # dcc.Store: {"token", "seq"} of the map the browser holds

# ── title bar ────────────────────────────────────────────────────────────────────────────
CLOCK: Final = "wall-clock"
DATE: Final = "wall-date"
SIGNAL: Final = "wall-signal"
WEATHER: Final = "wall-weather"
LANG_TOGGLE: Final = "wall-lang-toggle"
RESET: Final = "wall-reset"

# ── centre, ticker, health ─────────────────────────────────────────────────────────────
MAP: Final = "wall-map"  # the deck.gl component: its canvas is `canvas#wall-map`
MAP_BOX: Final = "wall-map-box"
LAYERS: Final = "wall-map-layers"
TICKER: Final = "wall-ticker"
HEALTH: Final = "wall-health"
TREND: Final = "traffic-trend"
DETAIL: Final = "wall-detail"
DETAIL_CLOSE: Final = "wall-detail-close"

# ── pattern-matching groups ─────────────────────────────────────────────────────────────
TEXT: Final = "wall-text"
DISTRICT: Final = "wall-district"


def text(key: str) -> dict[str, str]:
    """A static label translated by the language callback (`key` is a catalog key)."""
    return {"type": TEXT, "key": key}


def district(adcode: str) -> dict[str, str]:
    """A district chip; `adcode` "" stands for the whole city."""
    return {"type": DISTRICT, "adcode": adcode}


def panel(domain: str) -> str:
    return f"{domain}-panel"


def panel_body(domain: str) -> str:
    return f"{domain}-panel-body"


def panel_badge(domain: str) -> str:
    return f"{domain}-panel-badge"


def panel_scope(domain: str) -> str:
    return f"{domain}-panel-scope"


# ── river page (layouts/river.py) ────────────────────────────────────────────────────────────
RIVER_STATUS: Final = "river-status"  # feed-down notices
RIVER_KPIS: Final = "river-kpis"
RIVER_MAP: Final = "river-map"
RIVER_CLASSES: Final = "river-classes"  # sections per class (a bar click filters the class)
RIVER_CLASS: Final = "river-class"  # the class filter
RIVER_BELOW: Final = "river-below"  # "below target only"
RIVER_SECTIONS: Final = "river-sections-table"
RIVER_REACHES: Final = "river-reaches-table"
RIVER_PROBLEMS: Final = "river-problems-table"
RIVER_DETAIL: Final = "river-detail"
RIVER_DETAIL_CLOSE: Final = "river-detail-close"
RIVER_HISTORY: Final = "river-history"
