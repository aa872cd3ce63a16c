"""The Dash application of Zhanjiang Brain: `create_app(settings)`, and `server` for gunicorn.

Pages are registered in code (no pages folder). Every script, stylesheet, font and map file is
served by the app itself: no CDN, no map token, nothing fetched from the internet, and a
Content-Security-Policy that names no other origin. The wall never runs in debug mode, so the
Dash error overlay can never reach it.
"""

from __future__ import annotations

import atexit
import functools
import gc
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dash
from flask import Response

from config import Settings, load_settings
from layouts import wall
from layouts.i18n import t
from layouts.theme import register_template
from services.ops import register_ops
from services.quiet import collect_between_refreshes

__all__ = ["create_app", "server"]

ROOT = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def _csp(app: dash.Dash) -> str:
    """The Content-Security-Policy: this origin only. Dash's inline renderer bootstrap is allowed
    by hash; `unsafe-eval` is needed by plotly.js and deck.gl's JSON accessors, inline styles by
    React's style props."""
    scripts = " ".join(["'self'", "'unsafe-eval'", *app.csp_hashes()])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'self'",
            "form-action 'self'",
        ]
    )


def _security_headers(app: dash.Dash) -> None:
    policy: dict[int, str] = {}

    @app.server.after_request  # type: ignore[untyped-decorator]
    def _headers(response: Response) -> Response:
        # kept per number of inline scripts: Dash adds the clientside callbacks' script at its
        # first page request, so a policy made at an earlier one (a readiness probe) would
        # leave it out and the pages would have no clientside callbacks
        scripts = len(getattr(app, "_inline_scripts", ()))
        if scripts not in policy:
            policy[scripts] = _csp(app)
        response.headers["Content-Security-Policy"] = policy[scripts]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _register_pages(app: dash.Dash, settings: Settings) -> None:
    from services.wall import district_list

    districts = district_list()
    title = t("wall.title", settings.lang)
    wall_page = functools.partial(wall.page, settings, districts)
    register: Any = dash.register_page  # untyped in Dash
    register("home", path="/", title=title, name=title, layout=wall_page)
    register("wall", path="/wall", title=title, name=title, layout=wall_page)
    register(
        "kiosk",
        path="/kiosk",
        title=title,
        name=title,
        layout=functools.partial(wall.page, settings, districts, True),
    )
    from layouts import admin

    register("admin", path="/admin", title=t("admin.title", settings.lang), layout=admin.layout)
    from layouts import economy

    economy_title = t("economy.title", settings.lang)
    register("economy", path="/economy", title=economy_title, layout=economy.layout)
    from layouts import river

    register("river", path="/river", title=t("river.title", settings.lang), layout=river.layout)
    from layouts import radar

    register("radar", path="/radar", title=t("radar.title", settings.lang), layout=radar.layout)
    from layouts import fire

    register("fire", path="/fire", title=t("fire.title", settings.lang), layout=fire.layout)
    from callbacks import emergency as emergency_page

    register(
        "emergency",
        path="/emergency",
        title=t("emergency.title", settings.lang),
        layout=emergency_page.page_layout,
    )
    from layouts import traffic

    register(
        "traffic", path="/traffic", title=t("traffic.title", settings.lang), layout=traffic.layout
    )

    from layouts import duty

    register(
        "duty",
        path="/duty",
        title=t("duty.title", settings.lang),
        layout=functools.partial(duty.page, settings, districts),
    )


def _secret_key(settings: Settings) -> str:
    """The key that signs session cookies: `BRAIN_SECRET_KEY` (or its `_FILE`), else a random
    one for this process only."""
    if settings.secret_key:
        return settings.secret_key
    if settings.production:
        raise RuntimeError(
            "BRAIN_ENV=production needs BRAIN_SECRET_KEY (or BRAIN_SECRET_KEY_FILE): "
            "sessions must be signed with a key of the operator's"
        )
    log.warning(
        "BRAIN_SECRET_KEY is not set: session cookies are signed with a random key of this "
        "process, so sessions will not survive a restart or be shared between workers"
    )
    return secrets.token_urlsafe(32)


def _data_service(settings: Settings) -> Any:
    from data_adapters.node import open_node
    from services.cache import make_cache
    from services.data import DataService

    node = open_node(settings)
    # a server engine answers under a deadline; the embedded node runs in this process
    timeout = None if settings.embedded else settings.query_timeout_s
    return DataService(node, make_cache(settings), timeout_s=timeout)


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = _now, **dash_kwargs: Any
) -> dash.Dash:
    """A new app serving the pages of Zhanjiang Brain against the data node of `settings`.

    `clock` is the one place the app reads the time (tests and replays pin it)."""
    from callbacks import register_all
    from security.web import install as install_security

    settings = settings or load_settings()
    register_template()
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        serve_locally=True,
        external_scripts=[],
        external_stylesheets=[],
        title=t("wall.title", settings.lang),
        update_title=None,  # type: ignore[arg-type]  # None: no "Updating…" title
        suppress_callback_exceptions=True,
        **dash_kwargs,
    )
    app.enable_dev_tools(
        debug=False,
        dev_tools_ui=False,
        dev_tools_props_check=False,
        dev_tools_disable_version_check=True,
        dev_tools_hot_reload=False,
    )
    app.server.secret_key = _secret_key(settings)
    app.server.config["BRAIN_SETTINGS"] = settings
    app.server.extensions["brain.data"] = _data_service(settings)
    app.server.extensions["brain.clock"] = clock
    _register_pages(app, settings)
    app.layout = dash.html.Div(dash.page_container, className="app")
    register_all(app)
    register_ops(app)
    install_security(app, settings)  # sessions, sign-in and the access policy on every request
    _security_headers(app)
    _settle_memory()
    return app


@functools.cache
def _unfreeze_at_exit() -> None:
    atexit.register(gc.unfreeze)  # extension objects are then released in order at exit


def _settle_memory() -> None:
    """Leave what start-up made (modules, pages, reference data: most of the process's objects)
    out of the collector's full scans: a full scan of them stalls whatever request is running
    by 100-200 ms on a 2-core machine, and none of them ever becomes garbage."""
    gc.collect()
    gc.freeze()
    _unfreeze_at_exit()
    collect_between_refreshes()  # and what comes later is collected between refreshes


server = create_app().server
