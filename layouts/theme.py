"""The dark wall theme: colours shared by CSS, plotly figures and the map, and a plotly template.

Each class colour is defined here once; the map takes its RGB from these (`layouts.map_spec`), so a
water class or congestion level has the same colour on the map as in the panels.

Walls are viewed from 5-15 m in a dim room: a near-black blue background, high-contrast text,
saturated status colours that keep their meaning across domains (green good … red severe), and
the national colour codes where a standard defines them (warning signals, water classes).
"""

from __future__ import annotations

from typing import Any, Final

import plotly.graph_objects as go
import plotly.io as pio

from brain.standards import WaterClass

__all__ = [
    "ACCENT",
    "BACKGROUND",
    "FONT_FAMILY",
    "MUTED",
    "PANEL",
    "SIGNAL_COLORS",
    "STATUS_COLORS",
    "TEMPLATE",
    "TEXT",
    "TPI_COLORS",
    "WARNING_LEVEL_COLORS",
    "WATER_CLASS_COLORS",
    "register_template",
    "template_json",
]

BACKGROUND: Final = "#040a17"
PANEL: Final = "#0a1a33"
GRID: Final = "#1b3357"
TEXT: Final = "#e6f1ff"
MUTED: Final = "#8fa6c4"
ACCENT: Final = "#2ad4ff"
FONT_FAMILY: Final = (
    '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif'
)

# GB/T 33171-2016 levels 1 畅通 green … 5 严重拥堵 dark red
TPI_COLORS: Final = {1: "#28c846", 2: "#96d728", 3: "#ffd200", 4: "#ff7300", 5: "#c80019"}
# warning signals (CMA / Guangdong)
SIGNAL_COLORS: Final = {
    "white": "#f8fafc",
    "blue": "#3b82f6",
    "yellow": "#facc15",
    "orange": "#fb923c",
    "red": "#ef4444",
}
# response / warning levels, I highest
WARNING_LEVEL_COLORS: Final = {"I": "#ef4444", "II": "#fb923c", "III": "#facc15", "IV": "#3b82f6"}
# GB 3838-2002 classes, as the river chief system and environmental bulletins map them:
# I-II blue, III green, IV yellow, V orange, 劣V red
WATER_CLASS_COLORS: Final = {
    "I": "#1e6eff",
    "II": "#3ca5ff",
    "III": "#28c850",
    "IV": "#ffd700",
    "V": "#ff8700",
    WaterClass.WORSE_THAN_V.value: "#ff2323",
}
STATUS_COLORS: Final = {"ok": "#2ecc71", "stale": "#facc15", "down": "#ef4444"}

TEMPLATE: Final = "brain_dark"


def _template() -> go.layout.Template:
    axis = {
        "gridcolor": GRID,
        "linecolor": GRID,
        "zerolinecolor": GRID,
        "tickfont": {"size": 18, "color": MUTED},
        "title": {"font": {"size": 18, "color": MUTED}},
    }
    return go.layout.Template(
        layout={
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"family": FONT_FAMILY, "size": 18, "color": TEXT},
            "colorway": [ACCENT, "#facc15", "#fb923c", "#a78bfa", "#2ecc71", "#f472b6", "#ef4444"],
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"font": {"size": 18}, "bgcolor": "rgba(0,0,0,0)"},
            "hoverlabel": {"font": {"size": 18, "family": FONT_FAMILY}},
            "margin": {"l": 48, "r": 12, "t": 12, "b": 36},
        }
    )


def register_template() -> str:
    """Register the `brain_dark` plotly template (idempotent) and return its name."""
    if TEMPLATE not in pio.templates:
        pio.templates[TEMPLATE] = _template()
    return TEMPLATE


def template_json() -> dict[str, Any]:
    """The template as JSON, for figures built as plain dicts (plotly.js knows no names)."""
    register_template()
    out: dict[str, Any] = pio.templates[TEMPLATE].to_plotly_json()
    return out
