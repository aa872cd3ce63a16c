"""The situational map on the wall: its box, layer toggles, and row-level live updates.

The map itself is `layouts.situation_map` (deck.gl JSON). A refresh rarely changes much of it: a
few vessels move, some roads change colour. `map_delta` compares the new spec with row digests of
what the browser holds and returns only what changed — whole layers whose settings changed,
otherwise the rows to set or remove, keyed by row id — and `assets/wall.js` merges that into the
spec in the browser. Sizes of the map box are those of `assets/wall.css`, so the city fits it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from dash import dcc, html

from brain.memo import Kept
from layouts import ids, situation_map
from layouts.i18n import t
from layouts.map_spec import layer as deck_layer

__all__ = [
    "MAP_SIZES",
    "RowDigests",
    "digest",
    "digests",
    "focus_on",
    "layer_toggle",
    "map_box_map",
    "map_delta",
    "map_spec",
    "visible_layers",
]

# Map box in canvas px: (aspect, playlist focus) → (width, height); see .wall-main in wall.css.
MAP_SIZES: Mapping[tuple[str, bool], tuple[int, int]] = {
    ("16x9", False): (780, 860),
    ("32x9", False): (1324, 860),
    ("16x9", True): (1116, 860),
    ("32x9", True): (2594, 860),
}
RowDigests = dict[str, dict[str, str]]  # layer id → row key → digest ("" key: layer settings)
_VIEW = "@view"


def visible_layers(toggled: Sequence[str] | None, focus: str | None) -> list[str]:
    """Layers on the map: the toggled ones, or in playlist focus those of the focused domain."""
    if focus is not None and focus in situation_map.DOMAIN_LAYERS:
        return list(situation_map.DOMAIN_LAYERS[focus])
    chosen = set(toggled if toggled is not None else situation_map.DEFAULT_LAYERS)
    return [info.id for info in situation_map.LAYERS if info.id in chosen]


def map_spec(
    data: situation_map.MapData,
    *,
    layers: Sequence[str],
    district: str | None,
    entity: Mapping[str, Any] | None,
    lang: str,
    aspect: str,
    focus: str | None,
) -> dict[str, Any]:
    """The whole deck.gl spec for one browser's view of the city."""
    size = MAP_SIZES.get((aspect, focus is not None), MAP_SIZES[("16x9", False)])
    return situation_map.build_map(
        data,
        layers=layers,
        focus=district,
        selected=entity,
        lang=lang,
        size=size,
        transition_ms=800,
    )


PUSH_ZOOM = 11.5  # a pushed alert: the streets around it


def focus_on(spec: Mapping[str, Any], pushed: Mapping[str, Any] | None) -> dict[str, Any]:
    """The map flown to the alert an officer pushed to the wall, ringed; as it was when there is
    none (or it has no place)."""
    if not pushed or pushed.get("lon") is None or pushed.get("lat") is None:
        return dict(spec)
    lon, lat = float(pushed["lon"]), float(pushed["lat"])
    view = {
        **spec["initialViewState"],
        "longitude": lon,
        "latitude": lat,
        "zoom": PUSH_ZOOM,
        "transitionDuration": 1200,
        "transitionInterpolator": {"@@type": "FlyToInterpolator"},
    }
    at = [{"id": str(pushed.get("id")), "p": [lon, lat]}]
    rings = [
        deck_layer(
            "ScatterplotLayer",
            f"pushed-{part}",
            at,
            getPosition="@@=p",
            getRadius=radius,
            radiusUnits="pixels",
            stroked=True,
            filled=part == "halo",
            getFillColor=[239, 68, 68, 90],
            getLineColor=[255, 255, 255, 235],
            getLineWidth=width,
            lineWidthUnits="pixels",
        )
        for part, radius, width in (("halo", 44, 2), ("ring", 18, 4))
    ]
    return {**spec, "initialViewState": view, "layers": [*spec["layers"], *rings]}


def map_box_map(lang: str, district: str | None) -> html.Div:
    """The map as the page first draws it: land and districts; live layers come with a refresh."""
    spec = map_spec(
        situation_map.MapData(),
        layers=situation_map.DEFAULT_LAYERS,
        district=district,
        entity=None,
        lang=lang,
        aspect="16x9",
        focus=None,
    )
    return situation_map.map_component(ids.MAP, spec)


def layer_toggle(lang: str) -> dcc.Checklist:
    """One check box per map layer (hidden in kiosk mode with the other controls)."""
    options = [
        {"label": html.Span(t(info.key, lang), id=ids.text(info.key)), "value": info.id}
        for info in situation_map.LAYERS
    ]
    return dcc.Checklist(
        id=ids.LAYERS,
        options=options,
        value=list(situation_map.DEFAULT_LAYERS),
        className="layer-toggle control",
        inline=True,
    )


def digest(value: object) -> str:
    """A short digest of a JSON-like value (keys sorted), for telling what changed."""
    text = orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.blake2b(text, digest_size=6).hexdigest()


def _key(row: object, index: int) -> str:
    """A row's key, the same as `rowKey` in wall.js: its id, else its place in the layer."""
    if isinstance(row, Mapping) and row.get("id") is not None:
        return str(row["id"])
    return f"#{index}"


def _layer_digests(lyr: Mapping[str, Any]) -> dict[str, str]:
    rows = lyr.get("data")
    settings = {k: v for k, v in lyr.items() if k != "data" or not isinstance(v, list)}
    entry = {"": digest(settings)}
    if isinstance(rows, list):
        entry.update({_key(r, i): _row_digest(r) for i, r in enumerate(rows)})
    return entry


class _ByObject:
    """Digests of objects the map builders keep and hand out again (whole layers of
    `situation_map.BUILT`, road rows of `map_layers`): worked out once per object, which is
    read only. Holding each object keeps its id from being reused while it is kept."""

    def __init__(self, size: int, work: Any) -> None:
        self.work = work
        self._kept: Kept[int, tuple[Any, Any]] = Kept(size)

    def __call__(self, obj: Any) -> Any:
        kept = self._kept.get(id(obj))
        if kept is not None and kept[0] is obj:  # the same object, not a reused id
            return kept[1]
        result = self.work(obj)
        self._kept.put(id(obj), (obj, result))
        return result


_row_digest = _ByObject(8192, digest)  # every road, and a few dozen refreshes of moving rows
_digests_of = _ByObject(128, _layer_digests)  # about five views' layers (22 each)


def digests(spec: Mapping[str, Any]) -> RowDigests:
    """Row digests of every layer with inline rows (and of each layer's other settings); the
    view and everything else but the layers under `@view`."""
    out: RowDigests = {_VIEW: {"": digest({k: v for k, v in spec.items() if k != "layers"})}}
    for lyr in spec.get("layers", []):
        out[str(lyr["id"])] = _digests_of(lyr)
    return out


def map_delta(
    spec: Mapping[str, Any], held: RowDigests | None
) -> tuple[dict[str, Any] | None, RowDigests]:
    """What the browser needs to turn what it holds (`held`, None: unknown) into `spec`.

    Returns (delta, digests of `spec`); the delta is None when nothing changed, `{"full": spec}`
    when the layer list differs, else `{"layers": {id: {"layer": …} | {"set": …, "del": …}}}`.
    """
    now = digests(spec)
    if held is None or list(held) != list(now) or held[_VIEW] != now[_VIEW]:
        return {"full": dict(spec)}, now
    changes: dict[str, Any] = {}
    for lyr in spec["layers"]:
        lid = str(lyr["id"])
        old, new = held[lid], now[lid]
        if old == new:  # settings and every row as the browser holds them
            continue
        if old.get("") != new[""] or not isinstance(lyr.get("data"), list):
            if old.get("") != new[""]:
                changes[lid] = {"layer": lyr}
            continue
        rows = {_key(r, i): r for i, r in enumerate(lyr["data"])}
        put = {k: rows[k] for k, d in new.items() if k and old.get(k) != d}
        gone = [k for k in old if k and k not in new]
        if put or gone:
            changes[lid] = {"set": put, "del": gone}
    return ({"layers": changes} if changes else None), now
