"""The security hook of the Flask server behind Dash: sessions, the access policy on every
request, CSRF, and the sign-in, password and sign-out routes.

`install(app, settings)` adds one `before_request` that sets `flask.g.brain_user` and answers
for every request before Dash sees it:

- public: Dash's scripts and styles, `/assets/`, the favicon, the sign-in routes, health probes;
- a page (Dash serves every path through one route): the path is mapped to its registered page
  and `may_see(user, page)` decides; nobody signed in → redirect to /login;
- `/_dash-layout`, `/_dash-dependencies` and the rest: a session is needed (401 otherwise);
- `/_dash-update-component`: the CSRF header must match the session's token, and the callback's
  page (`callbacks.callback_pages`, by the request's `output`) must be one the user may see; an
  unknown callback is refused to everyone. Dash's own page router callback is checked by the
  pathname it is asked to render.

The session (Flask's signed cookie) holds the account id and its session version, or the
display token id; both are checked against the store at every request, so disabling an account,
changing its role or password, or revoking a token ends its sessions at the next request.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import dash
from flask import Flask, Response, current_app, g, redirect, request, session
from sqlalchemy import exc as sa_exc

from config import Settings
from layouts.i18n import lang_of
from layouts.signin import forbidden_page, password_page, signin_page, signout_page
from security import Role, User, may_see
from security.accounts import Accounts, SignInError
from security.store import Store

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "PAGE_ALIASES",
    "SESSION_COOKIE",
    "USER_SESSION",
    "RedactTokens",
    "accounts_of",
    "install",
    "page_of_path",
    "safe_next",
]

log = logging.getLogger(__name__)

SESSION_COOKIE: Final = "session"  # Flask's, signed with BRAIN_SECRET_KEY
CSRF_COOKIE: Final = "_csrf_token"  # the name dash-renderer reads ...
CSRF_HEADER: Final = "X-CSRFToken"  # ... and the header it sends it back in
USER_SESSION: Final = timedelta(hours=12)  # a person signs in again after this
DISPLAY_PARAM: Final = "display_token"
# pages registered under another name than their policy's
PAGE_ALIASES: Final = {"home": "wall", "kiosk": "wall"}
STATIC_PREFIXES: Final = ("/_dash-component-suites/", "/assets/", "/static/")
PUBLIC_PREFIXES: Final = (*STATIC_PREFIXES, "/oidc/")
# the sign-in routes check their own forms; probes and metrics are read by machines
PUBLIC_PATHS: Final = frozenset(
    {"/login", "/logout", "/password", "/_favicon.ico", "/favicon.ico"}
    | {"/healthz", "/readyz", "/metrics"}
)
PAGE_ENDPOINTS: Final = frozenset({"/", "/<path:path>"})
UPDATE: Final = "/_dash-update-component"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_ROUTER_OUTPUT: Final = ".._pages_content.children..._pages_store.data.."
_ACCOUNTS: Final = "brain.accounts"


class RedactTokens(logging.Filter):
    """Keeps display tokens out of access logs (werkzeug's, gunicorn's): the one request that
    carries `?display_token=…` is logged with the value replaced."""

    PATTERN: Final = re.compile(r"(display_token=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if DISPLAY_PARAM in message:
            record.msg, record.args = self.PATTERN.sub(r"\1[redacted]", message), None
        return True


def _redact_access_logs() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def accounts_of(server: Flask | None = None) -> Accounts:
    accounts: Accounts = (server or current_app).extensions[_ACCOUNTS]
    return accounts


def _now() -> datetime:
    clock: Callable[[], datetime] = current_app.extensions["brain.clock"]
    return clock()


def _address() -> str:
    return request.remote_addr or ""


def _lang() -> str:
    settings: Settings = current_app.config["BRAIN_SETTINGS"]
    chosen = request.args.get("lang") or request.form.get("lang") or session.get("lang")
    return lang_of(chosen or settings.lang)


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


def _json(status: int, error: str) -> Response:
    return Response(json.dumps({"error": error}), status=status, mimetype="application/json")


def _csrf_token() -> str:
    token: str | None = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def _same_origin() -> bool:
    """Whether the browser says the request comes from this origin (or does not say)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")  # "null" under Referrer-Policy: no-referrer
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return True  # an old browser or a script: the CSRF token alone decides


def safe_next(value: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def page_of_path(app: dash.Dash, path: str) -> str | None:
    """The policy's name of the page Dash serves at `path` (None: no registered page)."""
    from dash._pages import _path_to_page

    stripped = app.strip_relative_path(path) or ""
    page, _ = _path_to_page(stripped.strip("/"))  # type: ignore[no-untyped-call]
    if not page:
        return None
    name = str(page.get("module", ""))
    return PAGE_ALIASES.get(name, name)


def _start_session(values: dict[str, Any], lang: str) -> None:
    """A fresh session (a new CSRF token, nothing kept from before: no fixation)."""
    session.clear()
    session.update(values)
    session["csrf"] = secrets.token_urlsafe(32)
    session["lang"] = lang
    session.permanent = True


def _load_user(accounts: Accounts) -> tuple[User | None, bool]:
    """The user of this request's session and whether it must change its password first."""
    uid, tid = session.get("uid"), session.get("tid")
    if uid is not None:
        row = accounts.store.user_by_id(int(uid))
        started = float(session.get("at", 0))
        fresh = _now().timestamp() - started < USER_SESSION.total_seconds()
        valid = row is not None and not row.disabled and row.session_version == session.get("ver")
        if valid and fresh and row is not None:
            return User(row.name, Role(row.role), row.display_name or row.name), row.must_change
        session.clear()
    elif tid is not None:
        token = accounts.store.token_by_id(int(tid))
        if token is not None and token.active:
            return User(token.name, Role.DISPLAY, token.name), False
        session.clear()
    return None, False


def install(app: dash.Dash, settings: Settings) -> None:
    """Sessions, the access policy, CSRF and the sign-in routes on `app`'s server."""
    server = app.server
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(days=400),  # displays; people: USER_SESSION
    )
    accounts = Accounts(
        Store(settings.store_database_url), max_failures=settings.login_max_failures
    )
    server.extensions[_ACCOUNTS] = accounts
    try:
        accounts.store.migrate()
    except sa_exc.OperationalError as e:  # the app still starts (readyz says what is down)
        log.warning("the security store cannot be reached (%s): sign-in refused until it is", e)
    _redact_access_logs()
    oidc_login = None
    if settings.oidc_issuer:
        from security.oidc import install as install_oidc

        oidc_login = install_oidc(server, settings, _start_session)

    @server.before_request  # type: ignore[untyped-decorator]
    def _guard() -> Response | None:
        path = request.path
        if path.startswith(STATIC_PREFIXES):  # scripts, styles, map files: no store read
            g.brain_user = None
            return None
        try:
            accounts.store.migrate()  # at once when it was done; again after an outage
            user, must_change = _load_user(accounts)
        except sa_exc.OperationalError:
            g.brain_user = None
            if path in ("/healthz", "/readyz", "/metrics"):
                return None
            return _json(503, "the account store cannot be reached")  # closed, not open
        g.brain_user = user
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        if request.endpoint == UPDATE and user is None:
            return _json(401, "sign in first")  # assets/session.js then reloads the page
        if request.method not in SAFE_METHODS and not (
            _same_origin() and _same(request.headers.get(CSRF_HEADER), session.get("csrf"))
        ):
            return _json(403, "csrf")
        if request.endpoint == UPDATE:
            return _check_update(app, user, must_change)
        if request.endpoint in PAGE_ENDPOINTS:
            return _check_page(app, accounts, user, must_change)
        if user is None:
            return _json(401, "sign in first")
        if must_change and path != "/password":
            return _json(403, "change the password first")
        return None

    @server.after_request  # type: ignore[untyped-decorator]
    def _csrf_cookie(response: Response) -> Response:
        token = session.get("csrf")
        if token and request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(
                CSRF_COOKIE,
                token,
                max_age=int(timedelta(days=400).total_seconds()),
                secure=settings.secure_cookies,
                httponly=False,  # dash-renderer reads it to send it back as a header
                samesite="Strict",
            )
        if request.path in ("/login", "/logout", "/password") or request.path.startswith("/oidc/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @server.route("/login", methods=["GET", "POST"])  # type: ignore[untyped-decorator]
    def _login() -> Response:
        lang = _lang()
        next_url = safe_next(request.values.get("next"))
        oidc = oidc_login is not None
        if request.method == "GET":
            if g.brain_user is not None and request.args.get("error") is None:
                return redirect(next_url)  # type: ignore[return-value]
            error = request.args.get("error")
            error = error if error in ("oidc", "display") else None
            body = signin_page(lang, csrf=_csrf_token(), next_url=next_url, error=error, oidc=oidc)
            return _html(body, 403 if error == "display" else 200)
        name = request.form.get("name", "").strip()
        if not (_same_origin() and _same(request.form.get("csrf"), session.get("csrf"))):
            body = signin_page(
                lang, csrf=_csrf_token(), next_url=next_url, error="csrf", name=name, oidc=oidc
            )
            return _html(body, 403)
        try:
            row = accounts.authenticate(
                name, request.form.get("password", ""), address=_address(), now=_now()
            )
        except SignInError as e:
            status = 429 if e.reason == "throttled" else 401
            body = signin_page(
                lang, csrf=_csrf_token(), next_url=next_url, error=e.reason, name=name, oidc=oidc
            )
            return _html(body, status)
        _start_session({"uid": row.id, "ver": row.session_version, "at": _now().timestamp()}, lang)
        target = "/password" if row.must_change else next_url
        return redirect(target)  # type: ignore[return-value]

    @server.route("/password", methods=["GET", "POST"])  # type: ignore[untyped-decorator]
    def _password() -> Response:
        lang = _lang()
        user: User | None = g.brain_user
        if user is None or user.role == Role.DISPLAY or "uid" not in session:
            return redirect("/login?" + urlencode({"next": "/password"}))  # type: ignore[return-value]
        row = accounts.store.user(user.name)
        forced = bool(row and row.must_change)
        if request.method == "GET":
            return _html(password_page(lang, csrf=_csrf_token(), forced=forced))
        new, confirm = request.form.get("new", ""), request.form.get("confirm", "")
        error = None
        if not (_same_origin() and _same(request.form.get("csrf"), session.get("csrf"))):
            error = "csrf"
        elif new != confirm:
            error = "mismatch"
        else:
            try:
                row = accounts.change_password(
                    user.name, request.form.get("old", ""), new, now=_now(), address=_address()
                )
            except SignInError:
                error = "bad"
            except ValueError:
                error = "short"
        if error or row is None:
            body = password_page(lang, csrf=_csrf_token(), error=error, forced=forced)
            return _html(body, 400)
        _start_session({"uid": row.id, "ver": row.session_version, "at": _now().timestamp()}, lang)
        return redirect("/")  # type: ignore[return-value]

    @server.route("/logout", methods=["GET", "POST"])  # type: ignore[untyped-decorator]
    def _logout() -> Response:
        lang = _lang()
        user: User | None = g.brain_user
        if request.method == "GET":
            if user is None:
                return redirect(f"/login?lang={lang}")  # type: ignore[return-value]
            return _html(signout_page(lang, csrf=_csrf_token(), name=user.name))
        if not (_same_origin() and _same(request.form.get("csrf"), session.get("csrf"))):
            return _json(403, "csrf")
        if user is not None:
            accounts.store.log(user.name, "signout", now=_now(), address=_address())
        session.clear()
        return redirect(f"/login?lang={lang}")  # type: ignore[return-value]


def _display_sign_in(accounts: Accounts, token: str) -> Response:
    """`/kiosk?display_token=…`: the display signs in and the token leaves the address bar."""
    now, address = _now(), _address()
    row = None
    if accounts.store.failure_count(f"addr:{address}", since=now - timedelta(minutes=15)) < (
        accounts.max_failures
    ):
        row = accounts.display_for(token)
    if row is None:
        accounts.store.add_failure([f"addr:{address}"], now=now)
        accounts.store.log("display", "display.failure", now=now, address=address)
        session.clear()
        return redirect("/login?error=display")  # type: ignore[return-value]
    _start_session({"tid": row.id}, _lang())
    accounts.store.log(row.name, "display.signin", now=now, address=address)
    rest = {k: v for k, v in request.args.items() if k != DISPLAY_PARAM}
    return redirect(request.path + (f"?{urlencode(rest)}" if rest else ""))  # type: ignore[return-value]


def _check_page(
    app: dash.Dash, accounts: Accounts, user: User | None, must_change: bool
) -> Response | None:
    token = request.args.get(DISPLAY_PARAM)
    if token is not None:
        return _display_sign_in(accounts, token)
    if user is None:
        query = urlencode({"next": request.full_path.rstrip("?"), "lang": _lang()})
        return redirect(f"/login?{query}")  # type: ignore[return-value]
    if must_change:
        return redirect("/password")  # type: ignore[return-value]
    page = page_of_path(app, request.path)
    if page is not None and not may_see(user, page):
        return _html(forbidden_page(_lang(), name=user.name), 403)
    return None  # an unknown path: Dash's own "not found" page


def _check_update(app: dash.Dash, user: User | None, must_change: bool) -> Response | None:
    from callbacks import callback_pages

    if user is None:
        return _json(401, "sign in first")
    if must_change:
        return _json(403, "change the password first")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return _json(400, "not a callback request")
    output: str = body["output"]
    if output == _ROUTER_OUTPUT:  # Dash's page router: the page it is asked to render
        path = next(
            (
                i.get("value")
                for i in body.get("inputs", [])
                if isinstance(i, dict)
                and i.get("id") == "_pages_location"
                and i.get("property") == "pathname"
            ),
            None,
        )
        page = page_of_path(app, path) if isinstance(path, str) else None
        if page is None or may_see(user, page):
            return None  # no page there: Dash answers with its "not found" layout
        return _json(403, "forbidden")
    page = callback_pages(app).get(output)
    if page is None or not may_see(user, page):
        return _json(403, "forbidden")
    return None
