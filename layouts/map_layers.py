"""Area and line layers of the situational map: land, districts, sea zones, warnings, rivers, roads.

Each builder takes its frames (columns as the adapters return them, see docs/adapters.md) and a
`Ctx`, and returns deck.gl layers in JSON form; ids are `<toggle>-<part>`. Land and districts
are fetched by the browser from `assets/geo/` (once, then cached), so a refresh never resends them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pandas as pd

from brain.standards import TPI_LEVEL_NAMES, class_rank, tpi_level
from layouts import map_geo
from layouts.map_i18n import text, water_class_label
from layouts.map_spec import (
    FONT,
    LAND,
    NO_DATA,
    SIGNAL_COLORS,
    TPI_COLORS,
    WATER_COLORS,
    ZONE_STYLES,
    Ctx,
    layer,
    num,
    path_of,
    records,
    require,
)

__all__ = ["base", "district_labels", "districts", "rivers_sections", "roads", "warnings", "zones"]

_DISTRICT_FILL = [40, 75, 120, 70]
_DISTRICT_LINE = [70, 205, 255, 235]
_FOCUS_FILL = [60, 130, 220, 40]
_DIM_FILL = [0, 0, 0, 120]
_LABEL = [235, 245, 255]
_LABEL_PLATE = [10, 22, 40]
_RIVER_UNMEASURED = [70, 110, 150]  # a reach with no station reading: a plain river line
_ROAD_WIDTH = {"expressway": 5.0, "arterial": 4.0, "secondary": 3.0, "branch": 2.0}


def _when_focus(ctx: Ctx, on: list[int], off: list[int], default: list[int]) -> Any:
    """A per-district accessor: `on` for the focused district, `off` for the others."""
    if ctx.focus is None:
        return default
    return f"@@=id === '{ctx.focus}' ? {json.dumps(on)} : {json.dumps(off)}"


def base(ctx: Ctx) -> list[dict[str, Any]]:
    """The land (the city outline) a little lighter than the sea, which is the canvas itself."""
    return [
        layer(
            "GeoJsonLayer",
            "base-land",
            f"{ctx.geo_url}/{map_geo.CITY_FILE}",
            filled=True,
            stroked=False,
            getFillColor=LAND,
        )
    ]


def districts(ctx: Ctx) -> list[dict[str, Any]]:
    """District areas (pickable, dimmed around a focused one) with bright outlines."""
    fill = _when_focus(ctx, _FOCUS_FILL, _DIM_FILL, _DISTRICT_FILL)
    line = _when_focus(ctx, [255, 255, 255, 255], _DISTRICT_LINE, _DISTRICT_LINE)
    width = f"@@=id === '{ctx.focus}' ? 4 : 1.5" if ctx.focus else 1.5
    return [
        layer(
            "GeoJsonLayer",
            "districts-fill",
            f"{ctx.geo_url}/{map_geo.DISTRICTS_FILE}",
            filled=True,
            stroked=True,
            pickable=True,
            autoHighlight=True,
            highlightColor=[120, 200, 255, 60],
            getFillColor=fill,
            getLineColor=line,
            getLineWidth=width,
            lineWidthUnits="pixels",
            lineWidthMinPixels=1,
            updateTriggers={
                "getFillColor": ctx.focus,
                "getLineColor": ctx.focus,
                "getLineWidth": ctx.focus,
            },
        )
    ]


def district_labels(ctx: Ctx) -> list[dict[str, Any]]:
    """District names on dark plates, in the display language."""
    rows = []
    for d in map_geo.districts():
        name = d.name_zh if ctx.lang == "zh" else d.name_en
        rows.append(
            {"id": d.adcode, "p": list(d.label), "t": name, "tip": f"{d.name_zh} {d.name_en}"}
        )
    focus_size = f"@@=id === '{ctx.focus}' ? 34 : 24" if ctx.focus else 26
    return [
        layer(
            "TextLayer",
            "districts-label",
            rows,
            getPosition="@@=p",
            getText="@@=t",
            getSize=focus_size,
            getColor=_LABEL,
            backgroundColor=_LABEL_PLATE,
            fontFamily=FONT,
            fontWeight="bold",
            pickable=True,
            updateTriggers={"getSize": ctx.focus},
        )
    ]


def zones(frame: pd.DataFrame, ctx: Ctx) -> list[dict[str, Any]]:
    """Sea zones (radar.zones): anchorages, channels, restricted, aquaculture, port, fishing."""
    require(frame, "zones", ["zone_id", "kind", "path"])
    rows = []
    for r in records(frame, ["zone_id", "name", "kind", "rule", "path"]):
        ring = path_of(r["path"])
        if len(ring) < 3:
            continue
        fill, line, width = ZONE_STYLES.get(str(r["kind"]), ZONE_STYLES["port"])
        rule = text(f"map.rule.{r['rule']}", ctx.lang) if r["rule"] else ""
        tip = " · ".join(x for x in (r["name"], text(f"map.zone.{r['kind']}", ctx.lang), rule) if x)
        rows.append({"id": r["zone_id"], "g": ring, "f": fill, "l": line, "w": width, "tip": tip})
    return [
        layer(
            "PolygonLayer",
            "zones-areas",
            rows,
            getPolygon="@@=g",
            getFillColor="@@=f",
            getLineColor="@@=l",
            getLineWidth="@@=w",
            lineWidthUnits="pixels",
            stroked=True,
            filled=True,
            pickable=True,
        )
    ]


def _signal_rank(signal: str) -> int:
    order = ("white", "blue", "yellow", "orange", "red")
    return order.index(signal) if signal in order else -1


def warnings(frame: pd.DataFrame, ctx: Ctx) -> list[dict[str, Any]]:
    """Warnings in force (emergency.warnings_in_force), coloured by signal.

    A warning with polygons is drawn as its polygons; one given only by district codes tints
    those districts (the city code 440800 tints them all), strongest signal on top.
    """
    require(frame, "warnings", ["identifier", "signal"])
    ranked: list[tuple[int, dict[str, Any]]] = []
    by_district: dict[str, str] = {}
    codes = [d.adcode for d in map_geo.districts()]
    for r in records(frame, ["identifier", "signal", "event", "headline", "polygons", "adcodes"]):
        signal = str(r["signal"])
        color = SIGNAL_COLORS.get(signal, SIGNAL_COLORS["white"])
        tip = str(r["headline"] or r["event"] or "")
        polygons = _polygons(r["polygons"])
        for ring in polygons:
            row = {"id": r["identifier"], "g": ring, "f": [*color, 90], "l": color, "tip": tip}
            ranked.append((_signal_rank(signal), row))
        if not polygons:
            covered = [c.strip() for c in str(r["adcodes"] or "").split(",") if c.strip()]
            if "440800" in covered:
                covered = codes
            for code in covered:
                if _signal_rank(signal) > _signal_rank(by_district.get(code, "")):
                    by_district[code] = signal
    rows = [row for _, row in sorted(ranked, key=lambda x: x[0])]  # strongest drawn last
    fill = line = "[0, 0, 0, 0]"
    for code, signal in sorted(by_district.items()):
        color = SIGNAL_COLORS[signal]
        fill = f"id === '{code}' ? {json.dumps([*color, 100])} : {fill}"
        line = f"id === '{code}' ? {json.dumps(color)} : {line}"
    return [
        layer(
            "GeoJsonLayer",
            "warnings-districts",
            f"{ctx.geo_url}/{map_geo.DISTRICTS_FILE}",
            filled=True,
            stroked=True,
            visible=bool(by_district),
            getFillColor="@@=" + fill,
            getLineColor="@@=" + line,
            getLineWidth=3,
            lineWidthUnits="pixels",
            updateTriggers={"getFillColor": fill, "getLineColor": line},
        ),
        layer(
            "PolygonLayer",
            "warnings-areas",
            rows,
            getPolygon="@@=g",
            getFillColor="@@=f",
            getLineColor="@@=l",
            getLineWidth=3,
            lineWidthUnits="pixels",
            stroked=True,
            filled=True,
            pickable=True,
        ),
    ]


def _polygons(v: Any) -> list[list[list[float]]]:
    if v is None:
        return []
    if isinstance(v, (str, bytes)):
        try:
            v = json.loads(v)
        except ValueError:
            return []
    if not isinstance(v, list):
        return []
    return [ring for ring in (path_of(p) for p in v) if len(ring) >= 3]


def rivers_sections(
    reaches: pd.DataFrame, stations: pd.DataFrame, ctx: Ctx
) -> list[dict[str, Any]]:
    """River reaches coloured by the worst current class of their stations (GB 3838-2002);
    reaches without a reading are thin plain river lines."""
    require(reaches, "reaches", ["reach_id", "path"])
    require(stations, "river_stations", ["reach_id", "water_class"])
    worst: dict[Any, str] = {}
    for s in records(stations, ["reach_id", "water_class"]):
        cls = s["water_class"]
        if cls in WATER_COLORS and (
            s["reach_id"] not in worst or class_rank(cls) > class_rank(worst[s["reach_id"]])
        ):
            worst[s["reach_id"]] = cls
    rows = []
    for r in records(reaches, ["reach_id", "river_name", "reach_name", "path"]):
        path = path_of(r["path"])
        if len(path) < 2:
            continue
        cls = worst.get(r["reach_id"])
        label = water_class_label(cls, ctx.lang)
        name = " ".join(str(x) for x in (r["river_name"], r["reach_name"]) if x)
        rows.append(
            {
                "id": r["reach_id"],
                "path": path,
                "c": WATER_COLORS[cls] if cls else _RIVER_UNMEASURED,
                "w": 4 if cls else 2,
                "tip": f"{name}\n{label}",
            }
        )
    return [_lines("rivers-sections", rows)]


def _lines(layer_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A pickable line layer whose rows carry their path, colour (`c`) and width (`w`)."""
    return layer(
        "PathLayer",
        layer_id,
        rows,
        getPath="@@=path",
        getColor="@@=c",
        getWidth="@@=w",
        widthUnits="pixels",
        jointRounded=True,
        capRounded=True,
        pickable=True,
    )


def roads(frame: pd.DataFrame, ctx: Ctx) -> list[dict[str, Any]]:
    """Road segments (traffic.segment_state) coloured by TPI level, wider for higher classes."""
    require(frame, "roads", ["segment_id", "path"])
    rows = []
    for r in records(frame, ["segment_id", "road_name", "road_class", "path", "tpi", "level"]):
        tpi = num(r["tpi"])
        level = (
            int(r["level"])
            if num(r["level"]) is not None
            else (tpi_level(tpi) if tpi is not None else None)
        )
        shown = None if tpi is None else f"{tpi:.1f}"
        path = (
            r["path"]
            if isinstance(r["path"], (str, bytes)) or r["path"] is None
            else json.dumps(r["path"])
        )
        row = _road(r["segment_id"], r["road_name"], r["road_class"], path, level, shown, ctx.lang)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda x: x["w"])  # wide (major, congested) roads drawn last, on top
    return [_lines("roads-segments", rows)]


@lru_cache(maxsize=16_384)
def _road(
    segment_id: Any,
    name: str | None,
    road_class: str | None,
    path_text: Any,
    level: int | None,
    tpi: str | None,
    lang: str,
) -> dict[str, Any] | None:
    """One road row: a pure function of what it shows (the TPI as displayed, one decimal), so a
    refresh rebuilds only the segments whose reading changed. Rows are never modified after."""
    path = path_of(path_text)
    if len(path) < 2:
        return None
    width = _ROAD_WIDTH.get(str(road_class), 2.0) + (1.0 if (level or 0) >= 4 else 0.0)
    if level is None:
        state = text("map.no_reading", lang)
    else:
        level_name = TPI_LEVEL_NAMES[level]
        state = level_name.zh if lang == "zh" else level_name.en
        if tpi is not None:
            state += " · " + text("map.tpi", lang, tpi)
    return {
        "id": segment_id,
        "path": path,
        "c": TPI_COLORS[level] if level else NO_DATA,
        "w": width,
        "tip": f"{name or ''}\n{state}".strip(),
    }
