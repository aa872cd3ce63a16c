"""Figures of the Emergency page: the situation map (districts by events, warning areas, events,
resources, the routes to the nearest resources), events by kind × level, resources by capacity,
and the typhoon replay map (track, forecast cone, warnings).

Data in, plotly figure dicts out. Maps are plotly `map` traces on `white-bg` with the districts
from the local GeoJSON asset and a dark sea painted as a local layer (no tile server). A click on
a district gives its `location` (adcode); on an event its `customdata` (["event", id, adcode]);
on a bar of the kinds chart its `customdata` (the kind).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import pandas as pd

from brain.emergency_page import LEVELS
from brain.timezone import TZ
from layouts.i18n import t
from layouts.map_geo import SEA_LAYER, city_bounds, district, fit
from layouts.page import chart_layout
from layouts.theme import (
    ACCENT,
    BACKGROUND,
    GRID,
    MUTED,
    SIGNAL_COLORS,
    WARNING_LEVEL_COLORS,
)

__all__ = ["MAP_SIZE", "capacity_figure", "kinds_figure", "map_figure", "typhoon_figure"]

MAP_SIZE: Final = (900, 540)  # the canvas the view is fitted to (CSS pixels)
TYPHOON_SIZE: Final = (1300, 460)  # the replay map's canvas (narrower at 1366 px)
RESOURCE_COLORS: Final = {
    "shelter": "#34d399",
    "depot": "#a78bfa",
    "rescue_team": "#f472b6",
    "boat": "#22d3ee",
}
_DISTRICT_SCALE: Final = [[0, "#0d2547"], [1, "#5a1d3a"]]


def _view(adcode: str | None) -> dict[str, Any]:
    bounds = district(adcode).bounds if adcode else city_bounds()
    lon, lat, zoom = fit(bounds, MAP_SIZE)
    return {"center": {"lon": lon, "lat": lat}, "zoom": zoom}


def _map_layout(view: Mapping[str, Any], revision: str) -> dict[str, Any]:
    return chart_layout(
        map={"style": "white-bg", "layers": [SEA_LAYER], **view},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"orientation": "h", "y": 0.01, "x": 0.01, "bgcolor": "rgba(4,10,23,0.75)"},
        paper_bgcolor=BACKGROUND,
        uirevision=revision,
        clickmode="event",
    )


def _rings(areas: Sequence[Mapping[str, Any]]) -> tuple[list[Any], list[Any]]:
    lons: list[Any] = []
    lats: list[Any] = []
    for a in areas:
        for lon, lat in a["ring"]:
            lons.append(lon)
            lats.append(lat)
        lons.append(None)
        lats.append(None)
    return lons, lats


def _warning_traces(areas: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One filled trace per signal colour (or level colour when the warning has no signal)."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for a in areas:
        color = SIGNAL_COLORS.get(a["signal"] or "", WARNING_LEVEL_COLORS.get(a["level"], MUTED))
        groups.setdefault(color, []).append(a)
    traces = []
    for i, (color, group) in enumerate(groups.items()):
        lons, lats = _rings(group)
        names = sorted({t(f"hazard.{a['hazard']}", lang) for a in group})
        traces.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "fill": "toself",
                "fillcolor": _alpha(color, 0.22),
                "lon": lons,
                "lat": lats,
                "line": {"width": 2, "color": color},
                "hoverinfo": "text",
                "text": " · ".join(names),
                "name": t("emergency.map.warnings", lang),
                "legendgroup": "warnings",
                "showlegend": i == 0,
            }
        )
    return traces


def _alpha(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{a})"


def map_figure(
    geojson: str,
    districts: Mapping[str, int],
    areas: Sequence[Mapping[str, Any]],
    events: pd.DataFrame,
    resources: pd.DataFrame | None,
    nearest: pd.DataFrame | None,
    adcode: str | None,
    entity: str | None,
    lang: str,
) -> dict[str, Any]:
    """The situation map of the page's view."""
    from layouts.page import district_options

    codes = [o["value"] for o in district_options(lang)]
    names = {o["value"]: o["label"] for o in district_options(lang)}
    data: list[dict[str, Any]] = [
        {
            "type": "choroplethmap",
            "geojson": geojson,
            "featureidkey": "properties.adcode",
            "locations": codes,
            "z": [districts.get(c, 0) for c in codes],
            "zmin": 0,
            "zmax": max([1, *districts.values()]),
            "colorscale": _DISTRICT_SCALE,
            "marker": {
                "opacity": 0.8,
                "line": {
                    "width": [3 if c == adcode else 1 for c in codes],
                    "color": [ACCENT if c == adcode else GRID for c in codes],
                },
            },
            "showscale": False,
            "text": [names[c] for c in codes],
            "hovertemplate": "%{text}: %{z}<extra>"
            + t("emergency.map.districts", lang)
            + "</extra>",
            "name": t("emergency.map.districts", lang),
        },
        *_warning_traces(areas, lang),
    ]
    if resources is not None and not resources.empty:
        data.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": list(resources["lon"]),
                "lat": list(resources["lat"]),
                "marker": {
                    "size": 7,
                    "color": [RESOURCE_COLORS.get(k, MUTED) for k in resources["kind"]],
                    "opacity": 0.75,
                },
                "text": [
                    f"{n} · {t('emergency.res.' + str(k), lang)} · {c}"
                    for n, k, c in zip(
                        resources["name"], resources["kind"], resources["capacity"], strict=True
                    )
                ],
                "hoverinfo": "text",
                "name": t("emergency.map.resources", lang),
            }
        )
    if nearest is not None and not nearest.empty:
        lons: list[Any] = []
        lats: list[Any] = []
        for route in nearest.get("route", pd.Series(dtype="object")):
            if route:
                lons += [p[0] for p in route] + [None]
                lats += [p[1] for p in route] + [None]
        data.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "lon": lons,
                "lat": lats,
                "line": {"width": 3, "color": ACCENT},
                "hoverinfo": "skip",
                "name": t("emergency.map.nearest", lang),
            }
        )
    for level in reversed(LEVELS):
        part = events[events["level"] == level] if not events.empty else events
        if part.empty:
            continue
        data.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": list(part["lon"]),
                "lat": list(part["lat"]),
                "customdata": [
                    ["event", e, a] for e, a in zip(part["event_id"], part["adcode"], strict=True)
                ],
                "text": list(part["title"]),
                "hoverinfo": "text",
                "marker": {
                    "size": [20 if e == entity else 12 for e in part["event_id"]],
                    "color": WARNING_LEVEL_COLORS[level],
                },
                "name": t("emergency.lvl", lang, level=level),
            }
        )
    view = _view(adcode)
    return {"data": data, "layout": _map_layout(view, adcode or "city")}


def kinds_figure(kinds: pd.DataFrame, selected: str | None, lang: str) -> dict[str, Any]:
    """Events per kind (bars, most first) stacked by level; the selected kind bright."""
    labels = [t(f"event.{k}", lang) for k in kinds["kind"]] if not kinds.empty else []
    opacity = [1.0 if selected in (None, k) else 0.35 for k in kinds.get("kind", [])]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": list(kinds[level]) if not kinds.empty else [],
            "customdata": list(kinds["kind"]) if not kinds.empty else [],
            "marker": {"color": WARNING_LEVEL_COLORS[level], "opacity": opacity},
            "name": t("emergency.lvl", lang, level=level),
            "hovertemplate": "%{y} · "
            + t("emergency.lvl", lang, level=level)
            + ": %{x}<extra></extra>",
        }
        for level in LEVELS
    ]
    layout = chart_layout(
        barmode="stack",
        yaxis={"autorange": "reversed", "type": "category", "automargin": True},
        xaxis={"rangemode": "tozero", "gridcolor": GRID},
        margin={"l": 110, "r": 16, "t": 8, "b": 56},
        clickmode="event",
    )
    return {"data": data, "layout": layout}


def capacity_figure(summary: pd.DataFrame, lang: str) -> dict[str, Any]:
    """Capacity per resource kind (bars) with the number of resources as text."""
    kinds = list(summary["kind"]) if not summary.empty else []
    return {
        "data": [
            {
                "type": "bar",
                "x": [t(f"emergency.res.{k}", lang) for k in kinds],
                "y": list(summary["capacity"]) if kinds else [],
                "text": [
                    f"{t('emergency.capacity.count', lang)} {n}"
                    for n in (summary["count"] if kinds else [])
                ],
                "textposition": "outside",
                "marker": {"color": [RESOURCE_COLORS.get(k, MUTED) for k in kinds]},
                "hovertemplate": "%{x}: %{y}<extra>"
                + t("emergency.capacity.capacity", lang)
                + "</extra>",
            }
        ],
        "layout": chart_layout(
            yaxis={"title": {"text": t("emergency.capacity.capacity", lang)}, "gridcolor": GRID},
            xaxis={"type": "category"},
            margin={"l": 64, "r": 16, "t": 24, "b": 48},
        ),
    }


def _local(ts: Any) -> str:
    stamp = pd.Timestamp(ts)
    when: datetime = (stamp if stamp.tzinfo else stamp.tz_localize("UTC")).to_pydatetime()
    return when.astimezone(TZ).strftime("%m-%d %H:%M")


def typhoon_figure(
    geojson: str,
    track: pd.DataFrame | None,
    cone: list[list[float]] | None,
    areas: Sequence[Mapping[str, Any]],
    lang: str,
) -> dict[str, Any]:
    """The replay map: districts for reference, the cone, the warning areas in force, the
    observed track (white, points coloured by wind force) and the forecast (amber)."""
    data: list[dict[str, Any]] = [
        {
            "type": "choroplethmap",
            "geojson": geojson,
            "featureidkey": "properties.adcode",
            "locations": [d.adcode for d in _districts()],
            "z": [0] * len(_districts()),
            "colorscale": [[0, "#12305a"], [1, "#12305a"]],
            "marker": {"opacity": 0.9, "line": {"width": 1, "color": GRID}},
            "showscale": False,
            "hoverinfo": "skip",
            "showlegend": False,
        },
        *_warning_traces(areas, lang),
    ]
    if cone:
        data.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "fill": "toself",
                "fillcolor": "rgba(226,232,240,0.14)",
                "lon": [p[0] for p in cone],
                "lat": [p[1] for p in cone],
                "line": {"width": 1, "color": "rgba(226,232,240,0.6)"},
                "hoverinfo": "skip",
                "name": t("emergency.typhoon.cone", lang),
            }
        )
    lons = [110.4]
    lats = [21.2]
    if track is not None and not track.empty:
        obs = track[track["kind"] == "observed"]
        fc = track[track["kind"] == "forecast"]
        if not fc.empty and not obs.empty:
            fc = pd.concat([obs.tail(1), fc])
        for part, key in ((obs, "observed"), (fc, "forecast")):
            if part.empty:
                continue
            data.append(
                {
                    "type": "scattermap",
                    "mode": "lines+markers",
                    "lon": list(part["lon"]),
                    "lat": list(part["lat"]),
                    "line": {"width": 3, "color": "#f8fafc" if key == "observed" else "#fbbf24"},
                    "marker": {
                        "size": 9,
                        "color": [_force_color(int(f)) for f in part["force"]],
                    },
                    "text": [
                        t(
                            "emergency.typhoon.point",
                            lang,
                            time=_local(ts),
                            wind=f"{w:.0f}",
                            force=int(f),
                        )
                        for ts, w, f in zip(part["ts"], part["wind_ms"], part["force"], strict=True)
                    ],
                    "hoverinfo": "text",
                    "name": t(f"emergency.typhoon.{key}", lang),
                }
            )
        lons += list(track["lon"])
        lats += list(track["lat"])
    west, east = min(lons) - 0.8, max(lons) + 0.8
    south, north = min(lats) - 0.8, max(lats) + 0.8
    lon, lat, zoom = fit((west, south, east, north), TYPHOON_SIZE)
    view = {"center": {"lon": lon, "lat": lat}, "zoom": zoom}
    return {"data": data, "layout": _map_layout(view, "typhoon")}


def _districts() -> Any:
    from layouts.map_geo import districts

    return districts()


def _force_color(force: int) -> str:
    """Beaufort force → colour: below 8 blue, 8-9 yellow, 10-11 orange, 12+ red."""
    if force >= 12:
        return SIGNAL_COLORS["red"]
    if force >= 10:
        return SIGNAL_COLORS["orange"]
    if force >= 8:
        return SIGNAL_COLORS["yellow"]
    return SIGNAL_COLORS["blue"]
