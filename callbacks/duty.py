"""Wiring of the duty console: timers, filters and buttons → services.duty → layouts.

Every step is taken as the signed-in user (`security.current_user()`) on the alert as the
officer's console showed it (`DUTY.VERSION`), so the second of two officers acting at once is
told instead of overwriting the first. Sound and the clock run in the browser (assets/duty.js).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update
from flask import current_app

import security
from alerts.store import AlertStore, StoreUnavailable
from layouts.duty_detail import outcome_message, panels
from layouts.duty_grid import count_text, rows
from layouts.duty_handover import handover_list, handover_text, summary_text
from layouts.duty_map import map_figure, resource_table
from layouts.i18n import lang_of
from layouts.ids import DUTY
from services import duty
from services.geography import district_list

__all__ = [
    "act",
    "handover_view",
    "refresh_list",
    "register",
    "select",
    "show_alert",
    "show_map",
    "sign",
    "tick",
    "to_wall",
    "write",
]


def _store() -> AlertStore:
    return AlertStore.shared(current_app.config["BRAIN_SETTINGS"].store_database_url)


def _now() -> datetime:
    clock: Any = current_app.extensions.get("brain.clock")
    return clock() if clock is not None else datetime.now(UTC)


def _who() -> str | None:
    user = security.current_user()
    return user.name if user is not None else None


def _districts() -> dict[str, dict[str, Any]]:
    return {str(d["adcode"]): d for d in district_list()}


_F = TypeVar("_F", bound=Callable[..., Any])


def _guarded(at: int, outputs: int, step: str) -> Callable[[_F], _F]:
    """A callback whose store cannot be opened or read now (`StoreUnavailable`) answers with
    the store's message in its output `at` (of `outputs`) and leaves the others as they are,
    instead of a Dash error. Its last argument is the language."""

    def wrap(fn: _F) -> _F:
        @functools.wraps(fn)
        def guarded(*args: Any) -> Any:
            try:
                return fn(*args)
            except StoreUnavailable as exc:
                told = outcome_message(
                    duty.Outcome("unavailable", reason=exc.cause), step, lang_of(args[-1])
                )
                out: list[Any] = [no_update] * outputs
                out[at] = told
                return tuple(out)

        return guarded  # type: ignore[return-value]

    return wrap


def _cause(kind: str, why: str) -> str:
    """A handover's reason shown to the officer: the store's cause when it was unavailable."""
    return why if kind == "unavailable" else ""


def _clicked() -> bool:
    """Whether a real click fired the callback (not a button appearing with n_clicks 0)."""
    return bool(ctx.triggered and ctx.triggered[0].get("value"))


@_guarded(2, 3, "note")
def refresh_list(
    _n: int | None,
    domain: str | None,
    severity: str | None,
    handling: str | None,
    district: str | None,
    _acted: int | None,
    lang: str | None,
) -> tuple[Any, Any, Any]:
    """The live list, the alerts that must sound, and the count."""
    store, now, lang = _store(), _now(), lang_of(lang)
    filters = duty.Filters.of(
        {"domain": domain, "severity": severity, "handling": handling, "district": district}
    )
    found = duty.listing(store, filters)
    loud = duty.alarming(duty.open_items(store))  # whatever the filters hide: it still sounds
    seen = bool(found) or duty.engine_seen(store, now)
    return (
        rows(found, loud, _districts(), now, lang),
        loud,
        count_text(len(found), len(loud), seen, lang),
    )


def select(chosen: list[dict[str, Any]] | None, held: dict[str, Any] | None) -> Any:
    """The alert picked in the list (kept when the selection is only redrawn)."""
    alert_id = chosen[0].get("id") if chosen else None
    if alert_id is None or (held or {}).get("id") == alert_id:
        return no_update
    return {"id": alert_id}


@_guarded(0, 7, "note")
def show_alert(
    selected: dict[str, Any] | None, _n: int | None, _acted: int | None, lang: str | None
) -> tuple[Any, ...]:
    """Card, history, SOP checklist, the version shown and which buttons may be pressed."""
    alert_id = (selected or {}).get("id")
    now = _now()
    shown = duty.view(_store(), alert_id, now) if alert_id else None
    return panels(shown, _districts(), now, lang_of(lang))


@_guarded(1, 2, "note")
def show_map(selected: dict[str, Any] | None, lang: str | None) -> tuple[Any, Any]:
    """The alert on the map with the resources quickest to reach by road."""
    lang, now = lang_of(lang), _now()
    alert_id = (selected or {}).get("id")
    shown = duty.view(_store(), alert_id, now) if alert_id else None
    if shown is None:
        return map_figure(None, [], lang), resource_table([], "no-place", lang)
    a = shown.alert
    near = duty.nearest_resources(current_app.extensions["brain.data"], now, a.lon, a.lat)
    place = {
        "id": a.id,
        "lon": a.lon,
        "lat": a.lat,
        "severity": a.severity,
        "message": a.message(lang),
    }
    return map_figure(place, near.rows, lang), resource_table(near.rows, near.error, lang)


@_guarded(0, 3, "note")
def act(
    _clicks: list[int | None],
    selected: dict[str, Any] | None,
    version: int | None,
    note: str | None,
    assignee: str | None,
    acted: int | None,
    lang: str | None,
) -> tuple[Any, Any, Any]:
    """A lifecycle button: the step as the signed-in officer, on the version shown."""
    trigger = ctx.triggered_id
    if not _clicked() or not isinstance(trigger, dict) or not (selected or {}).get("id"):
        return no_update, no_update, no_update
    step = str(trigger["step"])
    outcome = duty.act(
        _store(),
        str((selected or {})["id"]),
        step,
        who=_who(),
        at=_now(),
        version=int(version or 0),
        note=note or "",
        assignee=assignee,
    )
    return (
        outcome_message(outcome, step, lang_of(lang)),
        (acted or 0) + 1,
        "" if outcome.ok else no_update,
    )


@_guarded(0, 2, "push")
def to_wall(
    _push: int | None,
    _release: int | None,
    selected: dict[str, Any] | None,
    version: int | None,
    minutes: int | None,
    acted: int | None,
    lang: str | None,
) -> tuple[Any, Any]:
    """Push the alert to the wall for the chosen minutes, or take it off."""
    alert_id = (selected or {}).get("id")
    if not _clicked() or not alert_id:
        return no_update, no_update
    store, who, now = _store(), _who(), _now()
    if ctx.triggered_id == DUTY.RELEASE:
        step, outcome = "release", duty.release(store, str(alert_id), who=who, at=now)
    else:
        step = "push"
        outcome = duty.push(
            store,
            str(alert_id),
            who=who,
            at=now,
            minutes=int(minutes or 0),
            version=int(version or 0),
        )
    return outcome_message(outcome, step, lang_of(lang)), (acted or 0) + 1


@_guarded(0, 2, "sop")
def tick(
    _clicks: list[int | None], selected: dict[str, Any] | None, acted: int | None, lang: str | None
) -> tuple[Any, Any]:
    """Tick off one SOP step of the selected alert."""
    trigger = ctx.triggered_id
    alert_id = (selected or {}).get("id")
    if not _clicked() or not isinstance(trigger, dict) or not alert_id:
        return no_update, no_update
    outcome = duty.tick(_store(), str(alert_id), str(trigger["step"]), who=_who(), at=_now())
    return outcome_message(outcome, "sop", lang_of(lang)), (acted or 0) + 1


@_guarded(0, 2, "handover")
def handover_view(_n: int | None, _acted: int | None, lang: str | None) -> tuple[Any, Any]:
    """The open items as the next handover would pass them on, and the handover log."""
    store, now, lang = _store(), _now(), lang_of(lang)
    summary = summary_text(duty.open_items(store), _districts(), now, lang)
    return summary, handover_list(store.handovers(), _who(), now, lang)


@_guarded(0, 3, "handover")
def write(
    _click: int | None, notes: str | None, acted: int | None, lang: str | None
) -> tuple[Any, Any, Any]:
    """The outgoing officer writes the handover: the open items now, and their notes."""
    if not _clicked():
        return no_update, no_update, no_update
    store, now, lang = _store(), _now(), lang_of(lang)
    text = handover_text(
        summary_text(duty.open_items(store), _districts(), now, lang), notes or "", lang
    )
    kind, _, why = duty.write_handover(store, who=_who(), at=now, summary=text)
    return (
        outcome_message(duty.Outcome(kind, reason=_cause(kind, why)), "handover", lang),
        (acted or 0) + 1,
        "" if kind == "ok" else no_update,
    )


@_guarded(0, 2, "sign")
def sign(_clicks: list[int | None], acted: int | None, lang: str | None) -> tuple[Any, Any]:
    """The incoming officer signs a handover off (never the one who wrote it)."""
    trigger = ctx.triggered_id
    if not _clicked() or not isinstance(trigger, dict):
        return no_update, no_update
    kind, _, why = duty.sign_handover(
        _store(), str(trigger["id"]), who=_who(), at=_now(), version=int(trigger["v"])
    )
    told = outcome_message(duty.Outcome(kind, reason=_cause(kind, why)), "sign", lang_of(lang))
    return told, (acted or 0) + 1


def register(app: dash.Dash) -> None:
    """Attach the duty console's callbacks to `app`."""
    lang, acted = State(DUTY.LANG, "data"), State(DUTY.ACTED, "data")
    filters = [
        Input(f, "value")
        for f in (
            DUTY.FILTER_DOMAIN,
            DUTY.FILTER_SEVERITY,
            DUTY.FILTER_HANDLING,
            DUTY.FILTER_DISTRICT,
        )
    ]
    app.callback(
        Output(DUTY.GRID, "rowData"),
        Output(DUTY.ALARM, "data"),
        Output(DUTY.COUNT, "children"),
        Input(DUTY.REFRESH, "n_intervals"),
        *filters,
        Input(DUTY.ACTED, "data"),
        lang,
    )(refresh_list)
    app.callback(
        Output(DUTY.SELECTED, "data"),
        Input(DUTY.GRID, "selectedRows"),
        State(DUTY.SELECTED, "data"),
    )(select)
    any_: Any = ALL  # the wildcard where a name goes
    step_all, tick_all, sign_all = DUTY.step(any_), DUTY.tick(any_), DUTY.sign(ALL, ALL)
    app.callback(
        Output(DUTY.DETAIL, "children"),
        Output(DUTY.HISTORY, "children"),
        Output(DUTY.SOP, "children"),
        Output(DUTY.VERSION, "data"),
        Output(step_all, "disabled"),
        Output(DUTY.PUSH, "disabled"),
        Output(DUTY.RELEASE, "disabled"),
        Input(DUTY.SELECTED, "data"),
        Input(DUTY.REFRESH, "n_intervals"),
        Input(DUTY.ACTED, "data"),
        lang,
    )(show_alert)
    app.callback(
        Output(DUTY.MAP, "figure"),
        Output(DUTY.RESOURCES, "children"),
        Input(DUTY.SELECTED, "data"),
        lang,
    )(show_map)

    def message() -> Output:
        return Output(DUTY.MESSAGE, "children", allow_duplicate=True)

    def bump() -> Output:
        return Output(DUTY.ACTED, "data", allow_duplicate=True)

    app.callback(
        message(),
        bump(),
        Output(DUTY.NOTE, "value"),
        Input(step_all, "n_clicks"),
        State(DUTY.SELECTED, "data"),
        State(DUTY.VERSION, "data"),
        State(DUTY.NOTE, "value"),
        State(DUTY.ASSIGNEE, "value"),
        acted,
        lang,
        prevent_initial_call=True,
    )(act)
    app.callback(
        message(),
        bump(),
        Input(DUTY.PUSH, "n_clicks"),
        Input(DUTY.RELEASE, "n_clicks"),
        State(DUTY.SELECTED, "data"),
        State(DUTY.VERSION, "data"),
        State(DUTY.PUSH_MINUTES, "value"),
        acted,
        lang,
        prevent_initial_call=True,
    )(to_wall)
    app.callback(
        message(),
        bump(),
        Input(tick_all, "n_clicks"),
        State(DUTY.SELECTED, "data"),
        acted,
        lang,
        prevent_initial_call=True,
    )(tick)
    app.callback(
        Output(DUTY.HANDOVER_SUMMARY, "children"),
        Output(DUTY.HANDOVER_LIST, "children"),
        Input(DUTY.REFRESH, "n_intervals"),
        Input(DUTY.ACTED, "data"),
        lang,
    )(handover_view)

    def ho_message() -> Output:
        return Output(DUTY.HANDOVER_MESSAGE, "children", allow_duplicate=True)

    app.callback(
        ho_message(),
        bump(),
        Output(DUTY.HANDOVER_NOTES, "value"),
        Input(DUTY.HANDOVER_WRITE, "n_clicks"),
        State(DUTY.HANDOVER_NOTES, "value"),
        acted,
        lang,
        prevent_initial_call=True,
    )(write)
    app.callback(
        ho_message(), bump(), Input(sign_all, "n_clicks"), acted, lang, prevent_initial_call=True
    )(sign)
    _clientside(app)


def _clientside(app: dash.Dash) -> None:
    """Browser-only wiring: functions of `window.dash_clientside.duty` in assets/duty.js."""
    wire: Any = app.clientside_callback  # untyped in Dash
    wire(
        ClientsideFunction("duty", "clock"),
        Output(DUTY.CLOCK, "children"),
        Input(DUTY.CLOCK_INTERVAL, "n_intervals"),
        State(DUTY.LANG, "data"),
    )
    wire(
        ClientsideFunction("duty", "alarm"),
        Output(DUTY.ALARM_STATE, "data"),
        Input(DUTY.ALARM, "data"),
    )
