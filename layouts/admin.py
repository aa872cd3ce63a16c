"""The admin page (/admin): accounts, display tokens and the audit log as tables, with the
forms that change them (callbacks/admin.py). Every value is a Dash text child: rendered as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from layouts import ids
from layouts.i18n import lang_of, local_time, other_lang, t
from security.store import AuditEntry, TokenRow, UserRow

__all__ = ["audit_table", "layout", "role_options", "tokens_table", "users_table"]

ROLES = ("leader", "duty", "analyst", "admin")


def role_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"admin.role.{r}", lang), "value": r} for r in ROLES]


def _table(
    lang: str, cols: Sequence[str], rows: Sequence[Sequence[str]], table_id: str
) -> html.Table:
    head = html.Thead(html.Tr([html.Th(t(f"admin.col.{c}", lang)) for c in cols]))
    if not rows:
        body = html.Tbody(html.Tr(html.Td(t("admin.empty", lang), colSpan=len(cols))))
    else:
        body = html.Tbody([html.Tr([html.Td(v) for v in row]) for row in rows])
    return html.Table([head, body], className="adm-table", id=f"{table_id}-table")


def _when(value: Any) -> str:
    return f"{local_time(value):%Y-%m-%d %H:%M:%S}"


def users_table(users: Sequence[UserRow], lang: str) -> html.Table:
    def state(u: UserRow) -> str:
        key = "disabled" if u.disabled else ("new" if u.must_change else "active")
        return t(f"admin.state.{key}", lang)

    rows = [
        (
            u.name,
            u.display_name,
            t(f"admin.role.{u.role}", lang),
            u.source,
            state(u),
            _when(u.created_at),
        )
        for u in users
    ]
    cols = ("name", "display_name", "role", "source", "state", "created")
    return _table(lang, cols, rows, ids.ADMIN_USERS)


def tokens_table(tokens: Sequence[TokenRow], lang: str) -> html.Table:
    rows = [
        (
            tk.name,
            t(f"admin.state.{'active' if tk.active else 'revoked'}", lang),
            _when(tk.created_at),
        )
        for tk in tokens
    ]
    return _table(lang, ("token", "state", "created"), rows, ids.ADMIN_TOKENS)


def audit_table(entries: Sequence[AuditEntry], lang: str) -> html.Table:
    rows = [(_when(e.at), e.actor, e.action, e.target, e.address, e.detail) for e in entries]
    cols = ("at", "actor", "action", "target", "address", "detail")
    return _table(lang, cols, rows, ids.ADMIN_AUDIT)


def _button(action: str, lang: str, danger: bool = False) -> html.Button:
    return html.Button(
        t(f"admin.act.{action}", lang),
        id=ids.admin_action(action),
        className="adm-button adm-danger" if danger else "adm-button",
        n_clicks=0,
    )


def _input(component_id: str, placeholder_key: str, lang: str) -> dcc.Input:
    return dcc.Input(
        id=component_id,
        type="text",
        placeholder=t(placeholder_key, lang),
        className="adm-input",
        debounce=False,
        maxLength=64,
    )


def _dropdown(component_id: str, placeholder_key: str, lang: str, **kw: Any) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=component_id,
        placeholder=t(placeholder_key, lang),
        className="adm-dropdown",
        clearable=False,
        **kw,
    )


def _section(title_key: str, lang: str, *children: Any) -> html.Section:
    return html.Section(
        [html.H2(t(title_key, lang), className="adm-h2"), *children], className="adm-section"
    )


def layout(lang: str = "", **_query: str) -> html.Div:
    """The page; its tables are filled by the first callback (callbacks/admin.py)."""
    lang = lang_of(lang)
    users = _section(
        "admin.users",
        lang,
        html.Div(
            [
                _input(ids.ADMIN_NEW_NAME, "admin.new.name", lang),
                _input(ids.ADMIN_NEW_DISPLAY, "admin.new.display_name", lang),
                _dropdown(ids.ADMIN_NEW_ROLE, "admin.new.role", lang, options=role_options(lang)),
                _button("create-user", lang),
            ],
            className="adm-row",
        ),
        html.Div(
            [
                _dropdown(ids.ADMIN_USER, "admin.pick.user", lang, options=[]),
                _dropdown(ids.ADMIN_ROLE, "admin.pick.role", lang, options=role_options(lang)),
                _button("set-role", lang),
                _button("reset-password", lang),
                _button("enable", lang),
                _button("disable", lang, danger=True),
            ],
            className="adm-row",
        ),
        html.Div(id=ids.ADMIN_USERS, className="adm-table-box"),
    )
    tokens = _section(
        "admin.tokens",
        lang,
        html.Div(
            [
                _input(ids.ADMIN_TOKEN_NAME, "admin.new.token", lang),
                _button("create-token", lang),
                _dropdown(ids.ADMIN_TOKEN, "admin.pick.token", lang, options=[]),
                _button("revoke-token", lang, danger=True),
            ],
            className="adm-row",
        ),
        html.Div(id=ids.ADMIN_TOKENS, className="adm-table-box"),
    )
    audit = _section(
        "admin.audit",
        lang,
        html.P(t("admin.audit.note", lang), className="adm-note"),
        html.Div(id=ids.ADMIN_AUDIT, className="adm-table-box"),
    )
    head = html.Header(
        [
            html.Div(t("signin.brand", lang), className="adm-brand"),
            html.H1(t("admin.heading", lang), className="adm-h1"),
            html.Nav(
                [
                    html.A(
                        t("admin.nav.wall", lang), href=f"/wall?lang={lang}", className="adm-link"
                    ),
                    html.A(
                        t("admin.lang", lang),
                        href=f"/admin?lang={other_lang(lang)}",
                        className="adm-link",
                        id="admin-lang-toggle",
                    ),
                    html.A(
                        t("admin.nav.signout", lang),
                        href=f"/logout?lang={lang}",
                        className="adm-link",
                    ),
                ],
                className="adm-nav",
            ),
        ],
        className="adm-head",
    )
    return html.Div(
        [
            dcc.Store(id=ids.ADMIN_LANG, data=lang),
            dcc.Store(id=ids.ADMIN_VERSION, data=0),
            head,
            html.Main(
                [
                    html.Div(id=ids.ADMIN_MESSAGE, className="adm-message", role="status"),
                    users,
                    tokens,
                    audit,
                ],
                className="adm-main",
            ),
        ],
        id=ids.ADMIN_SHELL,
        className="adm-shell",
    )
