"""Figures of the traffic page: the congestion map (districts by TPI, segments as lines coloured
by their GB/T 33171-2016 level, incidents), the district bars, the TPI over the range, today's
time-of-day profile against the band of the previous same weekdays, the worst roads, and one
segment's 24-hour and 7-day speed.

Data in (frames from `services.traffic_page`), plain Plotly figure dicts out. The map draws on
`map_style="white-bg"` with the local district GeoJSON: no tile server.
"""

from __future__ import annotations

from typing import Any, Final

import pandas as pd

from brain.standards import tpi_level
from brain.traffic_impact import parse_path
from layouts.i18n import TZ, t
from layouts.map_geo import SEA_LAYER, city_bounds, district, fit
from layouts.page import chart_layout
from layouts.theme import ACCENT, GRID, MUTED, TEXT, TPI_COLORS

__all__ = [
    "day_figure",
    "district_figure",
    "map_figure",
    "profile_figure",
    "series_figure",
    "week_figure",
    "worst_figure",
]

_NODATA: Final = "#51607a"
_LAND: Final = "#16294a"
_BORDER: Final = "#3a5c8c"  # district boundaries on the land


def _tint(color: str, share: float = 0.18) -> str:
    """`color` mixed into the land colour (`share` of it)."""
    a = [int(_LAND[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


_MAP_SIZE: Final = (1200, 490)
_ZOOM_STEP: Final = 0.15
_TPI_AXIS: Final = {"range": [0, 10], "title": {"text": ""}, "gridcolor": GRID}


def _empty(fig: dict[str, Any], empty: bool, lang: str) -> dict[str, Any]:
    """`fig`, with the "no data" words in its middle (and no axes) when it has nothing to draw."""
    if empty:
        fig["layout"]["annotations"] = [
            {
                "text": t("page.empty", lang),
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 16, "color": MUTED},
            }
        ]
        fig["layout"]["xaxis"] = {"visible": False}
        fig["layout"]["yaxis"] = {"visible": False}
    return fig


def level_name(level: Any, lang: str) -> str:
    if level is None or pd.isna(level):
        return t("traffic.map.nodata", lang)
    return t("traffic.level_name", lang, n=int(level), name=t(f"tpi.level.{int(level)}", lang))


def _local(ts: pd.Series) -> list[str]:
    return [v.strftime("%Y-%m-%d %H:%M") for v in pd.to_datetime(ts, utc=True).dt.tz_convert(TZ)]


def _lines(rows: pd.DataFrame) -> tuple[list[Any], list[Any], list[Any]]:
    """Every segment's line, None between them; each vertex carries the segment."""
    lons: list[Any] = []
    lats: list[Any] = []
    custom: list[Any] = []
    for sid, adcode, path in zip(rows["segment_id"], rows["adcode"], rows["path"], strict=True):
        for lon, lat in parse_path(path):
            lons.append(lon)
            lats.append(lat)
            custom.append(["segment", sid, adcode])
        lons.append(None)
        lats.append(None)
        custom.append(None)
    return lons, lats, custom


def _view(adcode: str | None) -> dict[str, Any]:
    bounds = district(adcode).bounds if adcode else city_bounds()
    lon, lat, zoom = fit(bounds, _MAP_SIZE)
    # plotly's map draws the same bounds about one zoom step smaller than the wall's deck.gl
    return {"center": {"lon": lon, "lat": lat}, "zoom": zoom + _ZOOM_STEP, "layers": [SEA_LAYER]}


def map_figure(
    segments: pd.DataFrame,
    districts: pd.DataFrame | None,
    incidents: pd.DataFrame | None,
    *,
    adcode: str | None,
    selected: str | None,
    lang: str,
    geojson: str,
) -> dict[str, Any]:
    """Districts shaded by their TPI level (the chosen one outlined), the segments shown as lines
    by level, the selected segment on top, and the incidents of the range."""
    d = districts if districts is not None else pd.DataFrame(columns=["adcode", "tpi", "level"])
    d = d[d["adcode"] != "440800"]
    levels = [None if pd.isna(v) else int(v) for v in d["level"]]
    data: list[dict[str, Any]] = [
        {
            "type": "choroplethmap",
            "geojson": geojson,
            "featureidkey": "properties.adcode",
            "locations": list(d["adcode"]),
            "z": [0 if lv is None else lv for lv in levels],
            "zmin": 0,
            "zmax": 5,
            # land tinted only slightly by the district's level: the segments carry the colour
            "colorscale": [[0, _LAND], [0.1, _LAND]]
            + [[i / 5, _tint(TPI_COLORS[i])] for i in range(1, 6)],
            "marker": {
                "opacity": 0.9,
                "line": {
                    "width": [3 if a == adcode else 1 for a in d["adcode"]],
                    "color": [ACCENT if a == adcode else _BORDER for a in d["adcode"]],
                },
            },
            "showscale": False,
            "name": t("traffic.map.districts", lang),
            "text": [
                f"{n} · {'—' if pd.isna(v) else f'{v:.1f}'}"
                for n, v in zip(d["name_zh" if lang == "zh" else "name_en"], d["tpi"], strict=True)
            ],
            "hovertemplate": "%{text}<extra></extra>",
        }
    ]
    for level in (None, 1, 2, 3, 4, 5):
        part = segments[segments["level"].isna()] if level is None else None
        if level is not None:
            part = segments[segments["level"] == level]
        if part is None or part.empty:
            continue
        lons, lats, custom = _lines(part)
        data.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "lon": lons,
                "lat": lats,
                "customdata": custom,
                "line": {"width": 3, "color": _NODATA if level is None else TPI_COLORS[level]},
                "name": level_name(level, lang),
                "hoverinfo": "name",
            }
        )
    if selected is not None:
        one = segments[segments["segment_id"] == selected]
        if not one.empty:
            lons, lats, custom = _lines(one)
            data.append(
                {
                    "type": "scattermap",
                    "mode": "lines",
                    "lon": lons,
                    "lat": lats,
                    "customdata": custom,
                    "line": {"width": 8, "color": ACCENT},
                    "name": t("traffic.map.selected", lang),
                    "hoverinfo": "name",
                }
            )
    if incidents is not None and not incidents.empty:
        data.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": list(incidents["lon"]),
                "lat": list(incidents["lat"]),
                "marker": {"size": 12, "color": "#ff4d6d"},
                "customdata": [["incident", i] for i in incidents["incident_id"]],
                "text": [t(f"incident.{k}", lang) for k in incidents["kind"]],
                "hovertemplate": "%{text}<extra></extra>",
                "name": t("traffic.map.incidents", lang),
            }
        )
    return {
        "data": data,
        "layout": chart_layout(
            map={"style": "white-bg", **_view(adcode)},
            margin={"l": 0, "r": 0, "t": 0, "b": 0},
            legend={"font": {"size": 12}, "orientation": "h", "y": 0.01, "x": 0.01},
            uirevision=adcode or "city",
        ),
    }


def district_figure(
    districts: pd.DataFrame | None, adcode: str | None, lang: str
) -> dict[str, Any]:
    """The TPI of every district at the end of the range, the chosen one outlined."""
    d = districts if districts is not None else pd.DataFrame(columns=["adcode", "tpi", "level"])
    d = d[(d["adcode"] != "440800") & d["tpi"].notna()].sort_values("tpi")
    names: list[Any] = list(d["name_zh" if lang == "zh" else "name_en"]) if not d.empty else []
    fig = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [round(float(v), 2) for v in d["tpi"]],
                "y": list(names),
                "customdata": list(d["adcode"]),
                "marker": {
                    "color": [TPI_COLORS[tpi_level(float(v))] for v in d["tpi"]],
                    "line": {
                        "width": [3 if a == adcode else 0 for a in d["adcode"]],
                        "color": ACCENT,
                    },
                },
                "hovertemplate": "%{y}: %{x}<extra></extra>",
            }
        ],
        "layout": chart_layout(
            xaxis={**_TPI_AXIS, "title": {"text": t("traffic.axis.tpi", lang)}},
            yaxis={"automargin": True},
            margin={"l": 90, "r": 16, "t": 8, "b": 40},
        ),
    }
    return _empty(fig, d.empty, lang)


def series_figure(series: pd.DataFrame | None, lang: str) -> dict[str, Any]:
    s = series if series is not None else pd.DataFrame(columns=["ts", "tpi"])
    fig = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": _local(s["ts"]),
                "y": [None if pd.isna(v) else round(float(v), 2) for v in s["tpi"]],
                "line": {"color": ACCENT, "width": 2},
                "name": t("traffic.axis.tpi", lang),
            }
        ],
        "layout": chart_layout(yaxis=_TPI_AXIS, showlegend=False),
    }
    return _empty(fig, bool(s["tpi"].isna().all()), lang)


def _clock(minutes: pd.Series) -> list[str]:
    return [f"{int(m) // 60:02d}:{int(m) % 60:02d}" for m in minutes]


def profile_figure(band: pd.DataFrame, weeks: int, lang: str) -> dict[str, Any]:
    """Today's TPI by time of day, the previous same weekdays' mean, and their low-high band."""
    x = _clock(band["minute_of_day"])

    def ys(col: str) -> list[Any]:
        return [None if pd.isna(v) else round(float(v), 2) for v in band[col]]

    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": ys("high"),
            "line": {"width": 0},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": ys("low"),
            "fill": "tonexty",
            "fillcolor": "rgba(143,166,196,0.25)",
            "line": {"width": 0},
            "name": t("traffic.profile.band", lang, n=weeks),
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": ys("mean"),
            "line": {"color": MUTED, "dash": "dash", "width": 2},
            "name": t("traffic.profile.mean", lang, n=weeks),
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": ys("tpi"),
            "line": {"color": ACCENT, "width": 3},
            "name": t("traffic.profile.today", lang),
        },
    ]
    return {
        "data": data,
        "layout": chart_layout(
            yaxis=_TPI_AXIS, xaxis={"type": "category", "nticks": 12, "showgrid": False}
        ),
    }


def worst_figure(worst: pd.DataFrame, road: str | None, lang: str) -> dict[str, Any]:
    """The worst roads, worst on top; the filtered road outlined."""
    w = worst.iloc[::-1]
    fig = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [round(float(v), 2) for v in w["tpi"]],
                "y": list(w["road_name"]),
                "marker": {
                    "color": [TPI_COLORS[int(v)] for v in w["level"]],
                    "line": {
                        "width": [3 if r == road else 0 for r in w["road_name"]],
                        "color": ACCENT,
                    },
                },
                "hovertemplate": "%{y}: %{x}<extra></extra>",
            }
        ],
        "layout": chart_layout(
            xaxis={**_TPI_AXIS, "title": {"text": t("traffic.axis.tpi", lang)}},
            yaxis={"automargin": True},
            margin={"l": 110, "r": 16, "t": 8, "b": 40},
        ),
    }
    return _empty(fig, w.empty, lang)


def day_figure(day: pd.DataFrame | None, usual: pd.DataFrame, lang: str) -> dict[str, Any]:
    """A segment's speed over the last 24 hours, against its 7-day mean at each hour."""
    d = day if day is not None else pd.DataFrame(columns=["ts", "speed_kmh"])
    local = pd.to_datetime(d["ts"], utc=True).dt.tz_convert(TZ)
    by_hour = dict(zip(usual["hour"], usual["speed_kmh"], strict=True)) if not usual.empty else {}
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": _local(d["ts"]),
            "y": [by_hour.get(h) for h in local.dt.hour],
            "line": {"color": MUTED, "dash": "dash", "width": 2},
            "name": t("traffic.detail.usual", lang),
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": _local(d["ts"]),
            "y": [round(float(v), 1) for v in d["speed_kmh"]],
            "line": {"color": ACCENT, "width": 2},
            "marker": {"size": 4},
            "name": t("traffic.detail.day", lang),
        },
    ]
    return {
        "data": data,
        "layout": chart_layout(yaxis={"title": {"text": ""}, "rangemode": "tozero"}),
    }


def week_figure(week: pd.DataFrame | None, lang: str) -> dict[str, Any]:
    """A segment's hourly speed over the last 7 days."""
    w = week if week is not None else pd.DataFrame(columns=["ts", "speed_kmh"])
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": _local(w["ts"]),
                "y": [round(float(v), 1) for v in w["speed_kmh"]],
                "line": {"color": TEXT, "width": 2},
                "name": t("traffic.detail.week", lang),
            }
        ],
        "layout": chart_layout(
            yaxis={"title": {"text": ""}, "rangemode": "tozero"}, showlegend=False
        ),
    }
