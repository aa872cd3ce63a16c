"""Card primitives of the wall's panels: a figure with its label, a list row, a list, the
freshness badge, and names shortened to fit (pure functions, text in, components out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import html

from layouts.i18n import fmt_pct, t

__all__ = ["NAME_CHARS", "badge", "kpi", "row", "row_list", "shorten"]

NAME_CHARS = 9  # CJK characters of a name in a list row (≈ 18 px each at body size)


def shorten(name: object, limit: int = NAME_CHARS) -> str:
    """`name` cut to about `limit` CJK characters (Latin letters count half) with an ellipsis."""
    text = str(name or "—")
    width, out = 0.0, list[str]()
    for ch in text:
        width += 1.0 if ord(ch) > 0x2E80 else 0.55
        if width > limit:
            return "".join(out).rstrip() + "…"
        out.append(ch)
    return text


def kpi(
    label: str,
    value: str,
    unit: str = "",
    *,
    headline: bool = False,
    delta: float | None = None,
    color: str | None = None,
) -> html.Div:
    """One figure with its label, unit and optional year-on-year arrow."""
    parts: list[Any] = [
        html.Span(
            value,
            className="kpi-value" if headline else "kpi-sub-value",
            style={"color": color} if color else None,
        )
    ]
    if unit:
        parts.append(html.Span(unit, className="kpi-unit"))
    if delta is not None:
        parts.append(
            html.Span(fmt_pct(delta), className="kpi-delta " + ("up" if delta >= 0 else "down"))
        )
    return html.Div(
        [html.Div(label, className="kpi-label"), html.Div(parts, className="kpi-figure")],
        className="kpi kpi--headline" if headline else "kpi",
    )


def row(
    name: str, value: str, *, chip: str | None = None, color: str | None = None, note: str = ""
) -> html.Li:
    cells: list[Any] = [html.Span(shorten(name), className="row-name")]
    if note:
        cells.append(html.Span(note, className="row-note"))
    if chip is not None:
        cells.append(
            html.Span(chip, className="chip", style={"borderColor": color, "color": color})
        )
    cells.append(html.Span(value, className="row-value", style={"color": color} if color else None))
    return html.Li(cells, className="row")


def row_list(title: str, rows: Sequence[html.Li], lang: str) -> html.Div:
    body: Any = rows or [html.Li(t("panel.none", lang), className="row row--empty")]
    return html.Div(
        [html.Div(title, className="list-title"), html.Ul(body, className="rows")], className="list"
    )


def badge(status: str, as_of_text: str, lang: str) -> html.Span:
    """The freshness badge of a panel: nothing when fresh, "数据更新于 HH:MM" when stale."""
    if status == "ok":
        return html.Span("", className="badge badge--ok")
    if status == "down":
        return html.Span(t("badge.down", lang), className="badge badge--down")
    return html.Span(t("badge.stale", lang, time=as_of_text), className="badge badge--stale")
