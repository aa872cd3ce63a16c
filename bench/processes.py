"""Processes the end-to-end benchmarks start: the app (or gunicorn) and the live feed, on
loopback ports of their own, stopped whatever happens; and the system's headless Chromium."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["CHROMIUM", "CHROMIUM_FLAGS", "ROOT", "free_port", "running"]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.5)


@contextmanager
def running(
    cmd: Sequence[str],
    env: dict[str, str],
    *,
    ready_url: str | None = None,
    timeout: float = 180.0,
    stop: signal.Signals = signal.SIGTERM,
    out: IO[Any] | int = subprocess.DEVNULL,
) -> Iterator[subprocess.Popen[bytes]]:
    """`cmd` running (from the project's root) while the block runs; with `ready_url`, once that
    URL answers. Afterwards it gets `stop`, and is killed if it has not ended 30 s later."""
    proc = subprocess.Popen(list(cmd), cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        if ready_url is not None:
            _wait_up(ready_url, proc, timeout)
        yield proc
    finally:
        proc.send_signal(stop)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
