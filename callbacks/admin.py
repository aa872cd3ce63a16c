"""Wiring of the admin page (/admin): a button → security.admin.perform → a message and a new
version of the tables. The request hook lets only admins reach these callbacks."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, no_update
from flask import current_app, request

import security
from layouts import admin as view
from layouts import ids
from layouts.i18n import t
from security.admin import perform
from security.web import accounts_of

__all__ = ["register"]


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.ADMIN_USERS, "children"),
        Output(ids.ADMIN_TOKENS, "children"),
        Output(ids.ADMIN_AUDIT, "children"),
        Output(ids.ADMIN_USER, "options"),
        Output(ids.ADMIN_TOKEN, "options"),
        Input(ids.ADMIN_VERSION, "data"),
        State(ids.ADMIN_LANG, "data"),
    )
    def _show(_version: int, lang: str) -> tuple[Any, ...]:
        store = accounts_of().store
        users, tokens = store.users(), store.tokens()
        return (
            view.users_table(users, lang),
            view.tokens_table(tokens, lang),
            view.audit_table(store.audit(), lang),
            [{"label": u.name, "value": u.name} for u in users],
            [{"label": tk.name, "value": tk.name} for tk in tokens if tk.active],
        )

    @app.callback(
        Output(ids.ADMIN_MESSAGE, "children"),
        Output(ids.ADMIN_MESSAGE, "className"),
        Output(ids.ADMIN_VERSION, "data"),
        Input({"type": ids.ADMIN_ACTION, "action": ALL}, "n_clicks"),
        State(ids.ADMIN_NEW_NAME, "value"),
        State(ids.ADMIN_NEW_DISPLAY, "value"),
        State(ids.ADMIN_NEW_ROLE, "value"),
        State(ids.ADMIN_USER, "value"),
        State(ids.ADMIN_ROLE, "value"),
        State(ids.ADMIN_TOKEN_NAME, "value"),
        State(ids.ADMIN_TOKEN, "value"),
        State(ids.ADMIN_LANG, "data"),
        State(ids.ADMIN_VERSION, "data"),
        prevent_initial_call=True,
    )
    def _act(clicks: list[int], *fields: Any) -> tuple[Any, ...]:
        name, display, new_role, user, role, token_name, token, lang, version = fields
        if not isinstance(ctx.triggered_id, dict) or not any(clicks):
            return no_update, no_update, no_update
        action = ctx.triggered_id["action"]
        values = {"name": name, "display_name": display, "user": user, "token": token}
        values |= {"role": new_role if action == "create-user" else role, "token_name": token_name}
        outcome = perform(
            accounts_of(),
            action,
            {k: v or "" for k, v in values.items()},
            actor=security.current_user(),
            now=current_app.extensions["brain.clock"](),
            address=request.remote_addr or "",
        )
        css = "adm-message adm-ok" if outcome.ok else "adm-message adm-fail"
        return t(outcome.key, lang, **outcome.fields), css, int(version or 0) + 1
