"""The duty console's live list: dash-ag-grid columns and the rows of the engine's alerts.

Rows are plain data; the row classes (severity colour, flashing until acknowledged, on the wall)
are decided by the grid from the row's fields (`ROW_CLASSES`), so a refresh only sends data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import dash_ag_grid as dag
from dash import html

from alerts.store import Alert
from layouts import ids
from layouts.i18n import clock_text, t

__all__ = ["ROW_CLASSES", "count_text", "grid", "rows", "severity_text"]

# row class → the condition on the row (evaluated by the grid in the browser)
ROW_CLASSES: Mapping[str, str] = {
    "duty-row--I": "params.data.severity === 'I'",
    "duty-row--II": "params.data.severity === 'II'",
    "duty-row--III": "params.data.severity === 'III'",
    "duty-row--IV": "params.data.severity === 'IV'",
    "duty-row--alarm": "params.data.alarm === true",
    "duty-row--pushed": "params.data.pushed === true",
    "duty-row--resolved": "params.data.state === 'resolved'",
}
_COLUMNS: tuple[tuple[str, str, int], ...] = (  # field, header key, width
    ("severity_text", "duty.col.severity", 116),
    ("domain_text", "duty.col.domain", 104),
    ("message", "duty.col.message", 420),
    ("district_text", "duty.col.district", 100),
    ("state_text", "duty.col.state", 104),
    ("handling_text", "duty.col.handling", 124),
    ("first_seen_text", "duty.col.first_seen", 120),
    ("assignee", "duty.col.assignee", 150),
)
# The grid drawn in the wall's colours (AG Grid's theming API, evaluated by dash-ag-grid).
_THEME = (
    "themeQuartz.withParams({backgroundColor: '#0a1a33', foregroundColor: '#e6f1ff',"
    " headerBackgroundColor: '#0d2344', borderColor: '#1d3a66', accentColor: '#2ad4ff',"
    " rowHoverColor: '#12305a', selectedRowBackgroundColor: '#16406e', fontSize: 17,"
    " headerFontSize: 17, fontFamily: 'WenQuanYi Micro Hei, Microsoft YaHei, sans-serif'})"
)


def severity_text(severity: str, lang: str, *, escalated: bool = False) -> str:
    """ "I 红" / "I red": the level and its colour on the national four-colour scale; "I 红 ↑"
    when the alert escalated to it while firing."""
    text = f"{severity} {t(f'duty.sev.{severity}', lang)}"
    return f"{text} ↑" if escalated else text


def grid(lang: str) -> dag.AgGrid:
    """The list, empty until the first refresh."""
    return dag.AgGrid(
        id=ids.DUTY.GRID,
        className="duty-grid",
        columnDefs=[
            {"field": f, "headerName": t(key, lang), "width": w, "tooltipField": f}
            | ({"flex": 1} if f == "message" else {})
            for f, key, w in _COLUMNS
        ],
        rowData=[],
        getRowId="params.data.id",
        rowClass="duty-row",
        rowClassRules=dict(ROW_CLASSES),
        defaultColDef={"sortable": True, "resizable": True, "filter": False},
        dashGridOptions={
            "theme": {"function": _THEME},
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            "rowHeight": 40,
            "headerHeight": 40,
            "animateRows": False,
            "localeText": {"noRowsToShow": t("duty.none", lang)},
        },
        style={"height": "100%", "width": "100%"},
    )


def rows(
    alerts: Sequence[Alert],
    alarming: Sequence[str],
    districts: Mapping[str, Mapping[str, Any]],
    now: datetime,
    lang: str,
) -> list[dict[str, Any]]:
    """One row per alert, in the order given."""
    loud = set(alarming)
    name = "name_en" if lang == "en" else "name_zh"
    out = []
    for a in alerts:
        district = districts.get(a.district or "")
        pushed = a.pushed_until is not None and a.pushed_until > now
        out.append(
            {
                "id": a.id,
                "severity": a.severity,
                "state": a.state,
                "handling": a.handling,
                "severity_text": severity_text(
                    a.severity, lang, escalated=a.escalated_at is not None
                ),
                "escalated": a.escalated_at is not None,
                "domain_text": t(f"domain.{a.domain}", lang),
                "message": a.message(lang),
                "district_text": str(district[name]) if district else "—",
                "state_text": t(f"duty.state.{a.state}", lang),
                "handling_text": t(f"duty.handling.{a.handling}", lang),
                "first_seen_text": clock_text(a.first_seen, now),
                "assignee": a.assignee or "",
                "alarm": a.id in loud,
                "pushed": pushed,
            }
        )
    return out


def count_text(shown: int, alarming: int, engine_seen: bool, lang: str) -> html.Span:
    """How many alerts the list shows and how many red/orange ones nobody acknowledged; with
    an empty store, that no engine has run (so an empty list is not taken for a quiet city)."""
    if shown == 0 and not engine_seen:
        return html.Span(t("duty.count.no_engine", lang), className="duty-count--warn")
    parts = [html.Span(t("duty.count.shown", lang, n=shown))]
    if alarming:
        parts.append(
            html.Span(t("duty.count.alarm", lang, n=alarming), className="duty-count--alarm")
        )
    return html.Span(parts)
