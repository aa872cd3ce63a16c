"""The selected alert on the duty console: its card, its history (the audit), its SOP checklist,
and what came of the officer's last step.

Data strings (messages, notes, names) are passed to Dash as text, never as HTML.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dash import html

from alerts.store import SOP_STEP, Action, Alert
from layouts import ids
from layouts.duty_grid import severity_text
from layouts.i18n import clock_text, t
from services.duty import REASONS, STEPS, AlertView, Outcome
from services.duty_sop import Plan, StepState

__all__ = ["detail_card", "history_list", "outcome_message", "panels", "sop_panel"]


def _data(attrs: dict[str, str]) -> dict[str, Any]:
    """`data-*` attributes for a component (what browser tests read)."""
    return attrs


def _fact(key: str, value: object, lang: str) -> html.Div:
    return html.Div(
        [html.Span(t(key, lang), className="duty-fact-k"), html.Span(str(value or "—"))],
        className="duty-fact",
    )


def detail_card(
    alert: Alert | None, districts: Mapping[str, Mapping[str, Any]], now: datetime, lang: str
) -> html.Div:
    """The alert's card: level, message, where, since when, who handles it."""
    if alert is None:
        return html.Div(t("duty.pick", lang), className="duty-empty")
    d = districts.get(alert.district or "")
    place = (d["name_en"] if lang == "en" else d["name_zh"]) if d else None
    pushed = alert.pushed_until is not None and alert.pushed_until > now
    facts = [
        _fact("duty.col.domain", t(f"domain.{alert.domain}", lang), lang),
        _fact("duty.col.district", place, lang),
        _fact("duty.fact.entity", alert.entity, lang),
        _fact("duty.col.state", t(f"duty.state.{alert.state}", lang), lang),
        _fact("duty.col.handling", t(f"duty.handling.{alert.handling}", lang), lang),
        _fact("duty.col.assignee", alert.assignee, lang),
        _fact("duty.col.first_seen", clock_text(alert.first_seen, now), lang),
        _fact("duty.fact.last_change", clock_text(alert.last_change, now), lang),
        _fact("duty.fact.rule", alert.rule, lang),
        _fact("duty.fact.version", alert.version, lang),
    ]
    if alert.escalated_at is not None:
        facts.append(_fact("duty.fact.escalated", clock_text(alert.escalated_at, now), lang))
    if pushed:
        facts.append(_fact("duty.fact.pushed", clock_text(alert.pushed_until, now), lang))
    return html.Div(
        [
            html.Div(
                [
                    html.Span(
                        severity_text(
                            alert.severity, lang, escalated=alert.escalated_at is not None
                        ),
                        className=f"duty-sev duty-sev--{alert.severity}",
                    ),
                    html.Span(alert.message(lang), className="duty-detail-msg"),
                ],
                className="duty-detail-head",
            ),
            html.Div(facts, className="duty-facts"),
        ],
        className="duty-card" + (" duty-card--pushed" if pushed else ""),
        **_data({"data-alert": alert.id, "data-version": str(alert.version)}),
    )


def history_list(actions: Sequence[Action], now: datetime, lang: str) -> html.Div:
    """Every step taken on the alert, newest first: when, who, what, to whom, the note."""
    if not actions:
        return html.Div(t("duty.history.none", lang), className="duty-empty")
    items = []
    for a in reversed(actions):
        what = t(f"duty.step.{a.step}", lang)
        if a.step == SOP_STEP:
            what = t("duty.history.sop", lang, step=a.note)
        parts: list[Any] = [
            html.Span(clock_text(a.at, now), className="duty-h-at"),
            html.Span(a.who, className="duty-h-who"),
            html.Span(what, className=f"duty-h-step duty-h-step--{a.step}"),
        ]
        if a.assignee:
            parts.append(html.Span(t("duty.history.to", lang, who=a.assignee)))
        if a.note and a.step != SOP_STEP:
            parts.append(html.Span(a.note, className="duty-h-note"))
        items.append(html.Li(parts, className="duty-h"))
    return html.Div(html.Ol(items, className="duty-history-list"))


def _minutes(seconds: float) -> int:
    """Whole minutes left (rounded down) or overdue (rounded up: 10 s late is 1 minute late)."""
    return int(seconds // 60) if seconds >= 0 else math.ceil(-seconds / 60)


def _timer(state: StepState, now: datetime, lang: str) -> html.Span:
    status = state.status
    if state.done_at is not None:
        text = t(
            f"duty.sop.{status}", lang, at=clock_text(state.done_at, now), who=state.done_by or ""
        )
    elif status == "overdue":
        text = t("duty.sop.overdue", lang, n=_minutes(state.remaining_s))
    else:
        text = t("duty.sop.due", lang, n=_minutes(state.remaining_s))
    return html.Span(text, className=f"duty-timer duty-timer--{status}")


def sop_panel(plan: Plan | None, states: Sequence[StepState], now: datetime, lang: str) -> Any:
    """The alert's SOP checklist: each step, its units, its limit, its timer and a tick."""
    if plan is None:
        return html.Div(t("duty.pick", lang), className="duty-empty")
    rows = []
    for i, s in enumerate(states, 1):
        done = s.done_at is not None
        rows.append(
            html.Li(
                [
                    html.Span(f"{i}", className="duty-sop-n"),
                    html.Div(
                        [
                            html.Div(s.step.text(lang), className="duty-sop-text"),
                            html.Div(
                                [
                                    html.Span(
                                        t("duty.sop.limit", lang, n=s.step.minutes),
                                        className="duty-sop-limit",
                                    ),
                                    html.Span(
                                        t("duty.sop.sep", lang).join(s.step.units(lang)),
                                        className="duty-sop-units",
                                    ),
                                ],
                                className="duty-sop-meta",
                            ),
                        ],
                        className="duty-sop-body",
                    ),
                    _timer(s, now, lang),
                    html.Button(
                        t("duty.sop.tick", lang),
                        id=ids.DUTY.tick(s.step.id),
                        className="duty-btn duty-btn--tick",
                        disabled=done,
                        n_clicks=0,
                    ),
                ],
                className=f"duty-sop-step duty-sop-step--{s.status}",
            )
        )
    return html.Div(
        [html.Div(plan.title(lang), className="duty-sop-title"), html.Ol(rows)],
        className="duty-sop-plan",
        **_data({"data-plan": plan.id}),
    )


def outcome_message(outcome: Outcome, step: str, lang: str) -> html.Div:
    """What came of a step, in words: done, told that someone else was first, or refused."""
    a = outcome.alert
    fields = {
        "step": t(f"duty.step.{step}", lang),
        "handling": t(f"duty.handling.{a.handling}", lang) if a else "",
        "version": a.version if a else "",
        "who": outcome.by or "",
        "reason": outcome.reason,
    }
    key = f"duty.msg.{outcome.kind}"
    if outcome.kind == "ok" and a is None:  # a handover written or signed: no alert version
        key = "duty.msg.done"
    if outcome.kind == "refused" and outcome.reason in REASONS:
        key = f"duty.msg.refused_{outcome.reason}"
    if outcome.kind == "unavailable":  # the store's cause: locked, full, unreachable, failed
        key = f"duty.msg.unavailable_{outcome.reason}"
    return html.Div(
        t(key, lang, **fields),
        className=f"duty-msg duty-msg--{outcome.kind}",
        role="alert" if outcome.kind != "ok" else "status",
    )


def panels(
    view: AlertView | None, districts: Mapping[str, Mapping[str, Any]], now: datetime, lang: str
) -> tuple[Any, ...]:
    """(card, history, SOP checklist, version shown, disabled flag of each lifecycle button,
    push disabled, release disabled) of the selected alert."""
    if view is None:
        pick = html.Div(t("duty.pick", lang), className="duty-empty")
        return pick, pick, pick, None, [True] * len(STEPS), True, True
    return (
        detail_card(view.alert, districts, now, lang),
        history_list(view.history, now, lang),
        sop_panel(view.plan, view.steps, now, lang),
        view.alert.version,
        [s not in view.allowed for s in STEPS],
        not view.alert.open,
        not view.pushed,
    )
