"""Live AIS feed: NMEA lines over TCP, as shore receivers and AIS aggregators serve them.

`read_ais_tcp` connects, splits the byte stream into lines (a line may arrive in pieces, CRLF or
LF endings), decodes them in batches with `ais.NmeaDecoder` (so a multi-fragment message may
span batches) and hands every batch to `on_batch`. When the server closes the connection, resets
it or goes silent for `timeout` seconds, it reconnects with exponential backoff. Every loop is
bounded by `max_lines`, `max_reconnects` or the `stop` event, and every wait by a timeout.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from data_adapters.ais import MAX_LINE_CHARS, NmeaDecoder

__all__ = ["BatchHandler", "FeedStats", "read_ais_tcp"]

BatchHandler = Callable[[pd.DataFrame, pd.DataFrame], None]
_RECV_BYTES = 65_536


@dataclass(frozen=True)
class FeedStats:
    """What a run of the reader did. Every line read is a report fragment, a reject or blank."""

    lines: int
    reports: int
    rejected: int
    blank_lines: int
    connections: int
    last_error: str | None


class _LineSplitter:
    """Bytes in, complete text lines out; a line longer than the limit is cut and flagged."""

    def __init__(self, max_chars: int) -> None:
        self._max = max_chars
        self._buf = b""
        self._discarding = False  # inside the tail of an over-long line already emitted

    def push(self, data: bytes) -> list[str]:
        parts = (self._buf + data).split(b"\n")
        self._buf = parts.pop()
        lines: list[str] = []
        for raw in parts:
            if self._discarding:
                self._discarding = False
                continue
            lines.append(raw.rstrip(b"\r").decode("latin-1"))
        if self._discarding:
            self._buf = b""
        elif len(self._buf) > self._max:
            # Emitted with one char too many so that the decoder rejects it as over-long.
            lines.append(self._buf[: self._max + 1].decode("latin-1"))
            self._buf, self._discarding = b"", True
        return lines

    def finish(self) -> list[str]:
        """The unterminated last line of a closed connection (if any)."""
        rest, self._buf = self._buf, b""
        discarding, self._discarding = self._discarding, False
        return [] if discarding or not rest else [rest.rstrip(b"\r").decode("latin-1")]


@dataclass
class _Run:
    """Counters and the pending batch of one reader run."""

    decoder: NmeaDecoder
    on_batch: BatchHandler
    max_lines: int | None
    batch_size: int
    batch: list[str] = field(default_factory=list)
    lines: int = 0
    reports: int = 0
    rejected: int = 0
    blank: int = 0

    @property
    def full(self) -> bool:
        return self.max_lines is not None and self.lines >= self.max_lines

    def take(self, lines: list[str]) -> None:
        for line in lines:
            if self.full:
                return
            self.lines += 1
            if line.strip():
                self.batch.append(line)
                if len(self.batch) >= self.batch_size:
                    self.emit()
            else:
                self.blank += 1  # keep-alive blank lines are counted, not decoded

    def emit(self, *, flush: bool = False) -> None:
        reports, rejected = self.decoder.feed(self.batch)
        self.batch = []
        if flush:
            more_reports, more_rejected = self.decoder.flush()
            if len(more_reports):
                reports = pd.concat([reports, more_reports], ignore_index=True)
            if len(more_rejected):
                rejected = pd.concat([rejected, more_rejected], ignore_index=True)
        if len(reports) or len(rejected):
            self.reports += len(reports)
            self.rejected += len(rejected)
            self.on_batch(reports, rejected)


def read_ais_tcp(
    host: str,
    port: int,
    *,
    on_batch: BatchHandler,
    batch_size: int = 200,
    max_batch_delay: float = 1.0,
    max_lines: int | None = None,
    timeout: float = 30.0,
    connect_timeout: float = 5.0,
    max_reconnects: int | None = None,
    backoff_initial: float = 0.5,
    backoff_max: float = 30.0,
    stop: threading.Event | None = None,
) -> FeedStats:
    """Read an AIS NMEA feed from host:port until `max_lines`, `max_reconnects` or `stop`.

    `on_batch(reports, rejected)` receives the decoded frames of each batch (at most
    `batch_size` lines, or whatever arrived within `max_batch_delay` seconds). A connection
    silent for `timeout` seconds is dropped and re-opened; `max_reconnects=None` retries forever
    (then `stop` ends the run). Fragments left waiting when a connection ends are rejected.
    """
    run = _Run(NmeaDecoder(), on_batch, max_lines, max(1, batch_size))
    stop = stop or threading.Event()
    connections, reconnects, delay = 0, 0, backoff_initial
    last_error: str | None = None
    while not (stop.is_set() or run.full):
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as err:
            last_error = f"connect {host}:{port}: {err}"
        else:
            connections += 1
            delay = backoff_initial
            with sock:
                last_error = _read_connection(sock, run, stop, timeout, max_batch_delay)
        if stop.is_set() or run.full:
            break
        if max_reconnects is not None and reconnects >= max_reconnects:
            break
        reconnects += 1
        stop.wait(delay)
        delay = min(delay * 2, backoff_max)
    return FeedStats(run.lines, run.reports, run.rejected, run.blank, connections, last_error)


def _read_connection(
    sock: socket.socket,
    run: _Run,
    stop: threading.Event,
    timeout: float,
    max_batch_delay: float,
) -> str | None:
    """Read one connection to its end; returns the error that ended it (None: closed or done)."""
    splitter = _LineSplitter(MAX_LINE_CHARS)
    sock.settimeout(max(0.01, min(timeout, max_batch_delay)))
    last_data = batch_started = time.monotonic()
    error: str | None = None
    while not (stop.is_set() or run.full):
        try:
            data = sock.recv(_RECV_BYTES)
        except TimeoutError:
            data = None
        except OSError as err:
            error = f"connection lost: {err}"
            break
        now = time.monotonic()
        if data == b"":
            break  # closed by the server
        if data is None:
            if now - last_data >= timeout:
                error = f"no data for {timeout:g} s"
                break
        else:
            last_data = now
            if not run.batch:
                batch_started = now
            run.take(splitter.push(data))
        if run.batch and now - batch_started >= max_batch_delay:
            run.emit()
    run.take(splitter.finish())
    run.emit(flush=True)
    return error
