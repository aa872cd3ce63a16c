"""The situational map (态势一张图): one deck.gl map of the whole city for the wall and analysts.

Contract with the wall (callbacks/wall.py):

    data = MapData(roads=traffic.segment_state(...), vessels=radar.vessel_positions(...), ...)
    spec = build_map(data, layers=DEFAULT_LAYERS, focus=None, selected=None, lang="zh",
                     size=(width_px, height_px))
    map_component(ids.MAP, spec, lang="zh")      # html.Div holding dash_deck.DeckGL(id=ids.MAP)
    Output(ids.MAP, "data")       ← build_map(...)  (or map_patch(spec, changed) on a live tick)
    Input(ids.MAP, "clickInfo")   → click_target(click_info) → {"kind", "id", "domain"} | None

`MapData` holds the adapters' frames as they return them (docs/adapters.md); a frame left empty
draws nothing. District boundaries and the land come from `assets/geo/` (see map_geo), never
from data. Layers are toggled by the ids of `LAYERS`; their legend names are the `key`s in
`layouts.map_i18n.MESSAGES`. Everything is served by the app itself: no basemap, no token, no font
or tile request leaves the host.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import dash_deck
from dash import Patch, html

from brain.memo import Memo
from layouts import map_geo, map_layers, map_marks, map_select, map_tracks
from layouts.map_select import click_target
from layouts.map_spec import FONT, SEA_HEX, Ctx, MapData

__all__ = [
    "DEFAULT_LAYERS",
    "DOMAIN_LAYERS",
    "LAYERS",
    "LayerInfo",
    "MapData",
    "build_map",
    "click_target",
    "map_component",
    "map_patch",
    "view_for",
]


@dataclass(frozen=True)
class LayerInfo:
    """A toggleable layer: its id, the catalog key of its legend name, its domain."""

    id: str
    key: str
    domain: str | None


LAYERS: tuple[LayerInfo, ...] = (
    LayerInfo("base", "map.layer.base", None),
    LayerInfo("districts", "map.layer.districts", None),
    LayerInfo("zones", "map.layer.zones", "radar"),
    LayerInfo("warnings", "map.layer.warnings", "emergency"),
    LayerInfo("rivers", "map.layer.rivers", "river"),
    LayerInfo("roads", "map.layer.roads", "traffic"),
    LayerInfo("typhoon", "map.layer.typhoon", "emergency"),
    LayerInfo("vessels", "map.layer.vessels", "radar"),
    LayerInfo("fire", "map.layer.fire", "fire"),
    LayerInfo("incidents", "map.layer.incidents", "emergency"),
)
DEFAULT_LAYERS: tuple[str, ...] = tuple(info.id for info in LAYERS)
# The layers a domain shows when the playlist puts it forward.
DOMAIN_LAYERS: Mapping[str, tuple[str, ...]] = {
    "economy": ("base", "districts"),
    "traffic": ("base", "districts", "roads", "incidents"),
    "emergency": ("base", "districts", "warnings", "typhoon", "incidents"),
    "fire": ("base", "districts", "fire"),
    "river": ("base", "districts", "rivers"),
    "radar": ("base", "districts", "zones", "vessels"),
}


Builder = Callable[[MapData, Ctx], list[dict[str, Any]]]
_BUILDERS: Mapping[str, Builder] = {
    "base": lambda d, c: map_layers.base(c),
    "districts": lambda d, c: map_layers.districts(c) + map_layers.district_labels(c),
    "zones": lambda d, c: map_layers.zones(d.zones, c),
    "warnings": lambda d, c: map_layers.warnings(d.warnings, c),
    "rivers": lambda d, c: (
        map_layers.rivers_sections(d.reaches, d.river_stations, c)
        + map_marks.river_stations(d.river_stations, c)
    ),
    "roads": lambda d, c: map_layers.roads(d.roads, c),
    "typhoon": lambda d, c: map_tracks.typhoon(d.typhoon, c),
    "vessels": lambda d, c: map_tracks.vessels(d.vessels, d.tails, d.dark, d.intrusions, c),
    "fire": lambda d, c: map_marks.fire(d.fire_stations, d.fire_alarms, d.fire_incidents, c),
    "incidents": lambda d, c: map_marks.incidents(d.incidents, d.events, c),
}
# The frames of MapData each toggle draws from.
_INPUTS: Mapping[str, tuple[str, ...]] = {
    "base": (),
    "districts": (),
    "zones": ("zones",),
    "warnings": ("warnings",),
    "rivers": ("reaches", "river_stations"),
    "roads": ("roads",),
    "typhoon": ("typhoon",),
    "vessels": ("vessels", "tails", "dark", "intrusions"),
    "fire": ("fire_stations", "fire_alarms", "fire_incidents"),
    "incidents": ("incidents", "events"),
}
# Layers built from frames with content keys, kept per distinct set of keys and context: a
# refresh rebuilds only the toggles whose frames changed. Kept layers are shared: read only.
BUILT = Memo(256)
# Bottom to top: areas, lines, marks, the selection, then the names above everything.
_DRAW_ORDER = (
    "base-land",
    "districts-fill",
    "warnings-districts",
    "warnings-areas",
    "zones-areas",
    "rivers-sections",
    "roads-segments",
    "typhoon-track",
    "typhoon-points",
    "vessels-tails",
    "vessels-ships",
    "vessels-flags",
    "vessels-dark",
    "rivers-stations",
    "fire-alarm-rings",
    "incidents-marks",
    "fire-marks",
    "selection-area",
    "selection-path",
    "selection-ring",
    "districts-label",
    "typhoon-label",
)


def view_for(
    focus: str | None = None, size: tuple[int, int] | None = None, *, transition_ms: int = 0
) -> dict[str, Any]:
    """The initial view fitting the whole city (`focus=None`) or one district into `size`.

    `size` is the map canvas in CSS pixels (default 1920×1080); the city is taller than wide, so
    16:9 and 32:9 canvases of one height get one zoom.
    """
    bounds = map_geo.city_bounds() if focus is None else map_geo.district(focus).bounds
    lon, lat, zoom = map_geo.fit(bounds, size or (1920, 1080))
    view: dict[str, Any] = {
        "longitude": lon,
        "latitude": lat,
        "zoom": zoom,
        "pitch": 0,
        "bearing": 0,
    }
    if transition_ms > 0:
        view["transitionDuration"] = transition_ms
        view["transitionInterpolator"] = {"@@type": "FlyToInterpolator"}
    return view


def _built(toggle: str, data: MapData, ctx: Ctx) -> list[dict[str, Any]]:
    """The layers of one toggle, built once per distinct set of its frames' keys."""

    def build() -> list[dict[str, Any]]:
        made = _BUILDERS[toggle](data, ctx)
        _with_character_set(made)
        return made

    return BUILT(toggle, [data.keys.get(f) for f in _INPUTS[toggle]], build, ctx)


def _with_character_set(layers: list[dict[str, Any]]) -> None:
    """Give every TextLayer exactly the characters it shows: deck.gl 8 builds its font atlas
    from `characterSet` (ASCII by default), so Chinese names need theirs listed."""
    for lyr in layers:
        if lyr["@@type"] == "TextLayer" and isinstance(lyr["data"], list):
            chars = {ch for row in lyr["data"] for ch in str(row.get("t", ""))}
            lyr["characterSet"] = sorted(chars | {" "})


def build_map(
    data: MapData,
    *,
    layers: Collection[str] = DEFAULT_LAYERS,
    focus: str | None = None,
    selected: Mapping[str, Any] | None = None,
    lang: str = "zh",
    size: tuple[int, int] | None = None,
    geo_url: str = "/assets/geo",
    transition_ms: int = 0,
    interactive: bool = True,
) -> dict[str, Any]:
    """The deck.gl JSON spec of the map with the toggled `layers`, in draw order.

    `focus` (an adcode) zooms to a district and dims the others; `selected` (as returned by
    `click_target`) is ringed; `geo_url` is where `assets/geo` is served. Raises ValueError for an
    unknown layer id or a frame that lacks a needed column.
    """
    unknown = set(layers) - set(DEFAULT_LAYERS)
    if unknown:
        raise ValueError(f"unknown map layers {sorted(unknown)}; known: {list(DEFAULT_LAYERS)}")
    if selected and selected.get("kind") == "district" and focus is None:
        focus = str(selected.get("id"))
    if focus is not None:
        map_geo.district(focus)  # KeyError for a code that is not a district
    ctx = Ctx(lang=lang, focus=focus, geo_url=geo_url.rstrip("/"))
    out: list[dict[str, Any]] = []
    for info in LAYERS:
        if info.id in layers:
            out.extend(_built(info.id, data, ctx))
    if selected:
        chosen = map_select.selection_layers(data, selected)
        _with_character_set(chosen)
        out.extend(chosen)
    out.sort(key=lambda lyr: _DRAW_ORDER.index(lyr["id"]))
    return {
        "initialViewState": view_for(focus, size, transition_ms=transition_ms),
        "views": [{"@@type": "MapView", "controller": interactive}],
        "layers": out,
    }


def map_patch(spec: Mapping[str, Any], changed: Collection[str]) -> Patch:
    """A Dash `Patch` replacing only the layers of the toggles in `changed` (e.g. {"vessels"}).

    `spec` is a fresh `build_map` result with the same layers/focus/selected/lang as the one the
    browser holds, so every layer sits at the same index; only the changed layers travel.
    """
    patch = Patch()
    for i, lyr in enumerate(spec["layers"]):
        if lyr["id"].split("-", 1)[0] in changed:
            patch["layers"][i] = lyr
    return patch


_TOOLTIP_STYLE = {
    "backgroundColor": "rgba(6, 14, 28, 0.94)",
    "color": "#e8f1ff",
    "border": "1px solid #46cdff",
    "borderRadius": "4px",
    "padding": "8px 12px",
    "fontFamily": FONT,
    "fontSize": "20px",
    "lineHeight": "1.4",
    "whiteSpace": "pre",
    "zIndex": "10",
}


def map_component(
    id: str,
    spec: Mapping[str, Any],
    *,
    className: str = "situation-map",
    style: Mapping[str, Any] | None = None,
) -> html.Div:
    """The map: a positioned box (sea-coloured, filling its parent unless `style` says otherwise)
    holding `dash_deck.DeckGL(id=id)`, with click events on and a text-only tooltip (data
    strings such as vessel names are never parsed as HTML)."""
    box = {
        "position": "relative",
        "width": "100%",
        "height": "100%",
        "overflow": "hidden",
        "background": SEA_HEX,
        **(style or {}),
    }
    deck = dash_deck.DeckGL(
        id=id,
        data=dict(spec),
        tooltip={"text": "{tip}", "style": _TOOLTIP_STYLE},
        enableEvents=["click"],
        style={"background": SEA_HEX},
    )
    return html.Div(deck, className=className, style=box)
