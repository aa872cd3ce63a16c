"""Wiring of the wall: timers and clicks → services.wall → layouts → only what changed.

Per-browser state (language, selected district or entity, playlist focus, what the browser
already shows) lives in `dcc.Store`s and the URL, never in the server. Clock, playlist rotation,
canvas class and merging map changes run in the browser (`assets/wall.js`), without a round trip.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update
from flask import current_app

from layouts import ids
from layouts.detail import detail_card
from layouts.i18n import lang_of, other_lang, t
from layouts.situation_map import click_target
from layouts.wall_map import digest as map_digest
from layouts.wall_map import focus_on, map_delta, map_spec, visible_layers
from layouts.wall_regions import REGIONS, region_specs
from services import wall as wall_service
from services.quiet import refreshing

__all__ = [
    "MAP_MEMORY_S",
    "TARGETS",
    "choose_lang",
    "label_districts",
    "refresh",
    "refresh_map",
    "register",
    "select",
    "show_detail",
    "translate",
]

MAP_MEMORY_S = 600  # how long the server remembers which map rows a browser holds
TARGETS: dict[str, tuple[str, str]] = {
    **{
        f"{d}.{p}": (
            {"body": ids.panel_body, "badge": ids.panel_badge, "scope": ids.panel_scope}[p](d),
            "children",
        )
        for d in ids.DOMAINS
        for p in ("body", "badge", "scope")
    },
    "signal": (ids.SIGNAL, "children"),
    "weather": (ids.WEATHER, "children"),
    "ticker": (ids.TICKER, "children"),
    "health": (ids.HEALTH, "children"),
    "trend": (ids.TREND, "figure"),
    "pushed": (ids.PUSHED, "data"),
    "banner": (ids.PUSH_BANNER, "children"),
}


def _data() -> Any:
    return current_app.extensions["brain.data"]


def _settings() -> Any:
    return current_app.config["BRAIN_SETTINGS"]


def _now() -> datetime:
    clock: Any = current_app.extensions.get("brain.clock")
    return clock() if clock is not None else datetime.now(UTC)


@refreshing()
def refresh(
    _n: int | None,
    selection: dict[str, Any] | None,
    lang: str | None,
    hashes: dict[str, str] | None,
) -> tuple[Any, ...]:
    """Every region of the wall whose data changed since the browser last got it (`no_update`
    for the others), and the new digests."""
    lang, now = lang_of(lang), _now()
    district = (selection or {}).get("district")
    alerts = wall_service.store_alerts(_settings().store_database_url, now, district)
    view = wall_service.tick(_data(), now, district, alerts)
    seen, out = dict(hashes or {}), []
    for key, basis, build in region_specs(view, lang, wall_service.district_list()):
        digest = map_digest([basis, lang])
        out.append(no_update if seen.get(key) == digest else build())
        seen[key] = digest
    return (*out, seen)


@refreshing()
def refresh_map(
    _n: int | None,
    selection: dict[str, Any] | None,
    lang: str | None,
    focus: str | None,
    layers: list[str] | None,
    aspect: str | None,
    pushed: dict[str, Any] | None,
    held: dict[str, Any] | None,
) -> tuple[Any, Any]:
    """The map's changes since the browser's copy (whole spec when the server does not know
    that copy, e.g. after a restart), merged into the map by wall.js; flown to the alert an
    officer pushed to the wall while it is there."""
    sel, now, cache = selection or {}, _now(), _data().cache
    focus = None if pushed else focus  # a pushed alert holds the playlist on the overview
    spec = map_spec(
        wall_service.map_tick(_data(), now),
        layers=visible_layers(layers, focus),
        district=sel.get("district"),
        entity=sel.get("entity"),
        lang=lang_of(lang),
        aspect=aspect or "16x9",
        focus=focus,
    )
    spec = focus_on(spec, pushed)
    token, seq = (held or {}).get("token") or uuid.uuid4().hex, (held or {}).get("seq")
    known = cache.get(f"wall-map:{token}")
    delta, rows = map_delta(spec, known["rows"] if known and known["seq"] == seq else None)
    if delta is None:
        return no_update, no_update
    cache.set(f"wall-map:{token}", {"seq": (seq or 0) + 1, "rows": rows}, MAP_MEMORY_S)
    return delta, {"token": token, "seq": (seq or 0) + 1}


def choose_lang(url_lang: str | None, _clicks: int | None, stored: str | None) -> str:
    """The toggle flips the language; a `?lang=` in the URL wins over what the browser kept."""
    if ctx.triggered_id == ids.LANG_TOGGLE:
        return other_lang(stored or "zh")
    return lang_of(url_lang or stored)


def translate(lang: str | None, keys: list[dict[str, str]]) -> list[str]:
    """Every static label in the language of this browser."""
    return [t(k["key"], lang_of(lang)) for k in keys]


def label_districts(
    lang: str | None, selection: dict[str, Any] | None, chips: list[dict[str, str]]
) -> tuple[list[str], list[str]]:
    """District chip names in the language, the selected one highlighted."""
    field = "name_en" if lang_of(lang) == "en" else "name_zh"
    names = {d["adcode"]: d[field] for d in wall_service.district_list()}
    chosen = (selection or {}).get("district") or ""
    labels = [names.get(c["adcode"], t("wall.city", lang_of(lang))) for c in chips]
    classes = ["chip district" + (" active" if c["adcode"] == chosen else "") for c in chips]
    return labels, classes


def select(
    _chips: list[int],
    click: dict[str, Any] | None,
    _reset: int,
    _close: int,
    selection: dict[str, Any] | None,
) -> Any:
    """A chip or a district on the map focuses it; another object on the map opens its card;
    reset returns to the city."""
    sel, trigger = dict(selection or {"district": None, "entity": None}), ctx.triggered_id
    if trigger == ids.RESET:
        return {"district": None, "entity": None}
    if trigger == ids.DETAIL_CLOSE:
        return {**sel, "entity": None}
    if isinstance(trigger, dict):  # a district chip ("" = the city)
        return {"district": trigger.get("adcode") or None, "entity": None}
    target = click_target(click)
    if target is None:
        return no_update
    if target["kind"] == "district":
        return {"district": str(target["id"]), "entity": None}
    return {**sel, "entity": target}


def show_detail(selection: dict[str, Any] | None, lang: str | None) -> Any:
    """The detail card of the selected vessel, incident, station or section (or nothing)."""
    entity = (selection or {}).get("entity")
    if not entity:
        return None
    facts = wall_service.detail(_data(), _now(), entity)
    return detail_card(entity, facts, lang_of(lang))


def register(app: dash.Dash) -> None:
    """Attach the wall's callbacks to `app`."""
    app.callback(
        [Output(*TARGETS[k]) for k in REGIONS] + [Output(ids.HASHES, "data")],
        Input(ids.TICK, "data"),
        Input(ids.SELECTION, "data"),
        Input(ids.LANG, "data"),
        State(ids.HASHES, "data"),
    )(refresh)
    app.callback(
        Output(ids.MAP_DELTA, "data"),
        Output(ids.MAP_STATE, "data"),
        Input(ids.MAP_TICK, "data"),
        Input(ids.SELECTION, "data"),
        Input(ids.LANG, "data"),
        Input(ids.FOCUS, "data"),
        Input(ids.LAYERS, "value"),
        Input(ids.ASPECT, "data"),
        Input(ids.PUSHED, "data"),
        State(ids.MAP_STATE, "data"),
    )(refresh_map)
    app.callback(
        Output(ids.LANG, "data"),
        Input(ids.LANG_URL, "data"),
        Input(ids.LANG_TOGGLE, "n_clicks"),
        State(ids.LANG, "data"),
    )(choose_lang)
    text_all, chip_all = ids.text(ALL), ids.district(ALL)  # type: ignore[arg-type]
    app.callback(Output(text_all, "children"), Input(ids.LANG, "data"), State(text_all, "id"))(
        translate
    )
    app.callback(
        Output(chip_all, "children"),
        Output(chip_all, "className"),
        Input(ids.LANG, "data"),
        Input(ids.SELECTION, "data"),
        State(chip_all, "id"),
    )(label_districts)
    app.callback(
        Output(ids.SELECTION, "data"),
        Input(chip_all, "n_clicks"),
        Input(ids.MAP, "clickInfo"),
        Input(ids.RESET, "n_clicks"),
        Input(ids.DETAIL_CLOSE, "n_clicks"),
        State(ids.SELECTION, "data"),
        prevent_initial_call=True,
    )(select)
    app.callback(
        Output(ids.DETAIL, "children"), Input(ids.SELECTION, "data"), Input(ids.LANG, "data")
    )(show_detail)
    _clientside(app)


def _clientside(app: dash.Dash) -> None:
    """Browser-only wiring: functions of `window.dash_clientside.wall` in assets/wall.js."""

    def wire(name: str, outputs: list[Output], *inputs: Any) -> None:
        wire_one: Any = app.clientside_callback  # untyped in Dash
        wire_one(ClientsideFunction("wall", name), *outputs, *inputs)

    wire("pace", [Output(ids.TICK, "data")], Input(ids.REFRESH, "n_intervals"))
    wire("paceMap", [Output(ids.MAP_TICK, "data")], Input(ids.REFRESH, "n_intervals"))
    wire(
        "clock",
        [Output(ids.CLOCK, "children"), Output(ids.DATE, "children")],
        Input(ids.CLOCK_INTERVAL, "n_intervals"),
        State(ids.LANG, "data"),
    )
    wire(
        "focus",
        [Output(ids.FOCUS, "data")],
        Input(ids.PLAYLIST_INTERVAL, "n_intervals"),
        Input(ids.PUSHED, "data"),
        State(ids.CONFIG, "data"),
    )
    wire(
        "canvasClass",
        [Output(ids.CANVAS, "className")],
        Input(ids.FOCUS, "data"),
        Input(ids.PUSHED, "data"),
        State(ids.CONFIG, "data"),
    )
    wire(
        "aspect",
        [Output(ids.ASPECT, "data")],
        Input(ids.CLOCK_INTERVAL, "n_intervals"),
        State(ids.ASPECT, "data"),
    )
    wire(
        "mergeMap", [Output(ids.MAP, "data")], Input(ids.MAP_DELTA, "data"), State(ids.MAP, "data")
    )
