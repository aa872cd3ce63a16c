"""Figures of the river page: the map (districts by compliance, reaches by patrol, sections by
class), the sections per class, and a section's parameter history over its class bands.

Data in, plotly figure dicts out. The map is a plotly `map` on `white-bg` with the districts from
the local GeoJSON asset (no tile server); clicking a district gives its `location` (adcode),
clicking a section its `customdata` (["station", station_id]).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

from brain.river_page import CLASSES, class_bands
from brain.standards import WATER_LIMITS
from data_adapters.river import PARAMETERS
from layouts.i18n import t
from layouts.map_geo import SEA_LAYER, city_bounds, district, fit
from layouts.page import chart_layout, district_name, when_text
from layouts.theme import ACCENT, BACKGROUND, GRID, MUTED, TEXT, WATER_CLASS_COLORS

__all__ = ["MAP_SIZE", "PARAM_KEYS", "class_figure", "history_figure", "map_figure"]

MAP_SIZE: Final = (860, 520)  # the canvas the view is fitted to (CSS pixels)
PARAM_KEYS: Final = dict(zip(PARAMETERS, ("DO", "CODMn", "COD", "BOD5", "NH3N", "TP"), strict=True))
_UNPATROLLED: Final = "#5b6f8c"
_TRACK: Final = "#ffd166"  # GPS tracks: warm, apart from the reaches' blue and the class colours
_TRACK_DIM: Final = "#b08d3c"


def _lines(
    frame: pd.DataFrame, lang: str
) -> tuple[list[float | None], list[float | None], list[Any]]:
    """The reaches of `frame` as one line trace (split by None), hover text reach and chief."""
    labels = [
        f"{r.reach_name} · {t('river.level.' + str(r.chief_level), lang)} {r.chief_name}"
        for r in frame.itertuples()
    ]
    lons: list[float | None] = []
    lats: list[float | None] = []
    text: list[Any] = []
    for path, label in zip(frame["path"], labels, strict=True):
        for lon, lat in json.loads(path):
            lons.append(lon)
            lats.append(lat)
            text.append(label)
        lons.append(None)
        lats.append(None)
        text.append(None)
    return lons, lats, text


def _view(adcode: str | None, track: pd.DataFrame | None = None) -> dict[str, Any]:
    bounds = district(adcode).bounds if adcode else city_bounds()
    if track is not None and not track.empty:  # the chosen patrol, with a margin around it
        lon0, lon1 = float(track["lon"].min()), float(track["lon"].max())
        lat0, lat1 = float(track["lat"].min()), float(track["lat"].max())
        pad = max(lon1 - lon0, lat1 - lat0, 0.004) * 0.35
        bounds = (lon0 - pad, lat0 - pad, lon1 + pad, lat1 + pad)
    lon, lat, zoom = fit(bounds, MAP_SIZE)
    return {"center": {"lon": lon, "lat": lat}, "zoom": zoom}


def _split(frame: pd.DataFrame) -> tuple[list[float | None], list[float | None]]:
    """The fixes of `frame` (by patrol, then time) as one line per patrol, split by None."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for _, fixes in frame.groupby("patrol_id", sort=False):
        lons += [*map(float, fixes["lon"]), None]
        lats += [*map(float, fixes["lat"]), None]
    return lons, lats


def _tracks(tracks: pd.DataFrame, patrol: str | None, lang: str) -> list[dict[str, Any]]:
    """The patrol tracks as one thin line trace; the chosen patrol bold on top of a dark casing
    (clear of the reach it follows), with its start and end marked."""
    if tracks.empty:
        return []
    chosen = tracks[tracks["patrol_id"] == patrol] if patrol else tracks.iloc[:0]
    others = tracks[tracks["patrol_id"] != patrol] if patrol else tracks
    out: list[dict[str, Any]] = []
    if not others.empty:
        lons, lats = _split(others)
        out.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "lon": lons,
                "lat": lats,
                "hoverinfo": "skip",
                "line": {"width": 1.5, "color": _TRACK if chosen.empty else _TRACK_DIM},
                "opacity": 0.85,
                "name": t("river.map.tracks", lang),
            }
        )
    if not chosen.empty:
        lons, lats = _split(chosen)
        when = [when_text(ts, "%H:%M:%S") for ts in chosen["ts"]]
        out.append(  # a dark casing: the track runs along its reach's line, on one bank
            {
                "type": "scattermap",
                "mode": "lines",
                "lon": lons,
                "lat": lats,
                "hoverinfo": "skip",
                "line": {"width": 9, "color": BACKGROUND},
                "opacity": 0.9,
                "showlegend": False,
            }
        )
        out.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "lon": lons,
                "lat": lats,
                "text": [*when, None],
                "hovertemplate": "%{text}<extra>" + t("river.map.track", lang) + "</extra>",
                "line": {"width": 5, "color": _TRACK},
                "name": t("river.map.track", lang),
            }
        )
        ends = chosen.iloc[[0, -1]]
        out.append(
            {
                "type": "scattermap",
                "mode": "markers+text",
                "lon": list(ends["lon"]),
                "lat": list(ends["lat"]),
                "text": [t("river.map.start", lang), t("river.map.end", lang)],
                "textposition": "top right",
                "textfont": {"color": TEXT, "size": 13},
                "hoverinfo": "skip",
                "marker": {"size": 11, "color": [_TRACK, ACCENT]},
                "showlegend": False,
            }
        )
    return out


def map_figure(
    sections: pd.DataFrame,
    reaches: pd.DataFrame,
    compliance: pd.DataFrame | None,
    adcode: str | None,
    lang: str,
    geojson: str,
    tracks: pd.DataFrame | None = None,
    patrol: str | None = None,
) -> dict[str, Any]:
    """Districts shaded by the share of sections at target (the selected one outlined), reaches
    drawn by whether they were patrolled in the range, the patrols' GPS `tracks` over them (the
    chosen `patrol` bold, the view fitted to it), sections coloured by class on top."""
    tracks = tracks if tracks is not None else pd.DataFrame(columns=["patrol_id", "lon", "lat"])
    data: list[dict[str, Any]] = []
    comp = compliance if compliance is not None else pd.DataFrame(columns=["adcode", "share"])
    comp = comp[comp["adcode"] != "440800"]
    data.append(
        {
            "type": "choroplethmap",
            "geojson": geojson,
            "featureidkey": "properties.adcode",
            "locations": list(comp["adcode"]),
            "z": [None if pd.isna(v) else round(float(v) * 100, 1) for v in comp["share"]],
            "zmin": 0,
            "zmax": 100,
            "colorscale": [[0, "#3a1020"], [0.6, "#1a2f55"], [1, "#12406b"]],
            "marker": {
                "opacity": 0.75,
                "line": {
                    "width": [3 if a == adcode else 1 for a in comp["adcode"]],
                    "color": [ACCENT if a == adcode else GRID for a in comp["adcode"]],
                },
            },
            "showscale": False,
            "name": t("river.map.districts", lang),
            "text": [district_name(a, lang) for a in comp["adcode"]],
            "hovertemplate": "%{text}: %{z}%<extra>" + t("river.kpi.share", lang) + "</extra>",
        }
    )
    if not reaches.empty:
        for patrolled, color, key in (
            (False, _UNPATROLLED, "unpatrolled"),
            (True, ACCENT, "patrolled"),
        ):
            part = reaches[(reaches["patrols"] > 0) == patrolled]
            if part.empty:
                continue
            lons, lats, text = _lines(part, lang)
            data.append(
                {
                    "type": "scattermap",
                    "mode": "lines",
                    "lon": lons,
                    "lat": lats,
                    "text": text,
                    "hoverinfo": "text",
                    "line": {"width": 3 if patrolled else 2, "color": color},
                    "name": t(f"river.map.{key}", lang),
                }
            )
    data += _tracks(tracks, patrol, lang)
    for c in CLASSES:
        part = sections[sections["water_class"] == c] if not sections.empty else sections
        if part.empty:
            continue
        data.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": list(part["lon"]),
                "lat": list(part["lat"]),
                "customdata": [
                    ["station", s, a]
                    for s, a in zip(part["station_id"], part["adcode"], strict=True)
                ],
                "text": [f"{n} · {c}" for n in part["name"]],
                "hoverinfo": "text",
                "marker": {"size": 13, "color": WATER_CLASS_COLORS[c]},
                "name": t("river.class", lang, cls=c),
            }
        )
    chosen = tracks[tracks["patrol_id"] == patrol] if patrol else tracks.iloc[:0]
    layout = chart_layout(
        map={"style": "white-bg", "layers": [SEA_LAYER], **_view(adcode, chosen)},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"orientation": "h", "y": 0.01, "x": 0.01, "bgcolor": "rgba(4,10,23,0.7)"},
        paper_bgcolor=BACKGROUND,
        uirevision=f"{adcode or 'city'}:{patrol if not chosen.empty else ''}",
        clickmode="event",
    )
    return {"data": data, "layout": layout}


def class_figure(counts: Mapping[str, int], selected: str | None, lang: str) -> dict[str, Any]:
    """Sections per class I … 劣V; the selected class bright, the others dimmed."""
    colors = [WATER_CLASS_COLORS[c] for c in CLASSES]
    opacity = [1.0 if selected in (None, c) else 0.35 for c in CLASSES]
    return {
        "data": [
            {
                "type": "bar",
                "x": list(CLASSES),
                "y": [counts.get(c, 0) for c in CLASSES],
                "marker": {"color": colors, "opacity": opacity},
                "text": [counts.get(c, 0) for c in CLASSES],
                "textposition": "outside",
                "hovertemplate": "%{x}: %{y}<extra></extra>",
            }
        ],
        "layout": chart_layout(
            xaxis={"title": {"text": t("river.chart.class_axis", lang)}, "type": "category"},
            yaxis={
                "title": {"text": t("river.chart.sections_axis", lang)},
                "rangemode": "tozero",
                "tickformat": ",d",
                "dtick": 1 if max(counts.values(), default=0) <= 8 else None,
            },
            margin={"l": 56, "r": 16, "t": 24, "b": 48},
            clickmode="event",
        ),
    }


def history_figure(history: pd.DataFrame, lang: str) -> dict[str, Any]:
    """One panel per parameter (2 × 3): the readings over time on the GB 3838-2002 class bands
    of that parameter (each band in its class colour, faint)."""
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    layout: dict[str, Any] = {}
    for i, col in enumerate(PARAMETERS):
        key = PARAM_KEYS[col]
        n = "" if i == 0 else str(i + 1)
        values = history[col].astype("float64") if col in history.columns else pd.Series([])
        top = float(values.max()) if values.notna().any() else 0.0
        bands = class_bands(key, top=max(top * 1.15, _ceiling(key)))
        for b in bands:
            shapes.append(
                {
                    "type": "rect",
                    "xref": f"x{n} domain",
                    "yref": f"y{n}",
                    "x0": 0,
                    "x1": 1,
                    "y0": b.lo,
                    "y1": b.hi,
                    "fillcolor": WATER_CLASS_COLORS[b.water_class],
                    "opacity": 0.16,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [ts.isoformat() for ts in history["ts"]] if "ts" in history else [],
                "y": [None if pd.isna(v) else float(v) for v in values],
                "xaxis": f"x{n}",
                "yaxis": f"y{n}",
                "line": {"color": TEXT, "width": 1.5},
                "marker": {"size": 4, "color": TEXT},
                "name": t(f"river.param.{col}", lang),
                "hovertemplate": "%{x|%m-%d %H:%M} %{y:.3f} mg/L<extra>"
                + t(f"river.param.{col}", lang)
                + "</extra>",
                "showlegend": False,
            }
        )
        row, column = divmod(i, 3)
        x0, x1 = column / 3 + 0.04, (column + 1) / 3 - 0.01
        y1 = 1 - row * 0.52
        layout[f"xaxis{n}"] = {"domain": [x0, x1], "anchor": f"y{n}", "tickfont": {"size": 11}}
        layout[f"yaxis{n}"] = {
            "domain": [y1 - 0.4, y1],
            "anchor": f"x{n}",
            "range": [0, bands[0].hi if key == "DO" else bands[-1].hi],
            "tickfont": {"size": 11},
            "gridcolor": GRID,
        }
        annotations.append(
            {
                "text": t(f"river.param.{col}", lang) + " (mg/L)",
                "xref": "paper",
                "yref": "paper",
                "x": x0,
                "y": y1 + 0.06,
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 12, "color": MUTED},
            }
        )
    return {
        "data": data,
        "layout": chart_layout(
            **layout,
            shapes=shapes,
            annotations=annotations,
            margin={"l": 40, "r": 8, "t": 28, "b": 28},
        ),
    }


def _ceiling(key: str) -> float:
    """A y-axis top that shows every class band of a parameter."""
    limits = WATER_LIMITS[key]
    return float(limits[0]) * 1.3 if key == "DO" else float(limits[-1]) * 1.3
