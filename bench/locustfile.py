"""Locust users of the load benchmark (`bench.load`): wall displays, duty officers and analysts.

Each user signs in as its role does (a display with its token, people through the sign-in
form with its CSRF token), opens its page and then sends the Dash callbacks a real browser sent
on that page (recorded by `bench.load` in headless Chromium: the first ones when the page opens,
the later ones at each refresh), with the CSRF header the renderer sends. Like the renderer, a
user holds the values the server last gave its page: each response's outputs become the inputs
and state of the calls after it (the wall's map sends back the map state it was given, and so
gets changes, not the whole map, at its next refresh). Displays and duty
officers refresh every `BRAIN_REFRESH_S`; analysts open a theme page, read it, and go on to
another. The scenario file is named by `BRAIN_LOAD_SCENARIO`.
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, constant, task

_SCENARIO: dict[str, Any] = json.loads(
    open(os.environ["BRAIN_LOAD_SCENARIO"], encoding="utf-8").read()  # noqa: SIM115
)
_REFRESH_S = float(os.environ.get("BRAIN_REFRESH_S", "5"))


def _prop_key(component: Any, prop: str) -> tuple[str, str]:
    """A component property as the renderer names it (a dict id: its JSON with sorted keys)."""
    if isinstance(component, dict):
        component = json.dumps(component, sort_keys=True, separators=(",", ":"))
    return str(component), prop


def _held(items: Any, props: dict[tuple[str, str], Any]) -> Any:
    """Inputs or state (a pattern's are lists) with the values the page holds now."""
    if isinstance(items, list):
        return [_held(i, props) for i in items]
    key = _prop_key(items["id"], items["property"])
    return dict(items, value=props[key]) if key in props else items


class _Signed(HttpUser):
    abstract = True
    role = ""

    def on_start(self) -> None:
        self.props: dict[tuple[str, str], Any] = {}

    def _sign_in(self) -> None:
        form = self.client.get("/login", name="GET /login")
        found = re.search(r'name="csrf" value="([^"]+)"', form.text)
        if found is None:
            raise RuntimeError("the sign-in page has no CSRF field")
        account = _SCENARIO["accounts"][self.role]
        self.client.post(
            "/login",
            data={
                "name": account["name"],
                "password": account["password"],
                "csrf": found.group(1),
                "next": "/",
            },
            name="POST /login",
            allow_redirects=False,
        )

    def _open(self, path: str) -> None:
        self.client.get(path, name=f"GET {path}")
        self.client.get("/_dash-layout", name="GET /_dash-layout")
        self.client.get("/_dash-dependencies", name="GET /_dash-dependencies")

    def _callbacks(self, page: str, phase: str) -> None:
        headers = {"X-CSRFToken": self.client.cookies.get("_csrf_token") or ""}
        for call in _SCENARIO["pages"][page][phase]:
            body = call["body"]
            if self.props:
                body = dict(
                    body,
                    inputs=_held(body.get("inputs", []), self.props),
                    state=_held(body.get("state", []), self.props),
                )
            r = self.client.post(call["path"], json=body, headers=headers, name=f"callback {page}")
            if r.status_code == 200:
                for component, values in r.json().get("response", {}).items():
                    for prop, value in values.items():
                        self.props[_prop_key(component, prop)] = value


class WallDisplay(_Signed):
    """A wall display (the kiosk): signed in by its token, refreshing every few seconds."""

    weight = 40
    wait_time = constant(_REFRESH_S)

    def on_start(self) -> None:
        super().on_start()
        token = _SCENARIO["accounts"]["display"]["token"]
        self.client.get(
            f"/kiosk?display_token={token}", name="GET /kiosk?display_token", allow_redirects=False
        )
        self._open("/kiosk")
        self._callbacks("kiosk", "open")

    @task
    def refresh(self) -> None:
        self._callbacks("kiosk", "refresh")


class DutyOfficer(_Signed):
    """A duty officer with the console open, its list refreshing."""

    weight = 20
    role = "duty"
    wait_time = constant(_REFRESH_S)

    def on_start(self) -> None:
        super().on_start()
        self._sign_in()
        self._open("/duty")
        self._callbacks("duty", "open")

    @task
    def refresh(self) -> None:
        self._callbacks("duty", "refresh")


class Analyst(_Signed):
    """An analyst going from one theme page to another, reading each for a while."""

    weight = 40
    role = "analyst"
    wait_time = between(5, 15)

    def on_start(self) -> None:
        super().on_start()
        self._sign_in()

    @task
    def read_a_theme(self) -> None:
        page = random.choice(_SCENARIO["themes"])
        self.props = {}  # a page opened anew holds only what its layout gives it
        self._open(f"/{page}")
        self._callbacks(page, "open")
