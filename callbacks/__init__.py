"""Callbacks: thin wiring from inputs to services to layouts, attached by `register_all`."""

from __future__ import annotations

import dash

__all__ = ["register_all"]


def register_all(app: dash.Dash) -> None:
    """Attach every page's callbacks to `app` (callbacks are per app, not global)."""
    from callbacks import wall

    wall.register(app)
