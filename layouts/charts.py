"""Small plotly figures of the wall, in the `brain_dark` template, and their partial updates.

A refresh never resends a whole figure: `trend_patch` replaces only the data arrays of the trace
(a `dash.Patch`), so the layout, template and axes stay in the browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dash import Patch

from layouts import theme
from layouts.i18n import local_time, t

__all__ = ["trend_figure", "trend_patch", "trend_xy"]


def trend_xy(ts: Sequence[str], tpi: Sequence[float | None]) -> tuple[list[str], list[Any]]:
    """x as wall-clock times (Asia/Shanghai, what plotly shows as is), y rounded to 0.1."""
    xs = [local_time(datetime.fromisoformat(v)).strftime("%Y-%m-%d %H:%M") for v in ts]
    ys = [None if v is None else round(float(v), 1) for v in tpi]
    return xs, ys


def trend_figure(ts: Sequence[str], tpi: Sequence[float | None], lang: str) -> dict[str, Any]:
    """The city (or district) TPI over the last hours, on the 0-10 scale of GB/T 33171."""
    xs, ys = trend_xy(ts, tpi)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": xs,
                "y": ys,
                "name": t("traffic.tpi", lang),
                "line": {"color": theme.ACCENT, "width": 3},
                "fill": "tozeroy",
                "fillcolor": "rgba(42,212,255,0.15)",
                "hoverinfo": "skip",
            }
        ],
        "layout": {
            "template": theme.template_json(),
            "showlegend": False,
            "margin": {"l": 40, "r": 8, "t": 6, "b": 30},
            "yaxis": {"range": [0, 10], "dtick": 2, "fixedrange": True},
            "xaxis": {"type": "date", "tickformat": "%H:%M", "nticks": 4, "fixedrange": True},
        },
    }


def trend_patch(ts: Sequence[str], tpi: Sequence[float | None]) -> Patch:
    """Only the trace's new data, for a figure already on the wall."""
    xs, ys = trend_xy(ts, tpi)
    patch = Patch()
    patch["data"][0]["x"] = xs
    patch["data"][0]["y"] = ys
    return patch
