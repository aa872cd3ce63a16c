"""Figures of the fire page: the map (districts by coverage, each station's 5-minute reach, key
units inside or outside every reach, live alarms), the response-time histogram against the
5-minute standard, the median response per station, and alarms per unit category.

Data in, plotly figure dicts out. The map is a plotly `map` on `white-bg` with the districts from
the local GeoJSON asset (no tile server); a click on a district gives its `location` (adcode), a
click on a station or unit its `customdata` (["station" | "unit", id, adcode]).
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import pandas as pd
import shapely

from brain.fire_page import BIN_S, response_bins
from brain.standards import FIRE_RESPONSE_STANDARD_S
from layouts.i18n import t
from layouts.map_geo import SEA_LAYER, city_bounds, district, fit
from layouts.page import chart_layout
from layouts.theme import ACCENT, BACKGROUND, GRID, MUTED, STATUS_COLORS, TEXT

__all__ = ["MAP_SIZE", "category_figure", "map_figure", "response_figure", "station_figure"]

MAP_SIZE: Final = (860, 520)  # the canvas the view is fitted to (CSS pixels)
_OK, _MISS, _ALARM = STATUS_COLORS["ok"], STATUS_COLORS["down"], "#ff7300"
_REACH_FILL: Final = "rgba(42, 212, 255, 0.30)"
_SIMPLIFY_DEG: Final = 0.0002  # about 20 m: the outline of a reach is drawn, not surveyed


def _no_data(lang: str) -> dict[str, Any]:
    """An empty chart that says so (无数据 / no data)."""
    return {
        "data": [],
        "layout": chart_layout(
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[
                {
                    "text": t("page.empty", lang),
                    "showarrow": False,
                    "font": {"size": 16, "color": MUTED},
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                }
            ],
        ),
    }


def _view(adcode: str | None) -> dict[str, Any]:
    bounds = district(adcode).bounds if adcode else city_bounds()
    lon, lat, zoom = fit(bounds, MAP_SIZE)
    return {"center": {"lon": lon, "lat": lat}, "zoom": zoom}


def _rings(areas: gpd.GeoDataFrame) -> tuple[list[float | None], list[float | None], list[Any]]:
    """The outer rings of every reach area as one filled trace, split by None."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    text: list[Any] = []
    for name, geom in zip(areas["name"], areas.geometry, strict=True):
        for poly in shapely.get_parts(shapely.simplify(geom, _SIMPLIFY_DEG)):
            if poly.is_empty:
                continue
            for x, y in poly.exterior.coords:
                lons.append(round(x, 5))
                lats.append(round(y, 5))
                text.append(name)
            lons.append(None)
            lats.append(None)
            text.append(None)
    return lons, lats, text


def _points(frame: pd.DataFrame, kind: str, key: str, label: str, **style: Any) -> dict[str, Any]:
    return {
        "type": "scattermap",
        "mode": "markers",
        "lon": list(frame["lon"]),
        "lat": list(frame["lat"]),
        "customdata": [[kind, i, a] for i, a in zip(frame[key], frame["adcode"], strict=True)],
        "text": list(frame[label]),
        "hoverinfo": "text",
        **style,
    }


def map_figure(
    units: pd.DataFrame,
    stations: pd.DataFrame | None,
    areas: gpd.GeoDataFrame | None,
    alarms: pd.DataFrame,
    coverage: pd.DataFrame,
    adcode: str | None,
    lang: str,
    geojson: str,
    selected: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Districts shaded by the share of key units inside a reach (the selected one outlined),
    the reach areas, stations, units (green inside, red outside every reach), live alarms and
    a ring around the `selected` unit or station (lon, lat)."""
    comp = coverage
    data: list[dict[str, Any]] = [
        {
            "type": "choroplethmap",
            "geojson": geojson,
            "featureidkey": "properties.adcode",
            "locations": list(comp["adcode"]),
            "z": [round(float(v) * 100, 1) for v in comp["share"]],
            "zmin": 0,
            "zmax": 100,
            "colorscale": [[0, "#3a1020"], [0.6, "#1a2f55"], [1, "#12406b"]],
            "marker": {
                "opacity": 0.7,
                "line": {
                    "width": [3 if a == adcode else 1 for a in comp["adcode"]],
                    "color": [ACCENT if a == adcode else GRID for a in comp["adcode"]],
                },
            },
            "showscale": False,
            "name": t("fire.map.districts", lang),
            "hovertemplate": "%{z}%<extra>" + t("fire.kpi.covered", lang) + "</extra>",
        }
    ]
    if areas is not None and not areas.empty:
        lons, lats, text = _rings(areas)
        data.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "fill": "toself",
                "fillcolor": _REACH_FILL,
                "lon": lons,
                "lat": lats,
                "text": text,
                "hoverinfo": "text",
                "line": {"width": 1.5, "color": ACCENT},
                "name": t("fire.map.reach", lang),
            }
        )
    if not units.empty:
        covered = units["covered"].fillna(False).astype(bool)
        for inside, color, key in ((True, _OK, "inside"), (False, _MISS, "outside")):
            part = units[covered == inside]
            if part.empty:
                continue
            data.append(
                _points(
                    part,
                    "unit",
                    "unit_id",
                    "name",
                    marker={"size": 8 if inside else 10, "color": color},
                    name=t(f"fire.map.{key}", lang),
                )
            )
    if stations is not None and not stations.empty:
        data.append(
            _points(
                stations,
                "station",
                "station_id",
                "name",
                marker={"size": 9, "color": TEXT},
                name=t("fire.map.stations", lang),
            )
        )
    if not alarms.empty:
        data.append(
            _points(
                alarms,
                "unit",
                "unit_id",
                "unit_name",
                marker={"size": 16, "color": _ALARM, "opacity": 0.9},
                name=t("fire.map.alarms", lang),
            )
        )
    if selected is not None:
        data.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": [selected[0]],
                "lat": [selected[1]],
                "marker": {"size": 26, "color": ACCENT, "opacity": 0.45},
                "hoverinfo": "skip",
                "name": t("fire.map.selected", lang),
            }
        )
    layout = chart_layout(
        map={"style": "white-bg", "layers": [SEA_LAYER], **_view(adcode)},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"orientation": "h", "y": 0.01, "x": 0.01, "bgcolor": "rgba(4,10,23,0.7)"},
        paper_bgcolor=BACKGROUND,
        uirevision=adcode or "city",
    )
    return {"data": data, "layout": layout}


def response_figure(seconds: pd.Series, lang: str) -> dict[str, Any]:
    """Incidents per minute of response (dispatch → arrival), the 5-minute standard marked."""
    if seconds.dropna().empty:
        return _no_data(lang)
    bins = response_bins(seconds.astype("float64").tolist())
    minutes = [s / 60 for s in bins["start_s"]]
    labels = [str(int(m)) for m in minutes[:-1]] + [f"{int(minutes[-1])}+"]  # minute started
    limit = FIRE_RESPONSE_STANDARD_S // BIN_S - 0.5
    return {
        "data": [
            {
                "type": "bar",
                "x": labels,
                "y": list(bins["incidents"]),
                "marker": {"color": [_OK if w else _MISS for w in bins["within"]]},
                "hovertemplate": "%{x}′: %{y}<extra></extra>",
                "name": t("fire.chart.incidents", lang),
            }
        ],
        "layout": chart_layout(
            xaxis={
                "title": {"text": t("fire.chart.response_minutes", lang)},
                "type": "category",
                "tickangle": 0,
            },
            yaxis={"title": {"text": t("fire.chart.incidents", lang)}, "gridcolor": GRID},
            shapes=[
                {
                    "type": "line",
                    "x0": limit,
                    "x1": limit,
                    "y0": 0,
                    "y1": 1,
                    "yref": "paper",
                    "line": {"color": ACCENT, "dash": "dash", "width": 2},
                }
            ],
            annotations=[
                {
                    "x": limit,
                    "y": 1,
                    "yref": "paper",
                    "text": t("fire.chart.standard", lang),
                    "showarrow": False,
                    "xanchor": "left",
                    "font": {"color": ACCENT, "size": 12},
                }
            ],
            showlegend=False,
        ),
    }


def station_figure(stations: pd.DataFrame, selected: str | None, lang: str) -> dict[str, Any]:
    """The median and 90th percentile response of each station (slowest first); a click on a
    bar gives its station in `customdata`."""
    if stations.empty:
        return _no_data(lang)
    part = stations.head(15).iloc[::-1]
    median = [round(float(v) / 60, 2) for v in part["median_s"]]
    colors = [
        ACCENT if s == selected else (_MISS if m * 60 > FIRE_RESPONSE_STANDARD_S else _OK)
        for s, m in zip(part["station_id"], median, strict=True)
    ]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": median,
                "y": list(part["station_name"]),
                "customdata": [
                    ["station", s, a]
                    for s, a in zip(part["station_id"], part["adcode"], strict=True)
                ],
                "marker": {"color": colors},
                "name": t("fire.chart.median", lang),
                "hovertemplate": "%{y}: %{x:.1f} min<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [round(float(v) / 60, 2) for v in part["p90_s"]],
                "y": list(part["station_name"]),
                "marker": {"color": TEXT, "symbol": "line-ns-open", "size": 14},
                "name": t("fire.chart.p90", lang),
                "hovertemplate": "%{y}: P90 %{x:.1f} min<extra></extra>",
            },
        ],
        "layout": chart_layout(
            xaxis={"title": {"text": t("fire.chart.minutes", lang)}, "gridcolor": GRID},
            yaxis={"automargin": True, "tickfont": {"size": 12}},
            margin={"l": 8, "r": 16, "t": 8, "b": 40},
            shapes=[
                {
                    "type": "line",
                    "x0": FIRE_RESPONSE_STANDARD_S / 60,
                    "x1": FIRE_RESPONSE_STANDARD_S / 60,
                    "y0": 0,
                    "y1": 1,
                    "yref": "paper",
                    "line": {"color": ACCENT, "dash": "dash", "width": 2},
                }
            ],
        ),
    }


def category_figure(counts: pd.DataFrame, selected: str | None, lang: str) -> dict[str, Any]:
    """Alarms per unit category, stacked false / real / unverified; a click on a bar filters
    the category (its `x`)."""
    if counts.empty:
        return _no_data(lang)
    cats = list(counts["category"])
    labels = [t(f"fire.category.{c}", lang) for c in cats]
    traces = []
    for col, color in (("false_alarms", MUTED), ("real_fires", _MISS), ("unverified", _ALARM)):
        traces.append(
            {
                "type": "bar",
                "x": labels,
                "y": list(counts[col]),
                "customdata": cats,
                "name": t(f"fire.chart.{col}", lang),
                "marker": {
                    "color": color,
                    "line": {
                        "width": [3 if c == selected else 0 for c in cats],
                        "color": ACCENT,
                    },
                },
            }
        )
    return {
        "data": traces,
        "layout": chart_layout(
            barmode="stack",
            yaxis={"title": {"text": t("fire.chart.alarms", lang)}, "gridcolor": GRID},
        ),
    }
