"""What a wall refresh may change, region by region: builders from one tick to components.

`region_specs(view, lang, districts)` lists every region with the data it depends on and how to
build it; the refresh callback builds and sends only the regions whose data changed since the
browser last got them (the rest stay as they are on the wall).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from dash import html

from layouts import ids
from layouts.charts import trend_patch
from layouts.i18n import clock_text, fmt_num, local_time, t
from layouts.panels import BODIES, badge
from layouts.theme import SIGNAL_COLORS, STATUS_COLORS

__all__ = [
    "REGIONS",
    "health_strip",
    "push_banner",
    "region_specs",
    "scope_text",
    "signal_badge",
    "ticker_items",
    "ticker_text",
    "weather_badge",
]

Spec = tuple[str, object, Callable[[], Any]]

REGIONS: tuple[str, ...] = (
    *(f"{d}.{part}" for d in ids.DOMAINS for part in ("body", "badge", "scope")),
    "signal",
    "weather",
    "ticker",
    "health",
    "trend",
    "pushed",
    "banner",
)


def region_specs(
    view: Mapping[str, Any], lang: str, districts: Sequence[Mapping[str, Any]]
) -> list[Spec]:
    """(region, the data it shows, builder) for every region of `REGIONS`, in that order."""
    now = datetime.fromisoformat(view["now"])
    scope = scope_text(view.get("district"), districts, lang)
    today = local_time(now).date().isoformat()
    specs: list[Spec] = []
    for d in ids.DOMAINS:
        p = view["panels"][d]
        specs += [
            (f"{d}.body", p["data"], partial(BODIES[d], p["data"], lang)),
            (
                f"{d}.badge",
                (p["status"], p["as_of"], today),
                partial(badge, p["status"], _when(p["as_of"], now), lang),
            ),
            (f"{d}.scope", scope, partial(str, scope)),
        ]
    title, feeds, pushed = view["title"], view["feeds"], view.get("pushed")
    trend = view["panels"]["traffic"]["data"].get("trend") or {"ts": [], "tpi": []}
    ages = {
        k: (
            f["status"],
            f["newest"] if f["status"] != "fresh" else None,
            _age_bucket(f.get("age_s")),
        )
        for k, f in feeds.items()
    }
    specs += [
        ("signal", title, lambda: signal_badge(title, lang)),
        ("weather", title.get("warnings"), lambda: weather_badge(title, lang)),
        (
            "ticker",
            (view["ticker"], view.get("alerts")),
            lambda: ticker_items(view["ticker"], lang, view.get("alerts", "ok")),
        ),
        ("health", (ages, today), lambda: health_strip(feeds, now, lang)),
        ("trend", trend, lambda: trend_patch(trend["ts"], trend["tpi"])),
        ("pushed", pushed, lambda: pushed),
        ("banner", pushed, lambda: push_banner(pushed, now, lang)),
    ]
    return specs


def _when(iso: str | None, now: datetime) -> str:
    return clock_text(datetime.fromisoformat(iso) if iso else None, now)


def _age_bucket(age_s: object) -> int | None:
    return int(age_s // 60) if isinstance(age_s, int | float) else None


def scope_text(district: str | None, districts: Sequence[Mapping[str, Any]], lang: str) -> str:
    """ "全市" or the district's name, in `lang`."""
    for d in districts:
        if d["adcode"] == district:
            return str(d["name_en"] if lang == "en" else d["name_zh"])
    return t("wall.city", lang)


def signal_badge(title: Mapping[str, Any], lang: str) -> html.Span:
    """The typhoon signal in force and the storm's distance, or "no typhoon signal"."""
    signal, storm = title.get("signal"), title.get("typhoon")
    parts: list[Any] = []
    if signal:
        parts.append(
            html.Span(
                t("title.signal", lang, signal=t(f"signal.{signal}", lang)),
                className="signal",
                style={"background": SIGNAL_COLORS[signal]},
            )
        )
    if storm:
        name = storm.get("name_en") if lang == "en" else storm.get("name_zh")
        parts.append(
            html.Span(
                t(
                    "title.typhoon",
                    lang,
                    name=name,
                    km=fmt_num(storm.get("distance_km")),
                    force=storm.get("force"),
                ),
                className="storm",
            )
        )
    if not parts:
        parts.append(html.Span(t("title.no_signal", lang), className="storm"))
    return html.Span(parts)


def weather_badge(title: Mapping[str, Any], lang: str) -> html.Span:
    """Weather warnings in force other than the typhoon signal."""
    warnings = title.get("warnings") or []
    if not warnings:
        return html.Span(t("title.no_warning", lang), className="weather")
    return html.Span(
        [
            html.Span(
                t(
                    "title.warning",
                    lang,
                    hazard=t(f"hazard.{w.get('hazard')}", lang),
                    signal=t(f"signal.{w.get('signal')}", lang),
                ),
                className="weather",
                style={"borderColor": SIGNAL_COLORS.get(str(w.get("signal")))},
            )
            for w in warnings
        ]
    )


# Alert parameters that are codes, translated through the catalogue entries under these
# prefixes (`hazard.typhoon` …); the other parameters are shown as they are.
_TERMS: Mapping[str, str] = {
    "hazard": "hazard",
    "signal": "signal",
    "rule": "rule",
    "tpi_level": "tpi.level",
    "water_class": "water",
    "target_class": "water",
}


def _param(name: str, value: object, lang: str) -> object:
    if name in _TERMS:
        return t(f"{_TERMS[name]}.{value}", lang)
    if isinstance(value, float):
        return fmt_num(value, 1)
    return "" if value is None else value


def ticker_text(item: Mapping[str, Any], lang: str) -> str:
    """One alert of the ticker as a sentence: the engine's words in `lang` (an item of the alert
    store), or a message key (`alert.<kind>`) with its parameters."""
    words = item.get("text")
    if isinstance(words, Mapping):
        return str(words.get(lang) or words.get("zh") or "")
    params = item.get("params") or {}
    fields = {k: _param(k, v, lang) for k, v in params.items()}
    return t(str(item.get("message")), lang, **fields)


def ticker_items(items: Sequence[Mapping[str, Any]], lang: str, status: str = "ok") -> list[Any]:
    """The ticker's items, twice in a row so that the scroll loops without a jump; the red and
    orange ones nobody has acknowledged pulse. With no items, why: nothing firing, no engine
    has run, or the alert store cannot be read."""
    spans = [
        html.Span(
            ticker_text(i, lang),
            className=f"tick tick--{int(i.get('sev', 1))}"
            + (" tick--pulse" if i.get("pulse") else ""),
        )
        for i in items
    ]
    if not spans:
        key = {"no-engine": "ticker.no_engine", "down": "ticker.store_down"}.get(
            status, "ticker.none"
        )
        spans = [html.Span(t(key, lang), className=f"tick tick--0 tick--{status}")]
    return [html.Div(spans, className="ticker-run"), html.Div(spans, className="ticker-run")]


def health_strip(feeds: Mapping[str, Mapping[str, Any]], now: datetime, lang: str) -> list[Any]:
    """Freshness of each domain's feed: a coloured dot, the name and the age of its data."""
    cells: list[Any] = [html.Span(t("health.title", lang), className="health-label")]
    for domain in ids.DOMAINS:
        f = feeds.get(domain, {})
        newest = f.get("newest")
        when = datetime.fromisoformat(newest) if newest else None
        status = {"fresh": "ok", "stale": "stale"}.get(str(f.get("status")), "down")
        if status == "down" and when is not None:
            status = "stale"  # down now, but its last data is known: say how old it is
        text = (
            t("health.fresh", lang, age=_age(f.get("age_s"), lang))
            if status == "ok"
            else t("badge.stale", lang, time=clock_text(when, now))
            if when
            else t("badge.down", lang)
        )
        cells.append(
            html.Span(
                [
                    html.Span(
                        className="dot", style={"background": STATUS_COLORS.get(status, "#888")}
                    ),
                    html.Span(t(f"domain.{domain}", lang), className="feed-name"),
                    html.Span(text, className=f"feed-age feed--{status}"),
                ],
                className=f"feed feed--{domain}",
                **_data_attr(status),
            )
        )
    return cells


def _data_attr_of(name: str, value: str) -> dict[str, Any]:
    return {name: value}


def _data_attr(status: str) -> dict[str, Any]:
    return {"data-status": status}


def _age(age_s: object, lang: str) -> str:
    """How old a fresh feed's newest data is, in whole minutes (so the strip rarely changes)."""
    if not isinstance(age_s, int | float):
        return "—"
    if age_s < 60:
        return t("age.under_minute", lang)
    if age_s < 5400:
        return t("age.minutes", lang, n=int(age_s // 60))
    if age_s < 2 * 86400:
        return t("age.hours", lang, n=int(age_s // 3600))
    return t("age.days", lang, n=int(age_s // 86400))


def push_banner(pushed: Mapping[str, Any] | None, now: datetime, lang: str) -> Any:
    """The focus banner of the alert an officer pushed to the wall (nothing when none is)."""
    if not pushed:
        return None
    sev = str(pushed.get("severity"))
    until = datetime.fromisoformat(pushed["until"]) if pushed.get("until") else None
    return html.Div(
        [
            html.Span(t("wall.push.label", lang), className="push-label"),
            html.Span(
                f"{sev} {t(f'wall.push.sev.{sev}', lang)}", className=f"push-sev push-sev--{sev}"
            ),
            html.Span(ticker_text(pushed, lang), className="push-text"),
            html.Span(
                t("wall.push.until", lang, time=clock_text(until, now)), className="push-until"
            ),
        ],
        className=f"push-card push-card--{sev}",
        **_data_attr_of("data-alert", str(pushed.get("id"))),
    )
