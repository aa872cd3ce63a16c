"""Optional sign-in through the provincial unified identity service (统一身份认证) by OpenID
Connect (Authlib's Flask client), on when `BRAIN_OIDC_ISSUER` is set.

`/oidc/login` sends the browser to the issuer's authorization endpoint (code flow, state and
nonce kept in the signed session); `/oidc/callback` exchanges the code at the token endpoint,
checks the ID token (signature against the issuer's JWKS, issuer, audience, expiry, nonce),
maps the role claim (`BRAIN_OIDC_ROLE_CLAIM`, through `BRAIN_OIDC_ROLE_MAP`) to a role and signs
the person in as an account of source `oidc` (created at the first sign-in, its role following
the claim at every sign-in). No mapped role, or a local account of the same name: refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

import requests
from flask import Flask, Response, current_app, redirect, request, session, url_for

from config import Settings
from layouts.i18n import lang_of
from security.accounts import Accounts

__all__ = ["PRIORITY", "install", "parse_role_map", "role_of"]

log = logging.getLogger(__name__)

# when the claim names several roles, the first of these wins
PRIORITY: Final = ("admin", "duty", "leader", "analyst")


def parse_role_map(text: str) -> dict[str, str]:
    """`value=role,value=role` → {value: role}; a bad entry is a clear error at start."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        value, sep, role = part.partition("=")
        if not sep or not value.strip() or role.strip() not in PRIORITY:
            raise ValueError(
                f"BRAIN_OIDC_ROLE_MAP: {part!r} is not value=role with a role of {PRIORITY}"
            )
        mapping[value.strip()] = role.strip()
    return mapping


def role_of(claim: Any, mapping: dict[str, str]) -> str | None:
    """The role a claim value (a string, or a list of them) maps to, or None."""
    values: Iterable[Any] = [claim] if isinstance(claim, str) else (claim or [])
    roles = set()
    for v in values:
        if isinstance(v, str):
            role = mapping.get(v, v if v in PRIORITY else None)
            if role:
                roles.add(role)
    return next((r for r in PRIORITY if r in roles), None)


def install(
    server: Flask, settings: Settings, start_session: Callable[[dict[str, Any], str], None]
) -> str:
    """The OIDC routes on `server`; returns the sign-in path."""
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.flask_client import OAuth
    from joserfc.errors import JoseError

    if not settings.oidc_client_id:
        raise ValueError("BRAIN_OIDC_ISSUER is set but BRAIN_OIDC_CLIENT_ID is not")
    mapping = parse_role_map(settings.oidc_role_map)
    oauth = OAuth(server)
    client: Any = oauth.register(
        "brain_oidc",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile"},
    )

    def _accounts() -> Accounts:
        from security.web import accounts_of

        return accounts_of()

    def _now() -> datetime:
        clock: Callable[[], datetime] = current_app.extensions["brain.clock"]
        return clock()

    def _refuse(reason: str, name: str = "") -> Response:
        _accounts().store.log(
            name[:64] or "oidc",
            "oidc.refused",
            now=_now(),
            address=request.remote_addr or "",
            detail=reason[:255],
        )
        lang = session.get("oidc_lang", "")
        return redirect("/login?" + urlencode({"error": "oidc", "lang": lang}))  # type: ignore[return-value]

    @server.route("/oidc/login")
    def _oidc_login() -> Response:
        session["oidc_next"] = request.args.get("next", "/")
        session["oidc_lang"] = lang_of(request.args.get("lang") or settings.lang)
        redirect_uri = url_for("_oidc_callback", _external=True)
        response: Response = client.authorize_redirect(redirect_uri)
        return response

    @server.route("/oidc/callback")
    def _oidc_callback() -> Response:
        try:
            token = client.authorize_access_token()
        except (OAuthError, JoseError, ValueError, KeyError, requests.RequestException) as e:
            # a bad state, code, signature, issuer, audience or nonce; the provider unreachable
            return _refuse(f"token: {type(e).__name__}: {e}"[:200])
        claims = token.get("userinfo") or {}
        name = str(claims.get("preferred_username") or claims.get("sub") or "")
        role = role_of(claims.get(settings.oidc_role_claim), mapping)
        if not name or role is None:
            return _refuse("no role mapped from the claim", name)
        try:
            row = _accounts().oidc_user(
                name,
                role,
                display_name=str(claims.get("name") or ""),
                now=_now(),
                address=request.remote_addr or "",
            )
        except ValueError as e:
            return _refuse(str(e), name)
        from security.web import safe_next

        next_url = safe_next(session.get("oidc_next"))
        lang = session.get("oidc_lang", settings.lang)
        start_session({"uid": row.id, "ver": row.session_version, "at": _now().timestamp()}, lang)
        return redirect(next_url)  # type: ignore[return-value]

    return "/oidc/login"
