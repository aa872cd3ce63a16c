"""What the situational map selects: a click turned into a selection, and the selection drawn.

A selection is `{"kind", "id", "domain"}`: the kind of thing (district, road, traffic_incident,
event, warning, fire_station, fire_unit, fire_incident, section, river_station, vessel,
dark_target, zone, typhoon), its key as the adapters name it (adcode, segment_id, mmsi, …) and the
domain whose detail card shows it (None for a district: every panel filters to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from layouts import map_layers
from layouts.map_spec import Ctx, MapData, layer, path_of, point, records

__all__ = ["KIND_DOMAIN", "click_target", "selection_layers"]

# What a click on a layer selects (layers holding several kinds say so in each row's "k").
_LAYER_KIND = {
    "districts-fill": "district",
    "districts-label": "district",
    "zones-areas": "zone",
    "warnings-areas": "warning",
    "rivers-sections": "section",
    "rivers-stations": "river_station",
    "roads-segments": "road",
    "typhoon-points": "typhoon",
    "vessels-ships": "vessel",
    "vessels-dark": "dark_target",
}
KIND_DOMAIN = {
    "district": None,
    "zone": "radar",
    "warning": "emergency",
    "section": "river",
    "river_station": "river",
    "road": "traffic",
    "typhoon": "emergency",
    "vessel": "radar",
    "dark_target": "radar",
    "traffic_incident": "traffic",
    "event": "emergency",
    "fire_station": "fire",
    "fire_unit": "fire",
    "fire_incident": "fire",
}
# Where a selected thing is found: kind → (MapData field, key column, geometry).
_SOURCES = {
    "traffic_incident": ("incidents", "incident_id", "point"),
    "event": ("events", "event_id", "point"),
    "fire_station": ("fire_stations", "station_id", "point"),
    "fire_unit": ("fire_alarms", "unit_id", "point"),
    "fire_incident": ("fire_incidents", "incident_id", "point"),
    "river_station": ("river_stations", "station_id", "point"),
    "vessel": ("vessels", "mmsi", "point"),
    "dark_target": ("dark", "track_id", "point"),
    "typhoon": ("typhoon", "storm_id", "point"),
    "road": ("roads", "segment_id", "path"),
    "section": ("reaches", "reach_id", "path"),
    "zone": ("zones", "zone_id", "path"),
}


def selection_layers(data: MapData, selected: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A white ring, line or outline around the selected thing (nothing if it is not drawn)."""
    kind = selected.get("kind")
    if kind == "warning":
        return _warning_outline(data.warnings, selected.get("id"))
    if kind not in _SOURCES:
        return []
    name, key, geom = _SOURCES[kind]
    frame: pd.DataFrame = getattr(data, name)
    if frame.empty or key not in frame.columns:
        return []
    match = frame[frame[key].astype(str) == str(selected.get("id"))]
    white = [255, 255, 255]
    for r in records(match.tail(1), ["lon", "lat", "path"]):
        if geom == "point":
            p = point(r["lon"], r["lat"])
            if p is not None:
                return [
                    layer(
                        "ScatterplotLayer",
                        "selection-ring",
                        [{"p": p}],
                        getPosition="@@=p",
                        getRadius=20,
                        radiusUnits="pixels",
                        stroked=True,
                        filled=False,
                        getLineColor=white,
                        getLineWidth=3,
                        lineWidthUnits="pixels",
                    )
                ]
        path = path_of(r["path"])
        if len(path) >= 2:
            return [
                layer(
                    "PathLayer",
                    "selection-path",
                    [{"path": path}],
                    getPath="@@=path",
                    getColor=[*white, 150],
                    getWidth=12,
                    widthUnits="pixels",
                    capRounded=True,
                    jointRounded=True,
                )
            ]
    return []


def _warning_outline(frame: pd.DataFrame, ident: Any) -> list[dict[str, Any]]:
    if frame.empty or "polygons" not in frame.columns:
        return []
    rows = frame[frame["identifier"].astype(str) == str(ident)]
    outline = map_layers.warnings(rows, Ctx())[-1]["data"]
    if not outline:
        return []
    return [
        layer(
            "PolygonLayer",
            "selection-area",
            [{"g": r["g"]} for r in outline],
            getPolygon="@@=g",
            filled=False,
            stroked=True,
            getLineColor=[255, 255, 255],
            getLineWidth=4,
            lineWidthUnits="pixels",
        )
    ]


def _layer_id(layer_text: Any) -> str | None:
    """The id in dash-deck's `layer` string, e.g. "ScatterplotLayer({id: 'vessels-ships'})"."""
    if not isinstance(layer_text, str):
        return None
    start = layer_text.find("id: '")
    if start < 0:
        return None
    end = layer_text.find("'", start + 5)
    return layer_text[start + 5 : end] if end > start else None


def click_target(click_info: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The selection a dash-deck `clickInfo` stands for: {"kind", "id", "domain"}, or None for a
    click on nothing selectable (the sea, a track tail, a label plate of no kind)."""
    if not click_info or not click_info.get("picked", True):
        return None
    obj = click_info.get("object")
    if not isinstance(obj, Mapping) or obj.get("id") is None:
        return None
    kind = obj.get("k") or _LAYER_KIND.get(_layer_id(click_info.get("layer")) or "")
    if kind not in KIND_DOMAIN:
        return None
    return {"kind": kind, "id": obj["id"], "domain": KIND_DOMAIN[kind]}
