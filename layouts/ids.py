"""Every component id of the app, from one module.

Ids follow the design rule "one domain, one name": a panel of the traffic domain is `traffic-panel`,
its body `traffic-panel-body`. Groups of similar components use pattern-matching dict ids, so one
callback can serve all of them (`ALL` in the callback, `text(key)` in the layout).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from dash import ALL

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
    "DUTY",
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
    "PUSHED",
    "PUSH_BANNER",
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
    "PageIds",
    "district",
    "page_ids",
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
PUSHED: Final = "wall-pushed"  # dcc.Store: the alert an officer pushed to the wall, or None
PUSH_BANNER: Final = "wall-push-banner"  # its focus banner over the map


# ── the duty console (/duty): ids `duty-…` ──────────────────────────────────────────────────
class DUTY:
    """Ids of the duty console; pattern-matching groups are the functions at the end."""

    LANG: Final = "duty-lang"  # dcc.Store: the page's language
    REFRESH: Final = "duty-refresh"  # dcc.Interval: the live list (BRAIN_REFRESH_S)
    CLOCK_INTERVAL: Final = "duty-clock-interval"
    CLOCK: Final = "duty-clock"
    ACTED: Final = "duty-acted"  # dcc.Store: bumped after every step, to re-read at once
    ALARM: Final = "duty-alarm"  # dcc.Store: ids of red/orange alerts nobody acknowledged
    ALARM_STATE: Final = "duty-alarm-state"  # dcc.Store written by duty.js (sound on/off)
    SOUND: Final = "duty-sound"  # button: allow the browser to play the alarm
    FILTER_DOMAIN: Final = "duty-filter-domain"
    FILTER_SEVERITY: Final = "duty-filter-severity"
    FILTER_HANDLING: Final = "duty-filter-handling"
    FILTER_DISTRICT: Final = "duty-filter-district"
    COUNT: Final = "duty-count"
    GRID: Final = "duty-grid"  # dash-ag-grid: the live list
    SELECTED: Final = "duty-selected"  # dcc.Store: {"id": alert id} chosen in the list
    VERSION: Final = "duty-version"  # dcc.Store: the version of the alert as shown
    DETAIL: Final = "duty-detail"
    NOTE: Final = "duty-note"
    ASSIGNEE: Final = "duty-assignee"
    MESSAGE: Final = "duty-message"  # what came of the last step (conflicts, refusals)
    PUSH_MINUTES: Final = "duty-push-minutes"
    PUSH: Final = "duty-push"
    RELEASE: Final = "duty-release"
    MAP: Final = "duty-map"
    RESOURCES: Final = "duty-resources"
    HISTORY: Final = "duty-history"
    SOP: Final = "duty-sop"
    HANDOVER_SUMMARY: Final = "duty-handover-summary"
    HANDOVER_NOTES: Final = "duty-handover-notes"
    HANDOVER_WRITE: Final = "duty-handover-write"
    HANDOVER_LIST: Final = "duty-handover-list"
    HANDOVER_MESSAGE: Final = "duty-handover-message"
    STEP: Final = "duty-step"
    TICK: Final = "duty-sop-tick"
    SIGN: Final = "duty-handover-sign"

    @staticmethod
    def step(name: str) -> dict[str, str]:
        """A lifecycle button: acknowledge, assign, dispose, close or note."""
        return {"type": DUTY.STEP, "step": name}

    @staticmethod
    def tick(step_id: str) -> dict[str, str]:
        """The "done" button of one SOP step."""
        return {"type": DUTY.TICK, "step": step_id}

    @staticmethod
    def sign(handover_id: Any, version: Any) -> dict[str, Any]:
        """The incoming officer's sign-off button of one handover (as seen at `version`, a
        string); `ALL` for either matches every one."""
        return {"type": DUTY.SIGN, "id": handover_id, "v": version}


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


# ── analyst pages (layouts/page.py): the shared controls of page `p`, all named `p-…` ─────────
@dataclass(frozen=True)
class PageIds:
    """The ids of the controls every analyst page shares (`layouts.page.shell`)."""

    page: str

    def _id(self, name: str) -> str:
        return f"{self.page}-{name}"

    @property
    def url(self) -> str:  # dcc.Location: the query string is the page's state
        return self._id("url")

    @property
    def state(self) -> str:  # dcc.Store: the raw state (brain.page_state.read_query)
        return self._id("state")

    @property
    def query(self) -> str:  # dcc.Store: the state's query string, pushed by assets/page.js
        return self._id("query")

    @property
    def pushed(self) -> str:  # dcc.Store: the (unused) output of the push
        return self._id("pushed")

    @property
    def intent(self) -> str:  # dcc.Store: a change asked by the page (map click, row click …)
        return self._id("intent")

    @property
    def range(self) -> str:
        return self._id("range")

    @property
    def start(self) -> str:
        return self._id("from")

    @property
    def end(self) -> str:
        return self._id("to")

    @property
    def custom(self) -> str:  # the box of the custom start/end inputs
        return self._id("custom")

    @property
    def district(self) -> str:
        return self._id("district")

    @property
    def crumbs(self) -> str:
        return self._id("crumbs")

    @property
    def lang(self) -> str:  # the link to the same view in the other language
        return self._id("lang")

    @property
    def problems(self) -> str:
        return self._id("problems")

    @property
    def download(self) -> str:
        return self._id("download")

    def export(self, name: str, fmt: str) -> dict[str, str]:
        """An export button: table or map `name` of the page as `fmt` (csv, xlsx, geojson)."""
        return {"type": "page-export", "page": self.page, "name": name, "fmt": fmt}

    def export_all(self) -> dict[str, Any]:
        return {"type": "page-export", "page": self.page, "name": ALL, "fmt": ALL}


def page_ids(page: str) -> PageIds:
    return PageIds(page)


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
RIVER_PATROL_KIND: Final = "river-patrol"  # a patrol of the detail's list (its track on the map)


def river_patrol(patrol_id: str) -> dict[str, str]:
    return {"type": RIVER_PATROL_KIND, "patrol": patrol_id}


# ── traffic page (layouts/traffic.py): ids `traffic-…` (the wall's TPI trend is TREND) ───────
TRAFFIC_STATUS: Final = "traffic-status"  # feed-down notices
TRAFFIC_KPIS: Final = "traffic-kpis"
TRAFFIC_MAP: Final = "traffic-map"  # districts by TPI, segments by level, incidents
TRAFFIC_DISTRICTS: Final = "traffic-districts"  # district TPI bars (a click filters)
TRAFFIC_SERIES: Final = "traffic-tpi-series"  # TPI over the range
TRAFFIC_PROFILE: Final = "traffic-profile"  # the day against the previous same weekdays
TRAFFIC_WORST: Final = "traffic-worst"  # worst roads (a click filters the road)
TRAFFIC_ROAD: Final = "traffic-road"  # the road filter
TRAFFIC_LEVEL: Final = "traffic-level"  # the level filter
TRAFFIC_SEGMENTS: Final = "traffic-segments-table"
TRAFFIC_INCIDENTS: Final = "traffic-incidents-table"
TRAFFIC_IMPACT: Final = "traffic-impact"  # the selected incident's effect
TRAFFIC_DETAIL: Final = "traffic-detail"  # the selected segment
TRAFFIC_DETAIL_CLOSE: Final = "traffic-detail-close"
TRAFFIC_DAY: Final = "traffic-segment-day"  # its last 24 hours
TRAFFIC_WEEK: Final = "traffic-segment-week"  # its last 7 days
TRAFFIC_IMPACT_TABLE: Final = "traffic-impact-table"

# ── admin page (layouts/admin.py, /admin): ids `admin-…` ─────────────────────────────────────
ADMIN_SHELL: Final = "admin-shell"
ADMIN_LANG: Final = "admin-lang"  # dcc.Store: the page's language
ADMIN_VERSION: Final = "admin-version"  # dcc.Store: bumped by every action, redraws the tables
ADMIN_MESSAGE: Final = "admin-message"  # the outcome of the last action
ADMIN_ACTION: Final = "admin-action"  # pattern type of the action buttons: {"type", "action"}
ADMIN_NEW_NAME: Final = "admin-new-name"
ADMIN_NEW_DISPLAY: Final = "admin-new-display"
ADMIN_NEW_ROLE: Final = "admin-new-role"
ADMIN_USER: Final = "admin-user"  # the account the row of buttons acts on
ADMIN_ROLE: Final = "admin-role"
ADMIN_TOKEN_NAME: Final = "admin-token-name"
ADMIN_TOKEN: Final = "admin-token"  # the display token to revoke
ADMIN_USERS: Final = "admin-users"
ADMIN_TOKENS: Final = "admin-tokens"
ADMIN_AUDIT: Final = "admin-audit"


def admin_action(action: str) -> dict[str, str]:
    """The id of the admin page's button of `action` (security.admin.ACTIONS)."""
    return {"type": ADMIN_ACTION, "action": action}


# ── emergency page (layouts/emergency.py): ids `emergency-…` ─────────────────────────────────
EMERGENCY_STATUS: Final = "emergency-status"  # feed-down notices
EMERGENCY_KPIS: Final = "emergency-kpis"
EMERGENCY_MAP: Final = "emergency-map"  # districts by events, events, warning areas, resources
EMERGENCY_KINDS: Final = "emergency-kinds"  # events by kind × level (a bar click filters the kind)
EMERGENCY_KIND: Final = "emergency-kind"  # the event-kind filter
EMERGENCY_CAPACITY: Final = "emergency-capacity"  # resources by kind with capacity
EMERGENCY_RES_KIND: Final = "emergency-res-kind"  # the resource kind of the nearest list
EMERGENCY_EVENTS: Final = "emergency-events-table"
EMERGENCY_DETAIL: Final = "emergency-detail"  # the selected event
EMERGENCY_NEAREST: Final = "emergency-nearest-table"  # its nearest resources by road
EMERGENCY_TYPHOON: Final = "emergency-typhoon"  # the replay map: track, cone, warnings
EMERGENCY_SIGNAL: Final = "emergency-signal"  # the typhoon signal at the replay step
EMERGENCY_SLIDER: Final = "emergency-replay-slider"
EMERGENCY_PLAY: Final = "emergency-replay-play"
EMERGENCY_TICK: Final = "emergency-replay-tick"  # dcc.Interval of the playing replay
EMERGENCY_SHOWN: Final = "emergency-shown"  # dcc.Store: the state the overview shows (no replay)

# ── fire page (layouts/fire.py): ids `fire-…` ───────────────────────────────────────────────
FIRE_STATUS: Final = "fire-status"  # feed-down notices
FIRE_KPIS: Final = "fire-kpis"
FIRE_MAP: Final = "fire-map"  # districts by coverage, station reach, units, live alarms
FIRE_RESPONSE: Final = "fire-response"  # response-time histogram against the standard
FIRE_STATIONS: Final = "fire-stations"  # median response per station (a click selects one)
FIRE_CATEGORIES: Final = "fire-categories"  # alarms per unit category (a click filters it)
FIRE_CATEGORY: Final = "fire-category"  # the unit category filter
FIRE_GAP: Final = "fire-gap"  # "outside every reach only"
FIRE_UNITS: Final = "fire-units-table"
FIRE_INCIDENTS: Final = "fire-incidents-table"
FIRE_ALARMS: Final = "fire-alarms-table"
FIRE_DETAIL: Final = "fire-detail"
FIRE_DETAIL_CLOSE: Final = "fire-detail-close"

# ── radar page (layouts/radar.py) ────────────────────────────────────────────────────────────
RADAR_STATUS: Final = "radar-status"  # feed-down notices
RADAR_KPIS: Final = "radar-kpis"
RADAR_MAP: Final = "radar-map"
RADAR_SLIDER: Final = "radar-slider"  # the playback's moment (epoch seconds; URL key `t`)
RADAR_PLAY: Final = "radar-play"
RADAR_SPEED: Final = "radar-speed"
RADAR_TICK: Final = "radar-tick"  # dcc.Interval of the playback
RADAR_MOMENT: Final = "radar-moment"  # the moment shown, as text
RADAR_VESSELS: Final = "radar-vessels-table"
RADAR_EVENTS: Final = "radar-events-table"
RADAR_UNREGISTERED: Final = "radar-unregistered-table"
RADAR_DETAIL: Final = "radar-detail"
RADAR_DETAIL_CLOSE: Final = "radar-detail-close"
RADAR_SPEED_CHART: Final = "radar-speed-chart"
