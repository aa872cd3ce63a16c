"""Callbacks: thin wiring from inputs to services to layouts, attached by `register_all`.

Each page's callbacks live in `callbacks/<page>.py` with a `register(app)`; `PAGES` lists them.
`register_all` records which page registered each callback (`callback_pages(app)`: callback id
→ page), so the access policy can check every callback by its page, and a callback registered
outside a page has no page and is refused to everyone.
"""

from __future__ import annotations

import importlib
from typing import Final

import dash

__all__ = ["PAGES", "callback_pages", "register_all"]

# the modules of callbacks/, each one page (or area) of the app
PAGES: Final = (
    "wall",
    "economy",
    "admin",
    "duty",
    "traffic",
    "emergency",
    "fire",
    "river",
    "radar",
)
_KEY: Final = "brain.callback_pages"


def register_all(app: dash.Dash) -> None:
    """Attach every page's callbacks to `app` (callbacks are per app, not global)."""
    pages: dict[str, str] = {}
    for name in PAGES:
        before = set(app.callback_map)
        importlib.import_module(f"callbacks.{name}").register(app)
        pages.update(dict.fromkeys(set(app.callback_map) - before, name))
    app.server.extensions[_KEY] = pages


def callback_pages(app: dash.Dash) -> dict[str, str]:
    """Callback id (the `output` of a `/_dash-update-component` request) → the page that owns it."""
    pages: dict[str, str] = app.server.extensions.get(_KEY, {})
    return pages
