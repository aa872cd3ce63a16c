"""Shared helpers of the real-browser tests: a seeded data node, the live feed and the app in
subprocesses, and headless Chromium (Playwright, sync API) that records what a page does.

Everything runs on this machine: the app on a free port of 127.0.0.1, the browser with its
network chatter switched off. `Watch` keeps every console error and every request whose host is
not the app's own, so a test can say "none"; screenshots go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

__all__ = [
    "CHROMIUM",
    "CHROMIUM_FLAGS",
    "SCREENSHOTS",
    "AppServer",
    "Watch",
    "account",
    "browser",
    "free_port",
    "live_feed",
    "seed",
    "shot",
    "sign_in",
    "wait_for",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), BRAIN_DATA_DIR=str(data_dir))
    env.update(extra)
    return env


def seed(data_dir: Path, scale: str = "test", data_url: str | None = None) -> None:
    """Seed the embedded data node in `data_dir` (the simulated city, anchored at now), or the
    server data node at `data_url` (its manifest still goes to `data_dir`)."""
    args = [sys.executable, "-m", "brain", "seed", "--scale", scale, "--data-dir", str(data_dir)]
    subprocess.run(
        args + (["--data-url", data_url] if data_url else []),
        cwd=ROOT,
        env=_env(data_dir),
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextmanager
def live_feed(data_dir: Path, interval_s: float = 5.0) -> Iterator[subprocess.Popen[bytes]]:
    """The live feed appending new data while the block runs."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "brain",
            "simulate",
            "--interval",
            str(interval_s),
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class AppServer:
    """`python -m brain serve` in a subprocess; `kill` and `start` again on the same port."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    # one session key for every start of this server, so sessions survive its restarts
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    gunicorn_workers: int = 0  # > 0: gunicorn with that many workers, as in production

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        if self.gunicorn_workers:
            return [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:server"]
        serve = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-feed"]
        return [sys.executable, "-m", "brain", *serve, "--data-dir", str(self.data_dir)]

    def start(self, timeout: float = 60.0) -> None:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        extra = {}
        if self.gunicorn_workers:
            extra = {
                "BRAIN_BIND": f"127.0.0.1:{self.port}",
                "BRAIN_WORKERS": str(self.gunicorn_workers),
            }
        self.proc = subprocess.Popen(
            self._command(),
            cwd=ROOT,
            env=_env(self.data_dir, **{"BRAIN_SECRET_KEY": self.secret_key, **extra, **self.env}),
            stdout=out,
            stderr=out,
        )
        wait_for(self._up, timeout, "the app to answer")

    def _up(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"the app exited with {self.proc.returncode}")
        try:
            with urllib.request.urlopen(self.url + "/wall", timeout=2) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def kill(self) -> None:
        """Kill the server outright (SIGKILL), as a crash would."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    """Poll `check` until it returns something truthy; AssertionError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@contextmanager
def browser() -> Iterator[Any]:
    """Headless Chromium (the system's), with its own network chatter switched off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watch:
    """What a page did: console errors, uncaught exceptions, requests to hosts not the app's."""

    app_host: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Any, app_url: str) -> Watch:
        w = cls(urlsplit(app_url).netloc)
        page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: w.errors.append(f"uncaught: {e}"))
        page.on("request", w._request)
        return w

    def _request(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != self.app_host:
            self.foreign.append(request.url)


def shot(page: Any, name: str) -> Path:
    """A full-window screenshot in artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


_PASSWORD = "browser-test-password-1"  # of the accounts sign_in creates (a test value)
_MADE: dict[tuple[str, str], str] = {}  # (store, role) → account name or display token


def _account(server: AppServer, role: str) -> str:
    """The account (or, for `display`, the display token) of `role` in `server`'s store, made
    once through the command line as an operator would."""
    env = _env(server.data_dir, **server.env)
    key = (env.get("BRAIN_STORE_URL") or str(server.data_dir), role)
    if key in _MADE:
        return _MADE[key]
    base = [sys.executable, "-m", "brain"]
    where = ["--data-dir", str(server.data_dir)]
    name = f"test-{role}"
    if role == "display":
        args = [*base, "display-token", "create", "--name", f"wall-{free_port()}", *where]
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"display-token create failed: {done.stderr}")
        _MADE[key] = done.stdout.strip().splitlines()[-1]
        return _MADE[key]
    args = [*base, "users", "create", "--name", name, "--role", role, "--password-stdin", *where]
    done = subprocess.run(
        args, cwd=ROOT, env=env, input=_PASSWORD + "\n", capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0 and "exists already" not in done.stderr:
        raise RuntimeError(f"users create failed: {done.stderr}")
    _MADE[key] = name
    return name


def account(server: AppServer, role: str) -> tuple[str, str]:
    """(name, password) of the test account of `role` in `server` (made on first use)."""
    return _account(server, role), _PASSWORD


def sign_in(context: Any, server: AppServer, role: str) -> None:
    """Sign the browser `context` (Playwright) in to `server` as a user of `role` (one of
    security.Role: leader, duty, analyst, admin, display), so its pages open signed in.

    The account is created once per server with `python -m brain users create` (a display
    token with `display-token create`); the context then signs in as a browser does: the
    sign-in form's POST with its CSRF token (a display: `/kiosk?display_token=…`), through the
    context's own request API, so the session cookie lands in the context."""
    import re

    if role not in ("leader", "duty", "analyst", "admin", "display"):
        raise ValueError(f"unknown role {role!r}")
    name = _account(server, role)
    if role == "display":
        r = context.request.get(f"{server.url}/kiosk?display_token={name}", max_redirects=0)
        if r.status != 302 or r.headers.get("location") != "/kiosk":
            raise AssertionError(f"the display token was refused: {r.status}")
        return
    form = context.request.get(f"{server.url}/login")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text())
    if found is None:
        raise AssertionError("the sign-in page has no CSRF field")
    r = context.request.post(
        f"{server.url}/login",
        form={"name": name, "password": _PASSWORD, "csrf": found.group(1), "next": "/"},
        max_redirects=0,
    )
    if r.status != 302:
        raise AssertionError(f"signing in as {name} failed: {r.status} {r.text()[:200]}")
